import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Auth } from '../core/types.js';
import { DEFAULT_MOUNT, tokenPathUnder, tokenRequestOfNode } from '../http/adapter-kit.js';
import {
  errorAnswer,
  type HttpAnswer,
  methodNotAllowedAnswer,
  notFoundAnswer,
} from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { jwksAnswer, TOKEN_ENDPOINTS, type TokenEndpoint } from '../http/endpoints.js';
import { forwardAuthAnswer, parseRequirements } from '../http/forward-auth.js';
import { guard } from '../http/guard.js';
import { joinPath, tokenEndpointUrl } from '../http/location.js';
import { originOf } from '../http/node-origin.js';
import { oidcRoute } from '../oidc/node-routes.js';
import type { OidcProvider } from '../oidc/provider.js';
import { BrowserRoutes } from './browser-routes.js';
import { aliveAnswer, metricsAnswer, readiness } from './health.js';
import { type RouteCounter, ServiceMetrics } from './metrics.js';
import { OPENAPI_HEADERS, openApiDocument } from './openapi.js';

export interface ServiceOptions {
  /** Where the token endpoints live. Default `/auth`, as in flask-ldap-auth's example. */
  mount?: string;
  /**
   * Where requests are counted, served at `/metrics`. Default: metrics of its own, which count
   * requests and pool connections (no process metrics); pass the same object whose `events` went to `createAuth` to
   * have token outcomes and LDAP latencies too.
   */
  metrics?: ServiceMetrics;
  /** The OpenID Provider, mounted at its issuer's path (see `createOidcProvider`). */
  oidc?: OidcProvider;
}

const HELLO = 'hello, world';
const HELLO_HEADERS = { 'Content-Type': 'text/html; charset=utf-8' };
/** Where verifying services look for the key set (RFC 8615, as OpenID Connect's `jwks_uri`). */
const WELL_KNOWN_JWKS = '/.well-known/jwks.json';

/**
 * The standalone service as a plain `node:http` request listener:
 * - the token endpoints: `POST {mount}/request-token`, `GET {mount}/jwks.json` (also at
 *   `/.well-known/jwks.json`, where verifying services look for it);
 * - `{mount}/verify`, forward auth for reverse proxies (any method; `?groups=a,b`);
 * - with `browser.enabled`, `{mount}/login` (the sign-in page and its form post) and
 *   `POST {mount}/logout`, and `{mount}/verify` also reads the session cookie;
 * - `/`, the seed's hello behind a token, and `/public`, the same handler unprotected;
 * - `/healthz` (alive), `/readyz` (the directory answers), `/metrics` (Prometheus);
 * - `GET {mount}/openapi.json`, the OpenAPI 3.1 description of all of these.
 * No framework sits between the socket and the protocol layer, which keeps it fast.
 */
export function createService(auth: Auth, options: ServiceOptions = {}): RequestListener {
  const mount = options.mount ?? DEFAULT_MOUNT;
  const tokenPath = tokenPathUnder(mount);
  const verifyPath = joinPath(mount, 'verify');
  const openApiPath = joinPath(mount, 'openapi.json');
  const browserSettings = auth.options.browser.enabled ? auth.options.browser : undefined;
  const openApi = JSON.stringify(
    openApiDocument({ mount, browser: browserSettings, oidcIssuer: options.oidc?.issuer }),
  );
  const metrics = options.metrics ?? new ServiceMetrics({ processMetrics: false });
  metrics.observe(auth);
  const endpoints = new Map<string, { endpoint: TokenEndpoint; counter: RouteCounter }>(
    TOKEN_ENDPOINTS.map((endpoint) => {
      const path = joinPath(mount, endpoint.route);
      return [path, { endpoint, counter: metrics.route(path) }];
    }),
  );
  const counted = {
    wellKnownJwks: metrics.route(WELL_KNOWN_JWKS),
    verify: metrics.route(verifyPath),
    hello: metrics.route('/'),
    public: metrics.route('/public'),
    healthz: metrics.route('/healthz'),
    readyz: metrics.route('/readyz'),
    metrics: metrics.route('/metrics'),
    openApi: metrics.route(openApiPath),
    other: metrics.route('other'),
    oidc: metrics.route('oidc'),
  };
  const oidc = options.oidc;
  const tokenUrl = (req: IncomingMessage) => tokenEndpointUrl(tokenPath, originOf(auth, req));
  const browser = auth.options.browser.enabled
    ? new BrowserRoutes(auth, mount, tokenUrl)
    : undefined;
  const browserRoutes = new Map(
    (browser?.paths ?? []).map((browserPath) => [browserPath, metrics.route(browserPath)]),
  );
  // Answers to GET and HEAD that read nothing of the request.
  const reads = new Map<string, [() => HttpAnswer | Promise<HttpAnswer>, RouteCounter]>([
    [WELL_KNOWN_JWKS, [() => jwksAnswer(auth), counted.wellKnownJwks]],
    [
      openApiPath,
      [() => ({ status: 200, headers: OPENAPI_HEADERS, body: openApi }), counted.openApi],
    ],
    ['/healthz', [aliveAnswer, counted.healthz]],
    ['/readyz', [readiness(auth), counted.readyz]],
    ['/metrics', [() => metricsAnswer(metrics), counted.metrics]],
  ]);
  if (browser && !auth.options.browser.cookieSecure) {
    auth.logger.warn(
      { event: 'insecure_cookies' },
      'COOKIE_SECURE is off: sign-in cookies travel over plain http, where anyone on the network path can read them; for development only',
    );
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart < 0 ? url : url.slice(0, queryStart);
    const query = queryStart < 0 ? '' : url.slice(queryStart + 1);

    // The hot path first: one comparison, no allocation before the token is looked up.
    if (path === '/' && isRead(req.method)) {
      void guard(auth, {
        authorization: authorizationFromRaw(req.rawHeaders),
        tokenUrl: () => tokenUrl(req),
        admit: () => {
          counted.hello.add(200);
          res.writeHead(200, HELLO_HEADERS).end(HELLO);
        },
        refuse: (answer) => send(res, answer, counted.hello),
      });
      return;
    }
    if (path === '/public' && isRead(req.method)) {
      counted.public.add(200);
      res.writeHead(200, HELLO_HEADERS).end(HELLO);
      return;
    }
    if (path === verifyPath) {
      const authorization = authorizationFromRaw(req.rawHeaders);
      // No Authorization header: the browser's session cookie, re-checked as it is used.
      const session = authorization === undefined ? browser?.sessionToken(req) : undefined;
      if (browser && session) {
        void browser
          .verifySession(req, query, session)
          .then((answer) => send(res, answer, counted.verify));
        return;
      }
      const requirements = parseRequirements(query);
      void guard(
        auth,
        {
          authorization,
          tokenUrl: () => tokenUrl(req),
          admit: (user) => send(res, forwardAuthAnswer(user), counted.verify),
          // A browser whose token or session is refused is sent to sign in instead.
          refuse: (answer, error) => {
            const signIn = error === undefined ? undefined : browser?.refused(req, query, error);
            send(res, signIn ?? answer, counted.verify);
          },
        },
        requirements,
      );
      return;
    }
    const browserRoute = browserRoutes.get(path);
    if (browser && browserRoute) {
      const answer = browser.answer(req, path, query).catch(() => errorAnswer(undefined, ''));
      return answerWith(res, answer, browserRoute);
    }
    const token = endpoints.get(path);
    if (token) {
      const { endpoint, counter } = token;
      const allowed = endpoint.method === 'GET' ? isRead(req.method) : req.method === 'POST';
      if (!allowed) return send(res, methodNotAllowedAnswer(endpoint.method), counter);
      return answerWith(
        res,
        endpoint.handle(
          auth,
          tokenRequestOfNode(req, () => tokenUrl(req)),
        ),
        counter,
      );
    }
    const read = reads.get(path);
    if (read && isRead(req.method)) return answerWith(res, read[0](), read[1]);
    if (oidc && oidcRoute(auth, oidc, req, res, (answer) => send(res, answer, counted.oidc))) {
      return;
    }
    send(res, notFoundAnswer(), counted.other);
  };
}

function isRead(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

function answerWith(
  res: ServerResponse,
  answer: HttpAnswer | Promise<HttpAnswer>,
  counter: RouteCounter,
): void {
  if (answer instanceof Promise) void answer.then((known) => send(res, known, counter));
  else send(res, answer, counter);
}

function send(res: ServerResponse, answer: HttpAnswer, counter: RouteCounter): void {
  counter.add(answer.status);
  res.writeHead(answer.status, answer.headers).end(answer.body);
}
