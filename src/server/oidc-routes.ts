// The OpenID Provider's routes inside the standalone service: the sign-in form (ours) and the
// rest (oidc-provider's), which sees the scheme and host as TRUSTED_PROXIES allow, not as any
// client claims them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../core/types.js';
import { errorAnswer, type HttpAnswer, methodNotAllowedAnswer, problem } from '../http/answers.js';
import type { OidcProvider } from '../oidc/provider.js';
import { browserRequest, MAX_FORM_BYTES, readBody } from './browser-routes.js';
import { originOf } from './origin.js';

/**
 * Answers a request for the provider's paths, or returns `false` when the path is not one of
 * them. `send` writes our own answers (the interaction's), counted like the service's others.
 */
export function oidcRoute(
  auth: Auth,
  oidc: OidcProvider,
  req: IncomingMessage,
  res: ServerResponse,
  send: (answer: HttpAnswer) => void,
): boolean {
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  if (oidc.interactions.matches(path)) {
    void interaction(auth, oidc, req, res, queryStart < 0 ? '' : url.slice(queryStart + 1))
      .catch(() => errorAnswer(undefined, ''))
      .then(send);
    return true;
  }
  if (!oidc.owns(path)) return false;
  const { protocol, host } = originOf(auth, req);
  req.headers['x-forwarded-proto'] = protocol;
  if (host) req.headers['x-forwarded-host'] = host;
  else delete req.headers['x-forwarded-host'];
  delete req.headers['x-forwarded-for'];
  oidc.handle(req, res);
  return true;
}

async function interaction(
  auth: Auth,
  oidc: OidcProvider,
  req: IncomingMessage,
  res: ServerResponse,
  query: string,
): Promise<HttpAnswer> {
  const request = browserRequest(auth, req, query);
  if (req.method === 'GET' || req.method === 'HEAD') {
    return oidc.interactions.answer(req, res, request);
  }
  if (req.method !== 'POST') return methodNotAllowedAnswer('GET, POST');
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return problem(
      415,
      'unsupported_media_type',
      'Send the form as application/x-www-form-urlencoded',
    );
  }
  const form = await readBody(req, MAX_FORM_BYTES);
  if (form === undefined) return problem(413, 'payload_too_large', 'The form is too large');
  return oidc.interactions.answer(req, res, { ...request, form });
}
