import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  preHandlerHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import {
  adapterSetup,
  DEFAULT_MOUNT,
  type GuardingAdapter,
  tokenPathUnder,
  tokenRequestOfNode,
} from '../http/adapter-kit.js';
import { type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { guard, knownUserOf } from '../http/guard.js';
import { tokenEndpointUrl } from '../http/location.js';
import type { Requirements } from '../http/requirements.js';
import type { AuthOptions } from '../options/resolve.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `loginRequired()`: who presented the token; `null` on routes it does not guard. */
    user: AuthenticatedUser | null;
  }
}

export interface FastifyAuthPluginOptions {
  /** Where the token routes go, below the prefix the plugin itself is registered at. Default `/auth`. */
  prefix?: string;
}

export interface FastifyAuth extends GuardingAdapter<preHandlerHookHandler> {
  /**
   * The plugin: registers `POST {prefix}/request-token` and declares `request.user`. Register it
   * once, before the routes that use `loginRequired()`; the 401's `Location` follows the prefix.
   */
  plugin: FastifyPluginCallback<FastifyAuthPluginOptions>;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * flask-ldap-auth for Fastify 5.
 *
 * @example
 * const auth = ldapTokenAuth(fromEnv()); // or the options themselves: { secretKey, ldap }
 * await app.register(auth.plugin, { prefix: '/auth' });
 * app.get('/', { preHandler: auth.loginRequired() }, async (request) => `hello, ${request.user!.username}`);
 */
export function ldapTokenAuth(options: AuthOptions | Auth): FastifyAuth {
  const { auth, close } = adapterSetup(options);
  // Known once the plugin is registered, which Fastify does before serving any request.
  let tokenPath = tokenPathUnder(DEFAULT_MOUNT);
  // request.protocol and request.host follow Fastify's `trustProxy` (X-Forwarded-Proto/-Host).
  const tokenUrl = (request: FastifyRequest) =>
    tokenEndpointUrl(tokenPath, { protocol: request.protocol, host: request.host });

  const routes = (instance: FastifyInstance, _options: unknown, done: (error?: Error) => void) => {
    tokenPath = tokenPathUnder(instance.prefix);
    for (const endpoint of TOKEN_ENDPOINTS) {
      const url = `/${endpoint.route}`;
      // A GET route answers HEAD too (Fastify's exposeHeadRoutes).
      instance.route({
        method: endpoint.method,
        url,
        handler: (request, reply) =>
          endpoint
            .handle(
              auth,
              tokenRequestOfNode(request.raw, () => tokenUrl(request)),
            )
            .then((answer) => send(reply, answer)),
      });
      instance.route({
        method: METHODS.filter((method) => method !== endpoint.method),
        url,
        handler: (_request, reply) => send(reply, methodNotAllowedAnswer(endpoint.method)),
      });
    }
    done();
  };

  // fastify-plugin lifts the decoration to the parent (request.user is visible everywhere);
  // the token routes stay in their own encapsulated child, under the prefix.
  const plugin = fp<FastifyAuthPluginOptions>(
    (instance, pluginOptions, done) => {
      instance.decorateRequest('user', null);
      instance.register(routes, { prefix: pluginOptions.prefix ?? DEFAULT_MOUNT });
      done();
    },
    { fastify: '5.x', name: 'ldap-token-auth' },
  );

  const loginRequired =
    (requirements?: Requirements): preHandlerHookHandler =>
    (request, reply, done) => {
      const authorization = authorizationFromRaw(request.raw.rawHeaders);
      // A token verified before, on a route without requirements: admitted with nothing made.
      const known = requirements ? undefined : knownUserOf(auth, authorization);
      if (known) {
        request.user = known;
        done();
        return;
      }
      void guard(
        auth,
        {
          authorization,
          tokenUrl: () => tokenUrl(request),
          refuse: (answer) => void send(reply, answer),
          admit: (user) => {
            request.user = user;
            done();
          },
        },
        requirements,
      );
    };

  return { plugin, loginRequired, auth, close };
}

/** Sends the answer as it is, body already serialised. */
function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
