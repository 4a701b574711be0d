// The OpenID Provider's routes on a node:http request: the sign-in form (ours) and the rest
// (oidc-provider's), which sees the scheme and host as TRUSTED_PROXIES allow, not as any client
// claims them. The standalone service and applications that embed the provider both use it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sessionsOf } from '../core/auth-internals.js';
import type { Auth } from '../core/types.js';
import {
  errorAnswer,
  type HttpAnswer,
  methodNotAllowedAnswer,
  notFoundAnswer,
} from '../http/answers.js';
import { cookieValue } from '../http/browser/cookies.js';
import { browserRequest, readForm } from '../http/browser/node-request.js';
import { sessionCookieName, sessionSetCookie } from '../http/browser/session-cookie.js';
import { originOf } from '../http/node-origin.js';
import type { OidcProvider } from './provider.js';

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
  if (req.method === 'POST' && path === oidc.logoutConfirmPath) {
    void endBrowserSession(auth, req, res).then(() => oidc.handle(req, res));
  } else {
    oidc.handle(req, res);
  }
  return true;
}

/**
 * RP-initiated logout ends our browser sign-in session too, when the browser has one: revoked in
 * the store, and its cookie cleared beside the provider's (which appends its own).
 */
async function endBrowserSession(auth: Auth, req: IncomingMessage, res: ServerResponse) {
  const settings = auth.options.browser;
  const token = cookieValue(req.headers.cookie, sessionCookieName(settings));
  if (!token) return;
  await sessionsOf(auth)
    .end(token)
    .catch((error: unknown) => {
      auth.logger.error(
        { event: 'sign_out_not_recorded', error: (error as Error).name },
        'A sign-out could not be recorded in the store: the session token stays valid until it expires',
      );
    });
  res.setHeader('Set-Cookie', [sessionSetCookie(settings, '', 0)]);
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
  const form = await readForm(req);
  if (typeof form !== 'string') return form;
  return oidc.interactions.answer(req, res, { ...request, form });
}

/**
 * The provider as a request handler for an application's own server: `node:http`, or Express and
 * Connect (`app.use(oidcListener(auth, provider))`). It answers the provider's paths (discovery,
 * everything under `/oidc/`, the sign-in form) and passes any other request to `next`, or answers
 * it 404 without one.
 */
export function oidcListener(
  auth: Auth,
  oidc: OidcProvider,
): (req: IncomingMessage, res: ServerResponse, next?: () => void) => void {
  return (req, res, next) => {
    const send = (answer: HttpAnswer) =>
      res.writeHead(answer.status, answer.headers).end(answer.body);
    if (oidcRoute(auth, oidc, req, res, send)) return;
    if (next) next();
    else send(notFoundAnswer());
  };
}
