// Browser sessions, framework-free: a session is a token carrying a `sid` (session id), kept in
// the sign-in page's cookie. What the core adds to such a token: it is checked against the
// revocation store wherever it is presented (sign-out revokes the whole session), and its use
// re-asks the directory at most once per `browser.sessionRecheckSeconds`, across workers and
// instances (a claim in the shared store), with concurrent uses in one process sharing one
// directory search.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import {
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidTokenError,
  SessionExpiredError,
  TokenExpiredError,
} from '../errors.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { Logger } from '../shared/logger.js';
import type { Stores } from '../stores/stores.js';
import type { TokenSigner } from '../token/tokens.js';
import { userOf } from './identity.js';
import type { AuthenticatedUser, IssuedToken } from './types.js';

/** A session that may be used, and its renewed token when a re-check just made one. */
export interface SessionUse {
  user: AuthenticatedUser;
  /** The token with the groups and attributes of now, for a new cookie. */
  renewed?: IssuedToken;
}

/** What the sessions need of the core; see createAuth. */
export interface SessionCore {
  verify(token: string): Promise<AuthenticatedUser>;
  /**
   * Refresh's reading of the entry: who the user is now and the claims the directory makes
   * (the `sid` carried over).
   * @throws {InvalidCredentialsError} the entry is gone, disabled, locked or out of the group.
   * @throws {DirectoryUnavailableError}
   */
  readAgain(user: AuthenticatedUser): Promise<{
    subject: { username: string; dn: string };
    extra: Record<string, unknown>;
  }>;
  sign: TokenSigner['sign'];
}

/** Renewals remembered per process; past it the oldest are forgotten (they re-check no sooner). */
const MAX_RENEWALS_KEPT = 10_000;

/** The reason every refused session gives: it looks as if there were no session at all. */
const ENDED = 'The session has ended';

export class Sessions {
  readonly #core: SessionCore;
  readonly #stores: Stores;
  readonly #options: ResolvedOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** jti -> the re-check under way in this process, which concurrent uses wait for. */
  readonly #rechecks = new Map<string, Promise<SessionUse>>();
  /**
   * jti -> the last re-check's answer in this process, until its claim ends: later uses of the
   * same cookie (a browser whose proxy dropped the renewed cookie, a request sent before it came)
   * get the groups of now and the renewed cookie again, without asking the directory.
   */
  readonly #renewals = new Map<string, { use: SessionUse; until: number }>();

  constructor(
    core: SessionCore,
    stores: Stores,
    options: ResolvedOptions,
    logger: Logger,
    now: () => number,
  ) {
    this.#core = core;
    this.#stores = stores;
    this.#options = options;
    this.#logger = logger;
    this.#now = now;
  }

  /**
   * The sign-in page's token made a session token: the same claims and end, and a new `sid`,
   * which every token of the session carries and sign-out revokes.
   */
  async begin(issued: IssuedToken): Promise<IssuedToken> {
    const { sub, dn, iat, nbf, exp, jti, auth_time, iss, aud, ...extra } = issued.user.claims;
    const subject = { username: issued.user.username, dn: issued.user.dn };
    const signed = await this.#core.sign(subject, issued.expiresIn, auth_time ?? iat, {
      ...extra,
      sid: randomUUID(),
    });
    return { token: signed.token, expiresIn: issued.expiresIn, user: userOf(signed.claims) };
  }

  /**
   * A use of the session token `token` (the cookie at `{mount}/verify`, or at the sign-in page):
   * verified, checked against revoked sessions, and re-checked against the directory when its
   * interval has passed.
   * @throws {InvalidTokenError} not a valid session token, revoked (sign-out), or refused by the
   *   directory at a re-check (the session is then revoked: it ends everywhere).
   * @throws {DirectoryUnavailableError} a re-check could not ask the directory, and
   *   `browser.sessionRecheckFailure` is `closed`.
   * @throws {StoreUnavailableError} the store failed, and `storeFailure` is `closed`.
   */
  async use(token: string): Promise<SessionUse> {
    const user = await this.#core.verify(token);
    // A cookie carries session tokens only: an API token put there is no session to sign out of.
    if (typeof user.claims.sid !== 'string') throw new InvalidTokenError('Not a session token');
    const interval = this.#options.browser.sessionRecheckSeconds;
    if (interval === 0 || this.#now() / 1000 - user.claims.iat < interval) return { user };
    const jti = user.claims.jti;
    const renewal = this.#renewals.get(jti);
    if (renewal && renewal.until > this.#now()) return renewal.use;
    let pending = this.#rechecks.get(jti);
    if (!pending) {
      pending = this.#recheck(user, interval).finally(() => this.#rechecks.delete(jti));
      this.#rechecks.set(jti, pending);
    }
    return pending;
  }

  /**
   * Sign-out: every token of the token's session is denied until the session could last no
   * longer, whatever `revocation.enabled` says. An invalid or expired token needs nothing.
   * @throws {StoreUnavailableError} the store cannot record it.
   */
  async end(token: string): Promise<void> {
    const user = await this.#core.verify(token).catch(() => undefined);
    if (user) await this.#revoke(user);
  }

  async #recheck(user: AuthenticatedUser, interval: number): Promise<SessionUse> {
    const claim = await this.#stores.claimRecheck(user.claims.jti, interval * 1000);
    // Another worker or instance asked the directory within the interval: its answer stands
    // (a refusal has revoked the session, which the verification above saw).
    if (claim === undefined) return { user };
    try {
      const renewed = await this.#renew(user);
      const use = { user: renewed.user, renewed };
      this.#remember(user.claims.jti, use, interval);
      return use;
    } catch (error) {
      if (error instanceof InvalidCredentialsError || error instanceof ForbiddenError) {
        this.#logger.info(
          { event: 'session_ended', username: user.username, reason: reasonOf(error) },
          'A browser session was ended: the directory no longer lets its user sign in',
        );
        await this.#revoke(user);
        throw new InvalidTokenError(ENDED, { cause: error });
      }
      if (
        error instanceof DirectoryUnavailableError &&
        this.#options.browser.sessionRecheckFailure === 'open'
      ) {
        // The claim stands: the directory is asked again one interval later, not at every use,
        // so an outage slows no page by a timeout and is not hammered by every browser.
        this.#logger.warn(
          { event: 'session_recheck_failed', username: user.username, failure: 'open' },
          'A browser session could not be re-checked (the directory did not answer); kept until the next interval (SESSION_RECHECK_FAILURE=open)',
        );
        return { user };
      }
      // Closed, or a fault: the next use asks again.
      await this.#stores.releaseRecheck(user.claims.jti, claim);
      if (error instanceof DirectoryUnavailableError) {
        this.#logger.warn(
          { event: 'session_recheck_failed', username: user.username, failure: 'closed' },
          'A browser session could not be re-checked (the directory did not answer); refused until it answers (SESSION_RECHECK_FAILURE=closed)',
        );
      }
      throw error;
    }
  }

  /** The entry read again, and the session's token signed anew: the same end, the claims of now. */
  async #renew(user: AuthenticatedUser): Promise<IssuedToken> {
    const { subject, extra } = await this.#core.readAgain(user);
    const left = user.claims.exp - Math.floor(this.#now() / 1000);
    if (left <= 0) throw new TokenExpiredError('The token has expired');
    const authTime = user.claims.auth_time ?? user.claims.iat;
    const signed = await this.#core.sign(subject, left, authTime, extra);
    return { token: signed.token, expiresIn: left, user: userOf(signed.claims) };
  }

  #remember(jti: string, use: SessionUse, interval: number): void {
    const now = this.#now();
    if (this.#renewals.size >= MAX_RENEWALS_KEPT) {
      for (const [key, { until }] of this.#renewals) if (until <= now) this.#renewals.delete(key);
      // Still full: the oldest go first (a Map iterates in insertion order).
      for (const key of this.#renewals.keys()) {
        if (this.#renewals.size < MAX_RENEWALS_KEPT) break;
        this.#renewals.delete(key);
      }
    }
    this.#renewals.set(jti, { use, until: now + interval * 1000 });
  }

  /** Denies the session until no token of it can be valid: its login's end, or its own `exp`. */
  async #revoke(user: AuthenticatedUser): Promise<void> {
    const { claims } = user;
    const sid = claims.sid;
    if (typeof sid !== 'string') return;
    const { maxSessionSeconds, clockToleranceSeconds } = this.#options.token;
    const sessionEnd = (claims.auth_time ?? claims.iat) + maxSessionSeconds;
    const until = Math.max(sessionEnd, claims.exp) + clockToleranceSeconds + 1;
    await this.#stores.revokeSession(sid, until);
  }
}

function reasonOf(error: InvalidCredentialsError | ForbiddenError): string {
  if (error instanceof InvalidCredentialsError && error.reason) return error.reason;
  return error.message;
}

/**
 * The error a refresh answers for a token that failed verification: a token that expired with its
 * session (no token outlives it) becomes {@link SessionExpiredError}, whose answer says to sign in
 * again, since no refresh can help. The payload is read only after the signature checked out (jose
 * checks `exp` after the signature; the verified-token cache holds verified tokens only).
 */
export function sessionOver(
  token: string,
  error: unknown,
  maxSessionSeconds: number,
  nowMs: number,
): unknown {
  if (!(error instanceof TokenExpiredError)) return error;
  const { auth_time: authTime, iat } = decodeJwt(token);
  const start = typeof authTime === 'number' ? authTime : iat;
  if (typeof start !== 'number' || start + maxSessionSeconds > Math.floor(nowMs / 1000)) {
    return error;
  }
  return new SessionExpiredError('The session has reached its maximum age; sign in again', {
    cause: error,
  });
}
