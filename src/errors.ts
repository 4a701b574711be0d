/**
 * Every error the library raises about untrusted input or the directory. Each subclass carries one
 * stable `code`; `src/http/answers.ts` is the only place that turns a code into an HTTP answer.
 *
 * Mistakes in the caller's own configuration are not these: they are `ConfigurationError`s thrown
 * at construction, before any request is served.
 */
export type ErrorCode =
  | 'ERR_MISSING_CREDENTIALS'
  | 'ERR_INVALID_CREDENTIALS'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_SESSION_EXPIRED'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_DIRECTORY_UNAVAILABLE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_FORBIDDEN';

/** Base class of every error with a stable `code`. Messages never contain secrets or tokens. */
export abstract class LdapTokenAuthError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No credentials, or no token, came with the request. */
export class MissingCredentialsError extends LdapTokenAuthError {
  readonly code = 'ERR_MISSING_CREDENTIALS';
}

/**
 * Why the directory refused an account, when it said (OpenLDAP's password-policy response
 * control, Active Directory's bind data codes): see docs/answers.md, "Password-policy answers".
 */
export type AccountStateReason = (typeof ACCOUNT_STATE_REASONS)[number];

/** Every {@link AccountStateReason}, in one list (the OpenAPI document's enum reads it). */
export const ACCOUNT_STATE_REASONS = [
  'account_locked',
  'account_disabled',
  'account_expired',
  'password_expired',
  'password_must_change',
  'logon_hours',
  'workstation_not_allowed',
] as const;

/**
 * The username or password is wrong, the user is unknown, or the username matches several
 * entries. Deliberately one error: from outside, these must look the same.
 *
 * When the directory refused the account for its state, `reason` says which; `passwordVerified`
 * says whether the directory proved the password right before refusing (an expired password,
 * say, but not a locked account, which directories refuse whatever the password). The HTTP
 * layer shows `reason` only as `passwordPolicy.revealReason` allows.
 */
export class InvalidCredentialsError extends LdapTokenAuthError {
  readonly code = 'ERR_INVALID_CREDENTIALS';
  /** The account's state that made the directory refuse it; absent for a plain refusal. */
  readonly reason: AccountStateReason | undefined;
  /** Whether the directory proved the password right before refusing. */
  readonly passwordVerified: boolean;

  constructor(
    message: string,
    options?: { cause?: unknown; reason?: AccountStateReason; passwordVerified?: boolean },
  ) {
    super(message, options);
    this.reason = options?.reason;
    this.passwordVerified = options?.passwordVerified ?? false;
  }
}

/** The token is malformed, altered, signed with another key or another algorithm. */
export class InvalidTokenError extends LdapTokenAuthError {
  readonly code: 'ERR_INVALID_TOKEN' | 'ERR_TOKEN_EXPIRED' | 'ERR_SESSION_EXPIRED' =
    'ERR_INVALID_TOKEN';
}

/** The token was valid once and has expired. */
export class TokenExpiredError extends InvalidTokenError {
  override readonly code = 'ERR_TOKEN_EXPIRED';
}

/**
 * A valid token whose login is older than `token.maxSessionSeconds`: it cannot be refreshed, and
 * only a new password login starts a new session.
 */
export class SessionExpiredError extends InvalidTokenError {
  override readonly code = 'ERR_SESSION_EXPIRED';
}

/** A query parameter of the token request is not acceptable; `parameter` names it. */
export class InvalidParameterError extends LdapTokenAuthError {
  readonly code = 'ERR_INVALID_PARAMETER';

  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The directory could not be reached, timed out, or failed in a way that says nothing about the
 * user's credentials. Answered 503 with `Retry-After`, never as a wrong password.
 */
export class DirectoryUnavailableError extends LdapTokenAuthError {
  readonly code = 'ERR_DIRECTORY_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }

  /** How long a client should wait before trying again. */
  readonly retryAfterSeconds: number;
}

/**
 * Too many failed logins for this username or from this address: answered 429 with
 * `Retry-After`, before the directory is asked anything.
 */
export class RateLimitedError extends LdapTokenAuthError {
  readonly code = 'ERR_RATE_LIMITED';
  /** Seconds until the next attempt is allowed. */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/**
 * The shared store (Redis) that holds revocations and login counters cannot be reached, and the
 * configuration says to fail closed: answered 503 with `Retry-After`.
 */
export class StoreUnavailableError extends LdapTokenAuthError {
  readonly code = 'ERR_STORE_UNAVAILABLE';
  readonly retryAfterSeconds = 5;
}

/**
 * The person proved who they are but may not have what they asked for: a token, when they are not
 * in the required group (`groups.required`). Answered 403 `forbidden`, never 401.
 */
export class ForbiddenError extends LdapTokenAuthError {
  readonly code = 'ERR_FORBIDDEN';
}

/**
 * The options given to `createAuth`, or the environment read by `fromEnv`, are invalid. Thrown
 * once at start-up. `variable` names the environment variable and `option` the option's dotted
 * path, when there is one; `detail` is what is wrong with it.
 */
export class ConfigurationError extends Error {
  readonly variable: string | undefined;
  readonly option: string | undefined;
  readonly detail: string;

  constructor(message: string, variable?: string, option?: { path: string; detail: string }) {
    super(message);
    this.name = 'ConfigurationError';
    this.variable = variable;
    this.option = option?.path;
    this.detail = option?.detail ?? message;
  }
}
