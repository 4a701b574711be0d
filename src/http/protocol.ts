import type { Auth } from '../core/types.js';
import { errorAnswer, type HttpAnswer, tokenAnswer, unauthorizedAnswer } from './answers.js';
import { parseAuthorization } from './authorization.js';
import { clientAddressOf, type RequestPeer } from './client-address.js';
import { parseTokenRequestParams } from './params.js';
import { reportUnexpected } from './unexpected-errors.js';

/** What the token endpoint needs to know of a request, whatever the framework. */
export interface TokenRequest extends RequestPeer {
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** The raw query string, with or without `?`. */
  query: string;
  /** The token endpoint's own URL, for the `Location` of a 401. */
  tokenUrl: string;
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
