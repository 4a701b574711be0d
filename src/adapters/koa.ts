import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { adapterSetup, type GuardingAdapter, tokenRequestOfNode } from '../http/adapter-kit.js';
import { type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { guard, knownUserOf } from '../http/guard.js';
import type { Requirements } from '../http/requirements.js';
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

export interface KoaAuth extends GuardingAdapter<Middleware> {
  /** A `@koa/router` router with `POST {prefix}/request-token`: `app.use(auth.router.routes())`. */
  router: Router;
}

/**
 * flask-ldap-auth for Koa 2 and 3, with `@koa/router`.
 *
 * @example
 * const auth = ldapTokenAuth(fromEnv()); // or the options themselves: { secretKey, ldap }
 * app.use(auth.router.routes());
 * router.get('/', auth.loginRequired(), (ctx) => {
 *   ctx.body = `hello, ${ctx.state.user!.username}`;
 * });
 */
export function ldapTokenAuth(
  options: AuthOptions | Auth,
  adapterOptions: KoaAdapterOptions = {},
): KoaAuth {
  // ctx.protocol and ctx.host, which tokenUrlFor reads, follow Koa's `app.proxy` (X-Forwarded-*).
  const { auth, close, mount, tokenUrlFor } = adapterSetup(options, adapterOptions.prefix);

  const router = new Router({ prefix: mount });
  for (const endpoint of TOKEN_ENDPOINTS) {
    const route = `/${endpoint.route}`;
    // @koa/router's get() answers HEAD too.
    router[endpoint.method === 'GET' ? 'get' : 'post'](route, async (ctx) => {
      send(
        ctx,
        await endpoint.handle(
          auth,
          tokenRequestOfNode(ctx.req, () => tokenUrlFor(ctx)),
        ),
      );
    });
    router.all(route, (ctx) => send(ctx, methodNotAllowedAnswer(endpoint.method)));
  }

  const loginRequired =
    (requirements?: Requirements): Middleware =>
    (ctx, next) => {
      const authorization = authorizationFromRaw(ctx.req.rawHeaders);
      // A token verified before, on a route without requirements: admitted with nothing made.
      const known = requirements ? undefined : knownUserOf(auth, authorization);
      if (known) {
        ctx.state.user = known;
        return next();
      }
      return guard<unknown>(
        auth,
        {
          authorization,
          tokenUrl: () => tokenUrlFor(ctx),
          admit: (user) => {
            ctx.state.user = user;
            return next();
          },
          refuse: (answer) => send(ctx, answer),
        },
        requirements,
      );
    };

  return { router, loginRequired, auth, close };
}

/** Sends the answer as it is: Content-Type is set first, so Koa keeps it for the string body. */
function send(ctx: Context, answer: HttpAnswer): void {
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body;
}
