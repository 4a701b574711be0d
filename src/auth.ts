import { type AuthOptions, type ResolvedOptions, resolveOptions } from './config.js';
import {
  DirectoryUnavailableError,
  InvalidCredentialsError,
  InvalidParameterError,
  LdapTokenAuthError,
} from './errors.js';
import type { PoolStats, TokenRequestEvent } from './events.js';
import { Directory } from './ldap/directory.js';
import { type Logger, silentLogger } from './logger.js';
import { type TokenClaims, TokenSigner } from './token/tokens.js';
import { VerifiedTokens } from './token/verified-tokens.js';

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

/** Who presented a valid token. */
export interface AuthenticatedUser {
  username: string;
  dn: string;
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
   * @throws {InvalidParameterError} a parameter outside what the configuration allows.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  requestToken(credentials: Credentials, params?: TokenRequestParams): Promise<IssuedToken>;
  /**
   * Checks a token's signature, algorithm and expiry. Never contacts the directory.
   * @throws {InvalidTokenError} (or its subclass `TokenExpiredError`).
   */
  verify(token: string): Promise<AuthenticatedUser>;
  /** Closes the directory connections. */
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
  const resolved = resolveOptions(options);
  const logger = options.logger ?? silentLogger;
  const events = options.events ?? {};
  const directory = new Directory(resolved.ldap, logger, events);
  const now = options.now ?? Date.now;
  const signer = new TokenSigner(resolved.secretKey, now);
  const verified = new VerifiedTokens<AuthenticatedUser>(resolved.token.verifyCacheSize, now);

  async function requestToken(
    credentials: Credentials,
    params: TokenRequestParams = {},
  ): Promise<IssuedToken> {
    const report = events.tokenRequest;
    if (!report) return issue(credentials, params);
    const username = credentials.username || undefined;
    try {
      const issued = await issue(credentials, params);
      report({ outcome: 'issued', username, expiresIn: issued.expiresIn });
      return issued;
    } catch (error) {
      report({ outcome: outcomeOf(error), username, code: (error as LdapTokenAuthError).code });
      throw error;
    }
  }

  async function issue(credentials: Credentials, params: TokenRequestParams): Promise<IssuedToken> {
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
    const user = await directory.authenticate({ username, password, criteria });
    const { token, claims } = await signer.sign(user, duration);
    return { token, expiresIn: duration, user: { ...user, claims } };
  }

  async function verify(token: string): Promise<AuthenticatedUser> {
    const known = verified.get(token);
    if (known) return known;
    const claims = await signer.verify(token);
    const user = Object.freeze({
      username: claims.sub,
      dn: claims.dn,
      claims: Object.freeze(claims),
    });
    verified.set(token, user);
    return user;
  }

  const auth: Auth = Object.freeze({
    requestToken,
    verify,
    close: () => directory.close(),
    options: resolved,
    logger,
    checkDirectory: () => directory.ping(),
    directoryStats: () => directory.stats,
  });
  alreadyVerified.set(auth, (token) => verified.get(token));
  return auth;
}

/** Per Auth, a synchronous look-up of tokens verified before; see {@link knownUser}. */
const alreadyVerified = new WeakMap<Auth, (token: string) => AuthenticatedUser | undefined>();

/**
 * The user of a token this Auth has verified before, without a promise: the protected route's
 * hot path. `undefined` means "not known", and the caller goes on to `auth.verify`. Internal to
 * the package (not exported from its root).
 * @throws {TokenExpiredError} a known token whose time is up.
 */
export function knownUser(auth: Auth, token: string): AuthenticatedUser | undefined {
  return alreadyVerified.get(auth)?.(token);
}

function outcomeOf(error: unknown): TokenRequestEvent['outcome'] {
  if (error instanceof InvalidParameterError) return 'invalid_parameter';
  if (error instanceof DirectoryUnavailableError) return 'unavailable';
  return error instanceof LdapTokenAuthError ? 'refused' : 'unavailable';
}

function checkDuration(requested: number | undefined, limits: ResolvedOptions['token']): number {
  if (requested === undefined) return limits.defaultDuration;
  if (!Number.isSafeInteger(requested) || requested <= 0) {
    throw new InvalidParameterError(
      'token_duration',
      'token_duration must be a positive whole number of seconds',
    );
  }
  if (requested > limits.maxDuration) {
    throw new InvalidParameterError(
      'token_duration',
      `token_duration must be at most ${limits.maxDuration} seconds`,
    );
  }
  return requested;
}

function checkCriteria(
  requested: string | undefined,
  criteria: ResolvedOptions['searchCriteria'],
): string {
  if (requested === undefined) return criteria.default;
  const allowed = criteria.allowed.find((name) => name.toLowerCase() === requested.toLowerCase());
  if (!allowed) {
    throw new InvalidParameterError(
      'search_criteria',
      `search_criteria must be one of: ${criteria.allowed.join(', ')}`,
    );
  }
  return allowed;
}
