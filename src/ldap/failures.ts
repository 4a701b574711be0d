import {
  BusyError,
  OperationsError,
  ResultCodeError,
  TimeLimitExceededError,
  UnavailableError,
} from 'ldapts';
import { type Connection, ConnectTimeoutError } from './connection.js';
import { NoServerError } from './connector.js';
import { tlsFailure } from './tls.js';

/** The service account's own bind failed: a configuration problem, never a wrong user password. */
export class ServiceAccountBindError extends Error {
  override readonly name = 'ServiceAccountBindError';
  readonly reason: string;

  constructor(cause: unknown) {
    super('The service account bind failed', { cause });
    this.reason = cause instanceof Error ? cause.message : String(cause);
  }
}

/** The log line for a failure that makes the directory unavailable. */
export interface FailureReport {
  event: string;
  level: 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/**
 * Says, for an operator, why the directory could not answer: which server, which step, and what
 * to check. Never mentions a password.
 */
export function describeFailure(
  error: unknown,
  operation: 'search' | 'bind',
  options: { timeoutMs: number },
): FailureReport {
  if (error instanceof ServiceAccountBindError) {
    // Only an answer from the directory says the account is wrong; a lost connection does not.
    if (!(error.cause instanceof ResultCodeError)) {
      return describeFailure(error.cause, operation, options);
    }
    return {
      event: 'service_account_bind_failed',
      level: 'error',
      message: 'The service account could not bind; check LDAP_USERNAME and LDAP_PASSWORD',
      fields: { reason: error.reason, resultCode: error.cause.code },
    };
  }
  if (error instanceof ResultCodeError) {
    // referral (10): ldapts has no class for it (an UnknownStatusCodeError), so by number.
    if (operation === 'search' && error.code === REFERRAL) {
      return {
        event: 'search_referral',
        level: 'error',
        message:
          'The directory answered the user search with a referral, which is not followed; ' +
          'point LDAP_AUTH_SERVER at a server that holds LDAP_TOP_DN',
        fields: { resultCode: error.code },
      };
    }
    if (operation === 'search') {
      // A search does not depend on the person's password, so its failure is never theirs:
      // typically anonymous search refused (50, or 32 when the ACL hides the base) or a wrong
      // LDAP_TOP_DN (32).
      return {
        event: 'search_refused',
        level: 'error',
        message:
          `The directory refused the user search (${error.message}); check LDAP_TOP_DN, and ` +
          'configure LDAP_USERNAME and LDAP_PASSWORD if it refuses anonymous search',
        fields: { resultCode: error.code },
      };
    }
    return {
      event: 'directory_unavailable',
      level: 'error',
      message: `The directory could not check the password: ${error.message}`,
      fields: { resultCode: error.code },
    };
  }
  if (error instanceof NoServerError) {
    const tls = error.failures.some((failure) => /^certificate verification/.test(failure.reason));
    return {
      event: tls ? 'tls_verification_failed' : 'directory_unreachable',
      level: 'error',
      message: error.message,
      fields: { failures: error.failures },
    };
  }
  if (error instanceof PoolTimeoutError || isTimeout(error)) {
    return {
      event: 'directory_timeout',
      level: 'error',
      message:
        error instanceof PoolTimeoutError
          ? `${error.message}: the directory is slow or has stopped answering`
          : `The directory did not answer within ${options.timeoutMs} ms`,
      fields: { reason: (error as Error).message },
    };
  }
  const reason =
    tlsFailure(error)?.reason ?? (error instanceof Error ? error.message : String(error));
  return {
    event: 'directory_unavailable',
    level: 'error',
    message: `The directory did not answer: ${reason}`,
    fields: { reason },
  };
}

/** Nobody gave a connection back within `queueTimeoutMs`. */
export class PoolTimeoutError extends Error {
  override readonly name = 'PoolTimeoutError';
}

/** Operations after `close()`. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}

/** The connection died before the operation got an answer (or before it was even sent). */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

/**
 * A server that closes a new connection before answering anything usually refuses the client
 * itself: with TLS 1.3 a server that wants a client certificate says so only by closing.
 */
export function closedAtOnce(connection: Connection, error: unknown): unknown {
  if (isTimeout(error) || !(error instanceof Error)) return error;
  const hint = connection.tls
    ? '; if it requires a client certificate, set LDAP_TLS_CERT_FILE and LDAP_TLS_KEY_FILE'
    : '';
  return new ConnectionLostError(
    `${connection.server.url} closed the connection before answering anything (${error.message})${hint}`,
    { cause: error },
  );
}

/** The server answered (an LDAP result code): the connection itself is fine. */
export function isAnswer(error: unknown): boolean {
  return (
    error instanceof ResultCodeError ||
    (error instanceof Error && error.cause instanceof ResultCodeError)
  );
}

/** ldapts's operation timeout ("SearchRequest: Operation timed out") or our connect timeout. */
export function isTimeout(error: unknown): boolean {
  return (
    error instanceof ConnectTimeoutError ||
    error instanceof PoolTimeoutError ||
    (error instanceof Error && /Operation timed out$/.test(error.message))
  );
}

/** The result code `referral` (RFC 4511, 4.1.10). */
const REFERRAL = 10;

/**
 * Bind results that describe the server's state rather than the person's credentials: busy,
 * unavailable, out of resources. Any other refusal of a user's bind (invalid credentials, a
 * locked account's unwillingToPerform, ...) is a failed login.
 */
const UNAVAILABLE_BIND_RESULTS = [
  OperationsError,
  TimeLimitExceededError,
  BusyError,
  UnavailableError,
];

/** The result code `other` (80): ldapts has no class for it (an UnknownStatusCodeError). */
const OTHER = 80;

/** A bind the directory answered with a refusal of the credentials (see above), not an outage. */
export function isRefusal(error: unknown): error is ResultCodeError {
  if (!(error instanceof ResultCodeError) || error.code === OTHER) return false;
  return !UNAVAILABLE_BIND_RESULTS.some((result) => error instanceof result);
}
