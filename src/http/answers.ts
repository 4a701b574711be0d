import type { IssuedToken } from '../core/types.js';
import {
  type AccountStateReason,
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidParameterError,
  LdapTokenAuthError,
  RateLimitedError,
  SessionExpiredError,
  StoreUnavailableError,
} from '../errors.js';
import type { RevealReason } from '../options/resolve.js';

/** A complete HTTP answer, ready for any framework to send as it is. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** The serialised body. */
  body: string;
}

const JSON_CONTENT = 'application/json';

/** The realm flask-ldap-auth announces; clients such as httpie show it. */
const CHALLENGE = 'Basic realm="Authentication Required"';

function jsonAnswer(
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    status,
    headers: { 'Content-Type': JSON_CONTENT, ...headers },
    body: JSON.stringify(body),
  };
}

/** An error answer in the seed's shape `{error, message, status}`. */
export function problem(
  status: number,
  error: string,
  message: string,
  headers?: Record<string, string>,
): HttpAnswer {
  return jsonAnswer(status, { error, message, status }, headers);
}

/**
 * flask-ldap-auth's answer to any failed authentication, byte for byte in its body, pointing at
 * the token endpoint with `Location`.
 */
export function unauthorizedAnswer(tokenUrl: string): HttpAnswer {
  return problem(401, 'unauthorized', 'Please authenticate with a valid token', {
    'WWW-Authenticate': CHALLENGE,
    Location: tokenUrl,
  });
}

/**
 * The message of a 401 that says why the directory refused the account (the sign-in page shows
 * the same ones).
 */
export const ACCOUNT_STATE_MESSAGES: Readonly<Record<AccountStateReason, string>> = {
  account_locked: 'The account is locked; try again later or ask an administrator',
  account_disabled: 'The account is disabled; ask an administrator',
  account_expired: 'The account has expired; ask an administrator',
  password_expired: 'The password has expired; change it, then log in again',
  password_must_change:
    'The password must be changed before the first login; change it, then log in again',
  logon_hours: 'The account may not log in at this time of day',
  workstation_not_allowed: 'The account may not log in from this computer',
};

/** The 401 message of a refresh past `token.maxSessionSeconds`. */
export const SESSION_EXPIRED_MESSAGE =
  'The session has reached its maximum age (TOKEN_MAX_SESSION_SECONDS); sign in again with your password to get a new token';

/**
 * The reason a refused login's answer may show, under `passwordPolicy.revealReason`: `verified`
 * shows it only when the directory proved the password right, so an answer never tells someone
 * without the password more than "no".
 */
export function shownReason(error: unknown, reveal: RevealReason): AccountStateReason | undefined {
  if (!(error instanceof InvalidCredentialsError) || !error.reason) return undefined;
  if (reveal === 'always' || (reveal === 'verified' && error.passwordVerified)) return error.reason;
  return undefined;
}

/**
 * The one table from errors to HTTP answers. Anything that is not one of our errors is a fault
 * on our side; it is answered 503 (the request may succeed later) rather than with a 500 whose
 * body might leak details.
 *
 * `reveal` is `passwordPolicy.revealReason`: the token endpoint passes the configured one. Its
 * default here, `never`, keeps an answer made without the configuration to the seed's plain 401.
 */
export function errorAnswer(
  error: unknown,
  tokenUrl: string,
  reveal: RevealReason = 'never',
): HttpAnswer {
  if (error instanceof InvalidParameterError) {
    return problem(400, 'bad_request', error.message);
  }
  if (error instanceof DirectoryUnavailableError || error instanceof StoreUnavailableError) {
    const what = error instanceof DirectoryUnavailableError ? 'The directory' : 'The shared store';
    return problem(503, 'service_unavailable', `${what} is unavailable; try again later`, {
      'Retry-After': String(error.retryAfterSeconds),
    });
  }
  if (error instanceof RateLimitedError) {
    return problem(429, 'too_many_requests', 'Too many failed attempts; try again later', {
      'Retry-After': String(error.retryAfterSeconds),
    });
  }
  const reason = shownReason(error, reveal);
  if (reason) {
    return jsonAnswer(
      401,
      { error: 'unauthorized', message: ACCOUNT_STATE_MESSAGES[reason], status: 401, reason },
      { 'WWW-Authenticate': CHALLENGE, Location: tokenUrl },
    );
  }
  if (error instanceof ForbiddenError) {
    return problem(403, 'forbidden', error.message);
  }
  if (error instanceof SessionExpiredError) {
    // The seed's 401, with a message that says what to do: no refresh will help.
    return jsonAnswer(
      401,
      { error: 'unauthorized', message: SESSION_EXPIRED_MESSAGE, status: 401 },
      { 'WWW-Authenticate': CHALLENGE, Location: tokenUrl },
    );
  }
  if (error instanceof LdapTokenAuthError) {
    return unauthorizedAnswer(tokenUrl);
  }
  return problem(503, 'service_unavailable', 'The service could not complete the request', {
    'Retry-After': '5',
  });
}

/**
 * The token endpoint's success: flask-ldap-auth's `token` (with its trailing colon, so it can be
 * pasted as a Basic username), plus the OAuth 2.0 fields (RFC 6749, 5.1) for Bearer clients.
 */
export function tokenAnswer(issued: IssuedToken): HttpAnswer {
  return jsonAnswer(
    200,
    {
      token: `${issued.token}:`,
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
    },
    // RFC 6749, 5.1: responses carrying tokens must not be cached.
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}

export function methodNotAllowedAnswer(allowed: string): HttpAnswer {
  return problem(405, 'method_not_allowed', `Use ${allowed} for this endpoint`, { Allow: allowed });
}

export function notFoundAnswer(): HttpAnswer {
  return problem(404, 'not_found', 'There is nothing here');
}
