import { knownUser } from '../core/auth-internals.js';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { LdapTokenAuthError, MissingCredentialsError } from '../errors.js';
import { errorAnswer, type HttpAnswer, tokenAnswer, unauthorizedAnswer } from './answers.js';
import { parseAuthorization, presentedToken } from './authorization.js';
import { ClientAddress } from './client-address.js';
import { type OriginHeaders, type RequestOrigin, requestOrigin } from './forwarded.js';
import { parseTokenRequestParams } from './params.js';

/** What the token endpoint needs to know of a request, whatever the framework. */
export interface TokenRequest {
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** The raw query string, with or without `?`. */
  query: string;
  /** The token endpoint's own URL, for the `Location` of a 401. */
  tokenUrl: string;
  /** The socket's peer address (`req.socket.remoteAddress`), for the per-address login limit. */
  remoteAddress?: string | undefined;
  /** The `X-Forwarded-For` header, believed only as far as `trustedProxies` allow. */
  forwardedFor?: string | undefined;
}

/** Per Auth, how client addresses are read: its trusted proxies, compiled once. */
const clientAddresses = new WeakMap<Auth, ClientAddress>();

function clientAddressReader(auth: Auth): ClientAddress {
  let reader = clientAddresses.get(auth);
  if (!reader) {
    reader = new ClientAddress(auth.options.trustedProxies);
    clientAddresses.set(auth, reader);
  }
  return reader;
}

/** The client's address behind the configured trusted proxies (none by default). */
export function clientAddressOf(auth: Auth, request: TokenRequest): string | undefined {
  return clientAddressReader(auth).of(request.remoteAddress, request.forwardedFor);
}

/**
 * The scheme and host the client used: the forwarded headers count only when the socket's peer
 * is on `trustedProxies` (see {@link requestOrigin}).
 */
export function requestOriginOf(
  auth: Auth,
  remoteAddress: string | undefined,
  headers: OriginHeaders,
): RequestOrigin {
  return requestOrigin(headers, clientAddressReader(auth).trusts(remoteAddress));
}

/**
 * `POST {mount}/request-token`: Basic credentials in, a token (or the error's answer) out.
 * Never throws.
 */
export async function handleTokenRequest(auth: Auth, request: TokenRequest): Promise<HttpAnswer> {
  try {
    const params = parseTokenRequestParams(request.query);
    const credentials = parseAuthorization(request.authorization);
    if (credentials?.scheme !== 'basic') return unauthorizedAnswer(request.tokenUrl);
    const issued = await auth.requestToken(credentials, params, {
      address: clientAddressOf(auth, request),
    });
    return tokenAnswer(issued);
  } catch (error) {
    reportUnexpected(auth, error);
    return errorAnswer(error, request.tokenUrl, auth.options.passwordPolicy.revealReason);
  }
}

/** Either the user a protected request is made by, or why it is refused. */
export type Authentication =
  | { user: AuthenticatedUser; error?: undefined }
  | { user?: undefined; error: unknown };

/**
 * The check in front of a protected route: a token in `Basic <token>:` or `Bearer <token>`.
 * A refusal is answered with {@link errorAnswer}; the token URL is only worked out then, so the
 * admitted path stays cheap. Never rejects.
 */
export async function authenticateRequest(
  auth: Auth,
  authorization: string | undefined,
): Promise<Authentication> {
  return authenticateNow(auth, authorization);
}

/**
 * {@link authenticateRequest} for adapters: the answer comes back synchronously when the token
 * has been verified before (the common case, a client reusing its token), and as a promise
 * only when the signature must be checked. Saves a promise and a microtask per request.
 */
export function authenticateNow(
  auth: Auth,
  authorization: string | undefined,
): Authentication | Promise<Authentication> {
  try {
    // A Bearer token verified before needs no parsing: it was well-formed when it was verified.
    if (authorization?.startsWith('Bearer ')) {
      const user = knownUser(auth, authorization.slice(7));
      if (user) return { user };
    }
    const token = presentedToken(parseAuthorization(authorization));
    if (!token) return { error: new MissingCredentialsError('No token was presented') };
    const user = knownUser(auth, token);
    if (user) return { user };
    return verifyNow(auth, token);
  } catch (error) {
    return { error };
  }
}

function verifyNow(auth: Auth, token: string): Promise<Authentication> {
  return auth.verify(token).then(
    (user) => ({ user }),
    (error: unknown) => {
      reportUnexpected(auth, error);
      return { error };
    },
  );
}

/** Calls `then` with the authentication, at once if it is already known. */
export function whenAuthenticated(
  result: Authentication | Promise<Authentication>,
  then: (authentication: Authentication) => void,
): void {
  if (result instanceof Promise) void result.then(then);
  else then(result);
}

/** Logs what is not one of our errors (a fault of ours, answered 503); our errors are answers. */
export function reportUnexpected(auth: Auth, error: unknown): void {
  if (error instanceof LdapTokenAuthError) return;
  auth.logger.error(
    { event: 'unexpected_error', error: error instanceof Error ? error.name : typeof error },
    error instanceof Error ? error.message : 'A non-error value was thrown',
  );
}
