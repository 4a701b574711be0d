import {
  ForbiddenError,
  InvalidCredentialsError,
  InvalidTokenError,
  SessionExpiredError,
} from '../errors.js';
import { Directory } from '../ldap/directory.js';
import { warnIgnoredSettings } from '../options/ignored-settings.js';
import { type AuthOptions, resolveConfiguration } from '../options/resolve.js';
import { silentLogger } from '../shared/logger.js';
import { Stores } from '../stores/stores.js';
import type { TokenClaims } from '../token/tokens.js';
import { TokenSigner } from '../token/tokens.js';
import { VerifiedTokens } from '../token/verified-tokens.js';
import { accountLookup } from './accounts.js';
import { registerInternals } from './auth-internals.js';
import { Identity, userOf } from './identity.js';
import { Sessions, sessionOver } from './sessions.js';
import { checkDuration } from './token-request-checks.js';
import { tokenRequests } from './token-requests.js';
import type { Auth, AuthenticatedUser, IssuedToken, TokenRequestParams } from './types.js';

/**
 * Creates the core from options. Invalid options throw a `ConfigurationError` here, at start-up.
 *
 * @example
 * const auth = createAuth({
 *   secretKey: process.env.SECRET_KEY!,
 *   ldap: { url: 'ldaps://ldap.example.org', topDn: 'ou=people,dc=example,dc=org' },
 * });
 * const { token } = await auth.requestToken({ username: 'alice', password: 'wonderland' });
 * const user = await auth.verify(token); // { username: 'alice', dn: 'uid=alice,...', claims }
 */
export function createAuth(options: AuthOptions): Auth {
  const { options: resolved, keys } = resolveConfiguration(options);
  const logger = options.logger ?? silentLogger;
  warnIgnoredSettings(options, logger);
  const events = options.events ?? {};
  const now = options.now ?? Date.now;
  const directory = new Directory(resolved.ldap, {
    logger,
    events,
    policyControl: resolved.passwordPolicy.control,
    now,
  });
  const { issuer, audience, clockToleranceSeconds } = resolved.token;
  const signer = new TokenSigner(keys, now, { issuer, audience, clockToleranceSeconds });
  const verified = new VerifiedTokens<AuthenticatedUser>(
    resolved.token.verifyCacheSize,
    now,
    clockToleranceSeconds,
  );

  const stores = new Stores(resolved, logger, now);
  const identity = new Identity(
    resolved,
    (base, search) => directory.searchEntries(base, search),
    logger,
  );
  const requestToken = tokenRequests({
    options: resolved,
    directory,
    identity,
    stores,
    signer,
    events,
  });

  async function verify(token: string): Promise<AuthenticatedUser> {
    const user = verified.get(token) ?? (await verifySignature(token));
    await stores.checkNotRevoked(user.claims);
    return user;
  }

  async function verifySignature(token: string): Promise<AuthenticatedUser> {
    const user = userOf(await signer.verify(token));
    verified.set(token, user);
    return user;
  }

  /** The hot path's look-up: a known token, unless it may be revoked and only Redis can say. */
  function knownNow(token: string): AuthenticatedUser | undefined {
    const user = verified.get(token);
    if (!user) return undefined;
    const revoked = stores.isRevokedNow(user.claims);
    if (revoked === undefined) return undefined;
    if (revoked) throw new InvalidTokenError('The token has been revoked');
    return user;
  }

  async function refresh(token: string, params: TokenRequestParams = {}): Promise<IssuedToken> {
    const user = await verify(token).catch((error: unknown) => {
      throw sessionOver(token, error, resolved.token.maxSessionSeconds, now());
    });
    const authTime = user.claims.auth_time ?? user.claims.iat;
    const left = authTime + resolved.token.maxSessionSeconds - Math.floor(now() / 1000);
    if (left <= 0) {
      throw new SessionExpiredError('The session has reached its maximum age; sign in again');
    }
    const duration = Math.min(checkDuration(params.tokenDuration, resolved.token), left);
    // Rotation: with revocation on, a token is exchanged once. Its jti is claimed (revoked, if
    // not already) atomically BEFORE anything else is asked, so of concurrent refreshes of one
    // token exactly one goes on; a copy that leaked cannot keep a session alive beside its
    // owner's. A refusal (user gone, disabled, out of the group) leaves it spent; a directory
    // that cannot answer releases it, since nothing was issued and the client will try again.
    if (!stores.revocationEnabled) return reissue(user, duration, authTime);
    const claim = await stores.claim(user.claims);
    try {
      return await reissue(user, duration, authTime);
    } catch (error) {
      if (!(error instanceof InvalidCredentialsError)) await stores.release(user.claims, claim);
      throw error;
    }
  }

  /** Refresh's part after the checks of the token: the directory's answer, and the new token. */
  async function reissue(
    user: AuthenticatedUser,
    duration: number,
    authTime: number,
  ): Promise<IssuedToken> {
    const { subject, extra } = await readAgain(user);
    const signed = await signer.sign(subject, duration, authTime, extra);
    return { token: signed.token, expiresIn: duration, user: userOf(signed.claims) };
  }

  /**
   * The directory's answer about a token's user now: its entry and the claims it makes. A browser
   * session's `sid` is carried over, so that no refresh or re-check takes a token out of its
   * session (and out of reach of its sign-out).
   */
  async function readAgain(user: { dn: string; claims: Partial<TokenClaims> }) {
    // The entry may have been deleted, moved, changed or left the required group since the
    // login: the directory decides again, and the new token says what it says now.
    const entry = await directory.lookup(user.dn, identity.attributesToRead);
    if (!entry) throw new InvalidCredentialsError('The user is no longer in the directory');
    // The subject is read again too: a renamed entry's new tokens carry its new name.
    const { subject, loginName } = identity.identify(entry);
    let extra: Record<string, unknown>;
    try {
      extra = await identity.claimsFor(entry, loginName);
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      throw new InvalidCredentialsError('The user is no longer in the required group');
    }
    const sid = user.claims.sid;
    if (typeof sid === 'string') extra = { ...extra, sid };
    return { subject: { username: subject, dn: entry.dn }, extra };
  }

  async function revoke(token: string): Promise<void> {
    const { claims } = await verify(token);
    await stores.revoke(claims);
  }

  async function revokeAllFor(username: string): Promise<void> {
    // Every token issued up to now, remembered as long as any of them can live.
    const { maxDuration, clockToleranceSeconds: tolerance } = resolved.token;
    await stores.revokeAllFor(username, Math.floor(now() / 1000), maxDuration + tolerance + 1);
  }

  const auth: Auth = Object.freeze({
    requestToken,
    verify,
    refresh,
    revoke,
    revokeAllFor,
    jwks: () => keys.jwks(),
    close: async () => {
      await Promise.all([directory.close(), stores.close()]);
    },
    options: resolved,
    logger,
    checkDirectory: () => directory.ping(),
    directoryStats: () => directory.stats,
  });
  registerInternals(auth, {
    knownUser: knownNow,
    keys,
    redis: () => stores.redis,
    accountBySubject: accountLookup(resolved, directory, readAgain),
    sessions: new Sessions(
      { verify, readAgain, sign: (...args) => signer.sign(...args) },
      stores,
      resolved,
      logger,
      now,
    ),
  });
  return auth;
}
