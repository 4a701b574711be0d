import { knownUser } from '../core/auth-internals.js';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { MissingCredentialsError } from '../errors.js';
import { errorAnswer, type HttpAnswer } from './answers.js';
import { presentedTokenOf } from './authorization.js';
import { authorizeAll, type Requirements } from './requirements.js';
import { reportUnexpected } from './unexpected-errors.js';

/** Either the user a protected request is made by, or why it is refused. */
export type Authentication =
  | { user: AuthenticatedUser; error?: undefined }
  | { user?: undefined; error: unknown };

/**
 * A protected request as the guard sees it: its credentials, and how the framework goes on with
 * the route or answers instead. `T` is whatever the framework wants back from its middleware.
 */
export interface GuardedRequest<T> {
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** The token endpoint's URL for the 401's `Location`: asked for only when refusing. */
  tokenUrl(): string;
  /** Goes on with the route for this user, who has a valid token and meets the requirements. */
  admit(user: AuthenticatedUser): T;
  /**
   * Answers the request instead. `error` is why the token was refused, when it was (absent when
   * a valid token falls short of the requirements).
   */
  refuse(answer: HttpAnswer, error?: unknown): T;
}

/**
 * The check in front of a protected route: a token in `Basic <token>:` or `Bearer <token>`, then
 * `requirements`. Ends in exactly one call of `admit` or `refuse`, whose result it returns:
 * synchronously when the token has been verified before and no predicate answers with a promise
 * (a client reusing its token, the common case, costs no promise and no microtask), else as a
 * promise. What `admit` or `refuse` throws comes out of it (thrown, or as the promise's
 * rejection): NestJS refuses by throwing.
 */
export function guard<T>(
  auth: Auth,
  request: GuardedRequest<T>,
  requirements?: Requirements | readonly Requirements[],
): T | Promise<T> {
  const authentication = authenticateNow(auth, request.authorization);
  if (authentication instanceof Promise) {
    return authentication.then((known) => decide(auth, request, requirements, known));
  }
  return decide(auth, request, requirements, authentication);
}

function decide<T>(
  auth: Auth,
  request: GuardedRequest<T>,
  requirements: Requirements | readonly Requirements[] | undefined,
  authentication: Authentication,
): T | Promise<T> {
  const { user, error } = authentication;
  if (!user) return request.refuse(errorAnswer(error, request.tokenUrl()), error);
  // No requirements (the common case): nothing to ask, no closure per request.
  if (!requirements) return request.admit(user);
  const refusal = authorizeAll(auth, user, requirements);
  if (refusal instanceof Promise) return refusal.then((known) => settle(request, user, known));
  return settle(request, user, refusal);
}

function settle<T>(
  request: GuardedRequest<T>,
  user: AuthenticatedUser,
  refusal: HttpAnswer | undefined,
): T {
  return refusal ? request.refuse(refusal) : request.admit(user);
}

/**
 * Who a protected request is made by, from its `Authorization` header. A refusal is answered
 * with {@link errorAnswer}. Never rejects.
 */
export async function authenticateRequest(
  auth: Auth,
  authorization: string | undefined,
): Promise<Authentication> {
  return authenticateNow(auth, authorization);
}

/**
 * The user of a request whose token this Auth has verified before, still valid and not revoked:
 * what a route without requirements admits as it is, before any object or closure of the guard
 * is made for the request. `undefined` for everything else (no token, an unknown, expired or
 * revoked one), which {@link guard} then answers. Never throws.
 */
export function knownUserOf(
  auth: Auth,
  authorization: string | undefined,
): AuthenticatedUser | undefined {
  if (authorization === undefined) return undefined;
  try {
    // A Bearer token verified before needs no parsing: it was well-formed when it was verified.
    const token = authorization.startsWith('Bearer ')
      ? authorization.slice(7)
      : presentedTokenOf(authorization);
    return token === undefined ? undefined : knownUser(auth, token);
  } catch {
    return undefined; // expired or revoked: the guard finds out again and says why
  }
}

/** {@link authenticateRequest}, synchronous when the token has been verified before. */
function authenticateNow(
  auth: Auth,
  authorization: string | undefined,
): Authentication | Promise<Authentication> {
  try {
    // A Bearer token verified before needs no parsing: it was well-formed when it was verified.
    if (authorization?.startsWith('Bearer ')) {
      const user = knownUser(auth, authorization.slice(7));
      if (user) return { user };
    }
    const token = presentedTokenOf(authorization);
    if (!token) return { error: new MissingCredentialsError('No token was presented') };
    const user = knownUser(auth, token);
    if (user) return { user };
    return verify(auth, token);
  } catch (error) {
    return { error };
  }
}

function verify(auth: Auth, token: string): Promise<Authentication> {
  return auth.verify(token).then(
    (user) => ({ user }),
    (error: unknown) => {
      reportUnexpected(auth, error);
      return { error };
    },
  );
}
