import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { createAuth } from '../core/create-auth.js';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { errorAnswer, type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { headerValue } from '../http/client-address.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { joinPath, tokenEndpointUrl } from '../http/location.js';
import { type Authentication, authenticateNow } from '../http/protocol.js';
import { authorize, type Requirements } from '../http/requirements.js';
import type { AuthOptions } from '../options/resolve.js';

declare module 'koa' {
  interface DefaultState {
    /** Set by `loginRequired()`: who presented the token. */
    user?: AuthenticatedUser;
  }
}

export interface KoaAdapterOptions {
  /** The router's prefix: where the token routes live, and where the 401's `Location` points. Default `/auth`. */
  prefix?: string;
}

export interface KoaAuth {
  /** A `@koa/router` router with `POST {prefix}/request-token`: `app.use(auth.router.routes())`. */
  router: Router;
  /** Middleware that admits requests with a valid token and sets `ctx.state.user`. */
  loginRequired(requirements?: Requirements): Middleware;
  /** The framework-free core, for `requestToken` and `verify` outside a request. */
  auth: Auth;
  /** Closes the directory connections. */
  close(): Promise<void>;
}

const TOKEN_ROUTE = '/request-token';

/**
 * flask-ldap-auth for Koa 2 and 3, with `@koa/router`.
 *
 * @example
 * const auth = ldapTokenAuth({
 *   secretKey: process.env.SECRET_KEY!,
 *   ldap: { url: 'ldaps://ldap.example.org', topDn: 'ou=people,dc=example,dc=org' },
 * });
 * app.use(auth.router.routes());
 * router.get('/', auth.loginRequired(), (ctx) => {
 *   ctx.body = `hello, ${ctx.state.user!.username}`;
 * });
 */
export function ldapTokenAuth(
  options: AuthOptions | Auth,
  adapterOptions: KoaAdapterOptions = {},
): KoaAuth {
  const auth = 'requestToken' in options ? options : createAuth(options);
  const prefix = adapterOptions.prefix ?? '/auth';
  const tokenPath = joinPath(prefix, TOKEN_ROUTE);
  // ctx.protocol and ctx.host follow Koa's `app.proxy` (X-Forwarded-Proto/-Host).
  const tokenUrl = (ctx: Context) =>
    tokenEndpointUrl(tokenPath, { protocol: ctx.protocol, host: ctx.host });

  const router = new Router({ prefix });
  for (const endpoint of TOKEN_ENDPOINTS) {
    const route = `/${endpoint.route}`;
    // @koa/router's get() answers HEAD too.
    router[endpoint.method === 'GET' ? 'get' : 'post'](route, async (ctx) => {
      const answer = await endpoint.handle(auth, {
        authorization: ctx.headers.authorization,
        query: ctx.querystring,
        tokenUrl: tokenUrl(ctx),
        remoteAddress: ctx.req.socket.remoteAddress,
        forwardedFor: headerValue(ctx.headers['x-forwarded-for']),
      });
      send(ctx, answer);
    });
    router.all(route, (ctx) => send(ctx, methodNotAllowedAnswer(endpoint.method)));
  }

  const loginRequired = (requirements?: Requirements): Middleware => {
    const admit = (ctx: Context, next: Next, result: Authentication) => {
      if (!result.user) return send(ctx, errorAnswer(result.error, tokenUrl(ctx)));
      const user = result.user;
      // No requirements (the common case): nothing to ask, no closure or promise per request.
      if (!requirements) return proceed(ctx, next, user, undefined);
      const refusal = authorize(auth, user, requirements);
      if (refusal instanceof Promise)
        return refusal.then((known) => proceed(ctx, next, user, known));
      return proceed(ctx, next, user, refusal);
    };
    return (ctx, next) => {
      const result = authenticateNow(auth, authorizationFromRaw(ctx.req.rawHeaders));
      if (result instanceof Promise) return result.then((known) => admit(ctx, next, known));
      return admit(ctx, next, result);
    };
  };

  return { router, loginRequired, auth, close: () => auth.close() };
}

/** The route's next middleware for an authorised user, the refusal for any other. */
function proceed(
  ctx: Context,
  next: Next,
  user: AuthenticatedUser,
  refusal: HttpAnswer | undefined,
): Promise<unknown> | undefined {
  if (refusal) {
    send(ctx, refusal);
    return undefined;
  }
  ctx.state.user = user;
  return next();
}

/** Sends the answer as it is: Content-Type is set first, so Koa keeps it for the string body. */
function send(ctx: Context, answer: HttpAnswer): void {
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body;
}
