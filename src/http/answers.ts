import type { IssuedToken } from '../auth.js';
import {
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidParameterError,
  LdapTokenAuthError,
  RateLimitedError,
  StoreUnavailableError,
} from '../errors.js';

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
 * The one table from errors to HTTP answers. Anything that is not one of our errors is a fault
 * on our side; it is answered 503 (the request may succeed later) rather than with a 500 whose
 * body might leak details.
 */
export function errorAnswer(error: unknown, tokenUrl: string): HttpAnswer {
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
  if (error instanceof ForbiddenError) {
    return problem(403, 'forbidden', error.message);
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
