import {
  All,
  applyDecorators,
  type CanActivate,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  Get,
  HttpException,
  Post,
  Req,
  Res,
  SetMetadata,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createAuth } from '../core/create-auth.js';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { errorAnswer, type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { headerValue } from '../http/client-address.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { joinPath, tokenEndpointUrl } from '../http/location.js';
import { authenticateNow } from '../http/protocol.js';
import { authorize, type Requirements } from '../http/requirements.js';
import type { AuthOptions } from '../options/resolve.js';

/** What the adapter reads of a request and writes to a response, on Express or Fastify. */
interface NestRequest {
  headers: Record<string, string | string[] | undefined>;
  url: string;
  originalUrl?: string;
  protocol?: string;
  /** Express 5 and Fastify: the host, from X-Forwarded-Host behind a proxy they trust. */
  host?: string;
  user?: AuthenticatedUser;
  /** The Node request's socket (Express), or the Node request itself as `raw` (Fastify). */
  socket?: { remoteAddress?: string };
  raw?: { socket?: { remoteAddress?: string } };
}
interface NestResponse {
  header(name: string, value: string): unknown;
  raw?: NestResponse;
  hijack?(): void;
  writeHead?(status: number, headers: Record<string, string>): { end(body: string): void };
}

const REQUIREMENTS = 'ldap-token-auth:requirements';
const reflector = new Reflector();

/**
 * Requirements are kept as a list per route and per controller, and every entry must be met: a
 * controller's `@RequireAllGroups('staff')` and a method's `@RequireGroups('admins')` both apply,
 * as do two decorators on one method. Nest's `SetMetadata` alone would keep only one of them.
 */
function requireAlso(requirements: Requirements) {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = (descriptor?.value as object | undefined) ?? target;
    const earlier = reflector.get<Requirements[] | undefined>(REQUIREMENTS, where as never) ?? [];
    SetMetadata(REQUIREMENTS, [...earlier, requirements])(
      target,
      key as never,
      descriptor as never,
    );
  };
}

/**
 * Requirements for the route or controller it decorates, checked by the guard: members of any
 * of `groups`. A valid token outside them is a 403.
 */
export const RequireGroups = (...groups: string[]) => requireAlso({ groups });

/** As {@link RequireGroups}, but members of every one of `groups`. */
export const RequireAllGroups = (...groups: string[]) => requireAlso({ allGroups: groups });

/** Requirements for the route or controller it decorates: `{ groups, allGroups, check }`. */
export const Require = (requirements: Requirements) => requireAlso(requirements);

/** The parameter decorator for who presented the token: `hello(@AuthUser() user: AuthenticatedUser)`. */
export const AuthUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<NestRequest>().user,
);

export interface NestAdapterOptions {
  /** The token controller's path, and where the 401's `Location` points. Default `/auth`. */
  prefix?: string;
}

export interface NestAuth {
  /** The guard: admits requests with a valid token meeting the route's requirements, sets `request.user`. */
  guard: CanActivate;
  /** `@LoginRequired()` on a route or controller: the guard, with optional requirements. */
  LoginRequired(requirements?: Requirements): ReturnType<typeof applyDecorators>;
  /** A controller with `POST {prefix}/request-token`: list it in a module's `controllers`. */
  TokenController: Type<unknown>;
  /** The framework-free core, for `requestToken` and `verify` outside a request. */
  auth: Auth;
  /** Closes the directory connections. */
  close(): Promise<void>;
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
  adapterOptions: NestAdapterOptions = {},
): NestAuth {
  const auth = 'requestToken' in options ? options : createAuth(options);
  const prefix = adapterOptions.prefix ?? '/auth';
  const tokenPath = joinPath(prefix, 'request-token');
  // The platform's own trust setting decides (Express `trust proxy`, Fastify `trustProxy`).
  const tokenUrl = (req: NestRequest) =>
    tokenEndpointUrl(tokenPath, { protocol: req.protocol, host: req.host ?? header(req, 'host') });

  const guard: CanActivate = {
    canActivate(context) {
      const http = context.switchToHttp();
      const req = http.getRequest<NestRequest>();
      const admit = (result: Awaited<ReturnType<typeof authenticateNow>>) => {
        if (!result.user)
          return refuse(http.getResponse(), errorAnswer(result.error, tokenUrl(req)));
        const requirements = [context.getHandler(), context.getClass()].flatMap(
          (where) => reflector.get<Requirements[] | undefined>(REQUIREMENTS, where) ?? [],
        );
        const user = result.user;
        const proceed = (refusal: HttpAnswer | undefined) => {
          if (refusal) return refuse(http.getResponse(), refusal);
          req.user = user;
          return true;
        };
        const refusal = authorizeEach(auth, user, requirements);
        return refusal instanceof Promise ? refusal.then(proceed) : proceed(refusal);
      };
      const result = authenticateNow(auth, header(req, 'authorization'));
      return result instanceof Promise ? result.then(admit) : admit(result);
    },
  };

  class TokenController {}
  // One pair of methods per token endpoint: the endpoint, then every other method's 405.
  // Decorators applied as calls, so neither this file nor its users' builds need them compiled.
  const prototype = TokenController.prototype as unknown as Record<string, unknown>;
  TOKEN_ENDPOINTS.forEach((endpoint, index) => {
    prototype[`endpoint${index}`] = (req: NestRequest, res: NestResponse): Promise<void> => {
      const url = req.originalUrl ?? req.url;
      return endpoint
        .handle(auth, {
          authorization: header(req, 'authorization'),
          query: url.split('?', 2)[1] ?? '',
          tokenUrl: tokenUrl(req),
          remoteAddress: (req.socket ?? req.raw?.socket)?.remoteAddress,
          forwardedFor: headerValue(req.headers['x-forwarded-for']),
        })
        .then((answer) => send(res, answer));
    };
    prototype[`notAllowed${index}`] = (_req: NestRequest, res: NestResponse): void =>
      send(res, methodNotAllowedAnswer(endpoint.method));
    const method = endpoint.method === 'GET' ? Get : Post;
    route(TokenController, `endpoint${index}`, method(endpoint.route));
    route(TokenController, `notAllowed${index}`, All(endpoint.route));
  });
  Controller(prefix)(TokenController);

  // Without requirements no metadata is set, so that `@RequireGroups(...)` and the like beside
  // `@auth.LoginRequired()` are kept rather than overwritten.
  const LoginRequired = (requirements?: Requirements) =>
    requirements
      ? applyDecorators(requireAlso(requirements), UseGuards(guard))
      : applyDecorators(UseGuards(guard));

  return { guard, LoginRequired, TokenController, auth, close: () => auth.close() };
}

/** The first refusal among `requirements`, checked in order; `undefined` when all are met. */
function authorizeEach(
  auth: Auth,
  user: AuthenticatedUser,
  requirements: readonly Requirements[],
  from = 0,
): HttpAnswer | undefined | Promise<HttpAnswer | undefined> {
  for (let index = from; index < requirements.length; index++) {
    const refusal = authorize(auth, user, requirements[index]);
    if (refusal instanceof Promise) {
      return refusal.then((answer) => answer ?? authorizeEach(auth, user, requirements, index + 1));
    }
    if (refusal) return refusal;
  }
  return undefined;
}

function route(target: Type<unknown>, method: string, decorator: MethodDecorator): void {
  const prototype = target.prototype as object;
  decorator(prototype, method, Object.getOwnPropertyDescriptor(prototype, method)!);
  Req()(prototype, method, 0);
  Res()(prototype, method, 1);
}

function header(req: NestRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The guard's refusal: headers on the response, the body through Nest's own exception path. */
function refuse(res: NestResponse, answer: HttpAnswer): never {
  for (const [name, value] of Object.entries(answer.headers)) res.header(name, value);
  throw new HttpException(JSON.parse(answer.body) as Record<string, unknown>, answer.status);
}

/** Writes the answer to the Node response underneath (Express's own, or Fastify's `reply.raw`). */
function send(res: NestResponse, answer: HttpAnswer): void {
  res.hijack?.();
  const raw = res.raw ?? res;
  raw.writeHead!(answer.status, answer.headers).end(answer.body);
}
