import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { adapterSetup, type GuardingAdapter, tokenRequestOf } from '../http/adapter-kit.js';
import { type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { requestOriginOf } from '../http/client-address.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import type { RequestOrigin } from '../http/forwarded.js';
import { guard, knownUserOf } from '../http/guard.js';
import { joinPath } from '../http/location.js';
import type { Requirements } from '../http/requirements.js';
import type { AuthOptions } from '../options/resolve.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `loginRequired()`: who presented the token. */
    user: AuthenticatedUser;
  }
}

export interface HonoAdapterOptions {
  /**
   * Where the token routes live: `routes` carries this prefix, so mount it at the root
   * (`app.route('/', auth.routes)`), and the 401's `Location` points here. Default `/auth`.
   */
  prefix?: string;
}

export interface HonoAuth extends GuardingAdapter<MiddlewareHandler> {
  /** The token routes, `POST {prefix}/request-token`, as a Hono sub-app. */
  routes: Hono;
}

/**
 * flask-ldap-auth for Hono 4, on Web-standard `Request`/`Response` only: it runs wherever Hono
 * does (`@hono/node-server`, Bun, Deno), as long as `ldapts` can reach the directory.
 *
 * @example
 * const auth = ldapTokenAuth(fromEnv()); // or the options themselves: { secretKey, ldap }
 * app.route('/', auth.routes); // POST /auth/request-token
 * app.get('/', auth.loginRequired(), (c) => c.text(`hello, ${c.get('user').username}`));
 */
export function ldapTokenAuth(
  options: AuthOptions | Auth,
  { prefix }: HonoAdapterOptions = {},
): HonoAuth {
  const { auth, close, mount, tokenUrlFor } = adapterSetup(options, prefix);
  const tokenUrl = (c: Context) => tokenUrlFor(originOf(auth, c));

  const routes = new Hono();
  for (const endpoint of TOKEN_ENDPOINTS) {
    // One handler per path, which tells the methods apart itself: a method route beside an
    // all() route would match both, and Hono composes several matched handlers through
    // promises of its own, where a single one is called directly. Hono's dispatch turns HEAD
    // into GET (and drops the body), so a GET endpoint answers HEAD too.
    const method = (c: Context) => (c.req.method === 'HEAD' ? 'GET' : c.req.method);
    routes.all(joinPath(mount, endpoint.route), async (c) => {
      if (method(c) !== endpoint.method) return toResponse(methodNotAllowedAnswer(endpoint.method));
      const answer = await endpoint.handle(
        auth,
        tokenRequestOf({
          authorization: c.req.header('authorization'),
          url: c.req.url,
          tokenUrl: () => tokenUrl(c),
          remoteAddress: remoteAddressOf(c),
          forwardedFor: c.req.header('x-forwarded-for'),
        }),
      );
      return toResponse(answer);
    });
  }

  // A known token is admitted without a promise of our own; Hono awaits whatever comes back.
  const loginRequired =
    (requirements?: Requirements): MiddlewareHandler =>
    (c, next) => {
      const authorization = authorizationOf(c);
      // A token verified before, on a route without requirements: admitted with nothing made.
      const known = requirements ? undefined : knownUserOf(auth, authorization);
      if (known) {
        c.set('user', known);
        return next();
      }
      return guard<Response | Promise<void>>(
        auth,
        {
          authorization,
          tokenUrl: () => tokenUrl(c),
          admit: (user) => {
            c.set('user', user);
            return next();
          },
          refuse: toResponse,
        },
        requirements,
      ) as ReturnType<MiddlewareHandler>;
    };

  return { routes, loginRequired, auth, close };
}

/**
 * Web Requests carry no Host header: the request's own URL says where it was sent. Hono has no
 * proxy setting of its own, so TRUSTED_PROXIES decides whether forwarded headers count.
 */
function originOf(auth: Auth, c: Context): RequestOrigin {
  const url = c.req.url;
  const start = url.indexOf('//') + 2;
  const end = url.indexOf('/', start);
  return requestOriginOf(auth, remoteAddressOf(c), {
    encrypted: url.startsWith('https:'),
    host: url.slice(start, end < 0 ? undefined : end),
    forwarded: c.req.header('forwarded'),
    forwardedProto: c.req.header('x-forwarded-proto'),
    forwardedHost: c.req.header('x-forwarded-host'),
  });
}

/**
 * The request's Authorization header. On `@hono/node-server` the Node request comes along in
 * `c.env.incoming`, and its raw header list is read without building a header object; anywhere
 * else (Bun, Deno, Workers, `app.request()`), the Web Request's own headers.
 */
function authorizationOf(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming;
  if (Array.isArray(incoming?.rawHeaders)) return authorizationFromRaw(incoming.rawHeaders);
  return c.req.header('authorization');
}

/** The peer's address on `@hono/node-server`; other runtimes do not say, and only usernames are limited. */
function remoteAddressOf(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress;
}

function toResponse(answer: HttpAnswer): Response {
  return new Response(answer.body || null, { status: answer.status, headers: answer.headers });
}
