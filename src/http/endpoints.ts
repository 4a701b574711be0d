import type { Auth } from '../core/types.js';
import {
  errorAnswer,
  type HttpAnswer,
  notFoundAnswer,
  tokenAnswer,
  unauthorizedAnswer,
} from './answers.js';
import { parseAuthorization, presentedToken } from './authorization.js';
import { parseTokenRequestParams } from './params.js';
import { handleTokenRequest, type TokenRequest } from './protocol.js';
import { reportUnexpected } from './unexpected-errors.js';

/** One route of the token endpoints, below wherever an adapter mounts them. */
export interface TokenEndpoint {
  /** The route below the mount, without a leading slash: `request-token`. */
  route: string;
  /** The one method it answers (`GET` also answers `HEAD`); any other is a 405. */
  method: 'GET' | 'POST';
  /** The answer. Never rejects. */
  handle(auth: Auth, request: TokenRequest): Promise<HttpAnswer>;
}

/** Verifiers may keep the key set this long; a token with an unknown `kid` makes them ask again. */
const JWKS_MAX_AGE_SECONDS = 300;

/** The public keys as served at `{mount}/jwks.json` and `/.well-known/jwks.json`. */
export function jwksAnswer(auth: Auth): HttpAnswer {
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/jwk-set+json',
      'Cache-Control': `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    },
    body: JSON.stringify(auth.jwks()),
  };
}

/**
 * `POST {mount}/revoke` with the token in `Authorization` (`Bearer <token>` or `Basic <token>:`):
 * the token is denied until it expires, on every instance sharing the store. 404 when revocation
 * is not enabled; the token's own refusal (401) when it is not valid.
 */
export async function handleRevokeRequest(auth: Auth, request: TokenRequest): Promise<HttpAnswer> {
  if (!auth.options.revocation.enabled) return notFoundAnswer();
  try {
    const token = presentedToken(parseAuthorization(request.authorization));
    if (!token) return unauthorizedAnswer(request.tokenUrl);
    await auth.revoke(token);
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: '{"revoked":true}',
    };
  } catch (error) {
    reportUnexpected(auth, error);
    return errorAnswer(error, request.tokenUrl);
  }
}

/**
 * `POST {mount}/refresh` with a valid token in `Authorization`: a new token, if the directory
 * still has the user (`token_duration` as for `request-token`).
 */
export async function handleRefreshRequest(auth: Auth, request: TokenRequest): Promise<HttpAnswer> {
  try {
    const params = parseTokenRequestParams(request.query);
    const token = presentedToken(parseAuthorization(request.authorization));
    if (!token) return unauthorizedAnswer(request.tokenUrl);
    return tokenAnswer(await auth.refresh(token, { tokenDuration: params.tokenDuration }));
  } catch (error) {
    reportUnexpected(auth, error);
    // A disabled or locked account: shown as at request-token (never proved by a password here).
    return errorAnswer(error, request.tokenUrl, auth.options.passwordPolicy.revealReason);
  }
}

/** The token endpoint's route below the mount: a 401's `Location` points there. */
export const REQUEST_TOKEN_ROUTE = 'request-token';

/**
 * The token endpoints every adapter and the standalone service mount, in one table, so that a
 * new endpoint is added here once rather than in each framework's routing.
 */
export const TOKEN_ENDPOINTS: readonly TokenEndpoint[] = [
  { route: REQUEST_TOKEN_ROUTE, method: 'POST', handle: handleTokenRequest },
  { route: 'jwks.json', method: 'GET', handle: (auth) => Promise.resolve(jwksAnswer(auth)) },
  { route: 'refresh', method: 'POST', handle: handleRefreshRequest },
  { route: 'revoke', method: 'POST', handle: handleRevokeRequest },
];
