// The core's public types: what createAuth returns and takes, apart from its options.

import type { ResolvedOptions } from '../options/resolve.js';
import type { AttributeValues } from '../shared/attributes.js';
import type { PoolStats } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { PublicJwk } from '../token/keys.js';
import type { TokenClaims } from '../token/tokens.js';

/** A username and password, as the person typed them. */
export interface Credentials {
  username: string;
  password: string;
}

/** The token request's options, flask-ldap-auth's query parameters in typed form. */
export interface TokenRequestParams {
  /** Lifetime in seconds (`token_duration`). Default: the configured default, 3600. */
  tokenDuration?: number;
  /** Attribute the username is matched against (`search_criteria`). Default: `uid`. */
  searchCriteria?: string;
  /**
   * `authenticated_search`: the client asks that the search be made as the service account.
   * With a service account configured, searches always use it and this changes nothing; without
   * one it is an error, since the request cannot be honoured.
   */
  authenticatedSearch?: boolean;
}

/** What the core knows of the request a token is asked with. */
export interface RequestContext {
  /**
   * The client's address, for the per-address login limit (the HTTP layer works it out from the
   * socket and, behind trusted proxies only, `X-Forwarded-For`). Without it only the username
   * is limited.
   */
  address?: string;
}

/** Who presented a valid token. */
export interface AuthenticatedUser {
  username: string;
  dn: string;
  /**
   * The configured attributes of the user's entry (`user.attributes`) as read at login or the
   * last refresh, from the token's `attributes` claim: one value a string, several an array.
   */
  attributes: AttributeValues;
  /** The names of the user's groups, from the token's `groups` claim (capped by `groups.maxInToken`). */
  groups: readonly string[];
  claims: TokenClaims;
}

export interface IssuedToken {
  /** The signed JWT. */
  token: string;
  /** Its lifetime in seconds. */
  expiresIn: number;
  user: AuthenticatedUser;
}

/** The framework-free core: what every adapter and the standalone service call. */
export interface Auth {
  /**
   * Checks the credentials against the directory and issues a token.
   * @throws {InvalidCredentialsError} wrong, unknown, ambiguous or empty credentials.
   * @throws {ForbiddenError} the right password, but not a member of `groups.required`.
   * @throws {InvalidParameterError} a parameter outside what the configuration allows.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   * @throws {RateLimitedError} too many failed logins for the username or the address: refused
   *   before the directory is asked anything.
   */
  requestToken(
    credentials: Credentials,
    params?: TokenRequestParams,
    context?: RequestContext,
  ): Promise<IssuedToken>;
  /**
   * Checks a token's signature, algorithm, claims and expiry, and with revocation on, the
   * revocation store. Never contacts the directory.
   * @throws {InvalidTokenError} (or its subclass `TokenExpiredError`).
   * @throws {StoreUnavailableError} revocation is on, Redis fails, and failures are closed.
   */
  verify(token: string): Promise<AuthenticatedUser>;
  /**
   * The public keys tokens are verified with, as a JWK Set (RFC 7517): what `/jwks.json` serves.
   * Empty with HS256, whose key is a shared secret.
   */
  jwks(): { keys: PublicJwk[] };
  /**
   * Issues a new token for the holder of a valid one, after asking the directory whether the
   * entry still exists (a base search on its DN; no password) and reading its attributes and
   * groups again, which the new token carries. The new token keeps the login's
   * `auth_time` (and a browser session's `sid`); a refresh later than `token.maxSessionSeconds`
   * after it is refused, and the new token never outlives it. Only `params.tokenDuration` is used. With revocation on, the token
   * presented is revoked atomically before the directory is asked: each token is exchanged at
   * most once, even by concurrent refreshes. It stays revoked when the directory refuses the
   * user, and is released again when the directory cannot answer.
   * @throws {InvalidTokenError} the token is not valid (or already exchanged).
   * @throws {SessionExpiredError} the login is older than `token.maxSessionSeconds`.
   * @throws {InvalidCredentialsError} the entry is gone, or no longer in `groups.required`.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  refresh(token: string, params?: TokenRequestParams): Promise<IssuedToken>;
  /**
   * Denies a valid token until its `exp`, in the revocation store every instance shares.
   * @throws {InvalidTokenError} the token is not valid (or already revoked).
   * @throws {StoreUnavailableError} the store cannot record it.
   * @throws {TypeError} revocation is not enabled.
   */
  revoke(token: string): Promise<void>;
  /**
   * Denies every token of `username` issued up to now (a token issued in the same second too).
   * `username` is the subject tokens carry (`sub`): the entry's value of the subject attribute as
   * the directory stores it (the login attribute by default), which every way the person logged
   * in shares.
   * @throws {StoreUnavailableError} the store cannot record it.
   * @throws {TypeError} revocation is not enabled.
   */
  revokeAllFor(username: string): Promise<void>;
  /** Closes the directory connections and the Redis client. */
  close(): Promise<void>;
  readonly options: ResolvedOptions;
  /** Where the core and the HTTP layer report what operators should know. */
  readonly logger: Logger;
  /**
   * Resolves when the directory answers a search of the top DN; for readiness probes.
   * @throws {DirectoryUnavailableError}
   */
  checkDirectory(): Promise<void>;
  /** Directory connections open and in use, for the search pool and the bind pool. */
  directoryStats(): { searches: PoolStats; binds: PoolStats };
}
