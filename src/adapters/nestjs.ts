import {
  applyDecorators,
  type CanActivate,
  HttpException,
  type Type,
  UseGuards,
} from '@nestjs/common';
import type { Auth } from '../core/types.js';
import { type AdapterCore, adapterSetup } from '../http/adapter-kit.js';
import type { HttpAnswer } from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { guard, knownUserOf } from '../http/guard.js';
import type { Requirements } from '../http/requirements.js';
import type { AuthOptions } from '../options/resolve.js';
import { requireAlso, requirementsOf } from './nestjs-decorators.js';
import {
  header,
  type NestRequest,
  type NestResponse,
  tokenController,
} from './nestjs-token-controller.js';

export {
  AuthUser,
  Require,
  RequireAllGroups,
  RequireGroups,
} from './nestjs-decorators.js';

export interface NestAdapterOptions {
  /** The token controller's path, and where the 401's `Location` points. Default `/auth`. */
  prefix?: string;
}

export interface NestAuth extends AdapterCore {
  /** The guard: admits requests with a valid token meeting the route's requirements, sets `request.user`. */
  guard: CanActivate;
  /** `@LoginRequired()` on a route or controller: the guard, with optional requirements. */
  LoginRequired(requirements?: Requirements): ReturnType<typeof applyDecorators>;
  /** A controller with `POST {prefix}/request-token`: list it in a module's `controllers`. */
  TokenController: Type<unknown>;
}

/**
 * flask-ldap-auth for NestJS 11 (Express or Fastify platform). Nothing needs dependency
 * injection, so it works whether or not the build emits decorator metadata.
 *
 * @example
 * const auth = ldapTokenAuth(fromEnv());
 * \@Controller()
 * class HelloController {
 *   \@Get() \@auth.LoginRequired()
 *   hello(\@AuthUser() user: AuthenticatedUser) { return `hello, ${user.username}`; }
 * }
 * \@Module({ controllers: [auth.TokenController, HelloController] })
 * class AppModule {}
 */
export function ldapTokenAuth(
  options: AuthOptions | Auth,
  { prefix }: NestAdapterOptions = {},
): NestAuth {
  const { auth, close, mount, tokenUrlFor } = adapterSetup(options, prefix);
  // The platform's own trust setting decides (Express `trust proxy`, Fastify `trustProxy`).
  const tokenUrl = (req: NestRequest) =>
    tokenUrlFor({ protocol: req.protocol, host: req.host ?? header(req, 'host') });

  const tokenGuard: CanActivate = {
    canActivate(context) {
      const http = context.switchToHttp();
      const req = http.getRequest<NestRequest>();
      const requirements = requirementsOf(context);
      const authorization = authorizationOf(req);
      // A token verified before, on a route without requirements: admitted with nothing made.
      const known = requirements.length === 0 ? knownUserOf(auth, authorization) : undefined;
      if (known) {
        req.user = known;
        return true;
      }
      return guard(
        auth,
        {
          authorization,
          tokenUrl: () => tokenUrl(req),
          refuse: (answer) => refuse(http.getResponse(), answer),
          admit: (user) => {
            req.user = user;
            return true;
          },
        },
        requirements,
      );
    },
  };

  const TokenController = tokenController(auth, mount, tokenUrl);

  // Without requirements no metadata is set, so that `@RequireGroups(...)` and the like beside
  // `@auth.LoginRequired()` are kept rather than overwritten.
  const LoginRequired = (requirements?: Requirements) =>
    requirements
      ? applyDecorators(requireAlso(requirements), UseGuards(tokenGuard))
      : applyDecorators(UseGuards(tokenGuard));

  return { guard: tokenGuard, LoginRequired, TokenController, auth, close };
}

/**
 * The request's Authorization header, from Node's raw header list where the platform gives the
 * Node request (Express's request is one, Fastify's wraps one): Node builds `headers` lazily.
 */
function authorizationOf(req: NestRequest): string | undefined {
  const node = (req.raw ?? req) as { rawHeaders?: unknown };
  if (Array.isArray(node.rawHeaders)) return authorizationFromRaw(node.rawHeaders);
  return header(req, 'authorization');
}

/** The guard's refusal: headers on the response, the body through Nest's own exception path. */
function refuse(res: NestResponse, answer: HttpAnswer): never {
  for (const [name, value] of Object.entries(answer.headers)) res.header(name, value);
  throw new HttpException(JSON.parse(answer.body) as Record<string, unknown>, answer.status);
}
