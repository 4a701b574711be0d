import {
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidParameterError,
  InvalidTokenError,
  LdapTokenAuthError,
  SessionExpiredError,
  StoreUnavailableError,
} from '../errors.js';
import { Directory } from '../ldap/directory.js';
import { loginKey } from '../ldap/usernames.js';
import { warnIgnoredSettings } from '../options/ignored-settings.js';
import { type AuthOptions, resolveConfiguration } from '../options/resolve.js';
import type { TokenRequestEvent } from '../shared/events.js';
import { silentLogger } from '../shared/logger.js';
import { type CountedAttempt, endAttempts } from '../stores/login-limiter.js';
import { Stores } from '../stores/stores.js';
import { TokenSigner } from '../token/tokens.js';
import { VerifiedTokens } from '../token/verified-tokens.js';
import { registerInternals } from './auth-internals.js';
import { Identity, userOf } from './identity.js';
import { Sessions, sessionOver } from './sessions.js';
import { checkCriteria, checkDuration } from './token-request-checks.js';
import type {
  Auth,
  AuthenticatedUser,
  Credentials,
  IssuedToken,
  RequestContext,
  TokenRequestParams,
} from './types.js';

/** Usernames longer than this cannot be real and are refused before the directory sees them. */
const MAX_USERNAME_LENGTH = 256;

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

  async function requestToken(
    credentials: Credentials,
    params: TokenRequestParams = {},
    context: RequestContext = {},
  ): Promise<IssuedToken> {
    const report = events.tokenRequest;
    if (!report) return issue(credentials, params, context.address);
    const username = credentials.username || undefined;
    try {
      const issued = await issue(credentials, params, context.address);
      const subject = issued.user.username;
      report({ outcome: 'issued', username, subject, expiresIn: issued.expiresIn });
      return issued;
    } catch (error) {
      const refusal =
        error instanceof InvalidCredentialsError && error.reason
          ? { accountState: error.reason, passwordVerified: error.passwordVerified }
          : {};
      report({
        outcome: outcomeOf(error),
        username,
        code: (error as LdapTokenAuthError).code,
        ...refusal,
      });
      throw error;
    }
  }

  async function issue(
    credentials: Credentials,
    params: TokenRequestParams,
    address: string | undefined,
  ): Promise<IssuedToken> {
    const duration = checkDuration(params.tokenDuration, resolved.token);
    const criteria = checkCriteria(params.searchCriteria, resolved.searchCriteria);
    if (params.authenticatedSearch && !resolved.ldap.serviceAccount) {
      throw new InvalidParameterError(
        'authenticated_search',
        'authenticated_search=true needs a service account, and none is configured',
      );
    }
    const { username, password } = credentials;
    // An empty password makes an LDAP bind "unauthenticated", which servers may accept as
    // success (RFC 4513, 5.1.2): refuse it before the directory is asked anything.
    if (!username || !password || username.length > MAX_USERNAME_LENGTH) {
      throw new InvalidCredentialsError('Invalid username or password');
    }
    // Before the directory is asked anything, the attempt takes its points (atomically: a burst
    // of concurrent guesses cannot all slip in), under one key for every spelling of the name.
    const limiter = await stores.limiter();
    const preset = resolved.ldap.preset;
    const typedKey = loginKey(preset, username);
    const attempts: CountedAttempt[] = [];
    const first = await limiter?.begin(typedKey, address);
    if (first) attempts.push(first);
    let user: Awaited<ReturnType<Directory['authenticate']>>;
    try {
      user = await directory.authenticate({
        username,
        password,
        criteria,
        attributes: identity.attributesToRead,
        // Found through another attribute (cn, mail), the entry's own login name is counted too,
        // before the bind: no attribute buys a person more guesses.
        beforeBind: async (entry) => {
          const entryKey = loginKey(preset, identity.identify(entry).loginName);
          if (limiter && entryKey !== typedKey) {
            attempts.push(await limiter.begin(entryKey, undefined));
          }
        },
      });
    } catch (error) {
      await endAttempts(attempts, error);
      throw error;
    }
    await endAttempts(attempts);
    // The token names the person as the directory does, whatever name or attribute was typed.
    const { subject, loginName } = identity.identify(user);
    const extra = await identity.claimsFor(user, loginName);
    const signed = { username: subject, dn: user.dn };
    const { token, claims } = await signer.sign(signed, duration, undefined, extra);
    return { token, expiresIn: duration, user: userOf(claims) };
  }

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
  async function readAgain(user: AuthenticatedUser) {
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

function outcomeOf(error: unknown): TokenRequestEvent['outcome'] {
  if (error instanceof InvalidParameterError) return 'invalid_parameter';
  if (error instanceof DirectoryUnavailableError || error instanceof StoreUnavailableError) {
    return 'unavailable';
  }
  return error instanceof LdapTokenAuthError ? 'refused' : 'unavailable';
}
