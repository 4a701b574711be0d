// The NestJS adapter's token controller: one route per token endpoint, written to the Node
// response underneath so that Nest's serialisation adds nothing the other servers lack.
import { All, Controller, Get, Post, Req, Res, type Type } from '@nestjs/common';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { type NodeRequest, tokenRequestOfNode } from '../http/adapter-kit.js';
import { type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';

/** What the adapter reads of a request, on Express or Fastify. */
export interface NestRequest {
  headers: Record<string, string | string[] | undefined>;
  protocol?: string;
  /** Express 5 and Fastify: the host, from X-Forwarded-Host behind a proxy they trust. */
  host?: string;
  user?: AuthenticatedUser;
  /** Fastify's request wraps the Node request; Express's is the Node request itself. */
  raw?: NodeRequest;
}

/** What the adapter writes to, on Express (the Node response) or Fastify (its reply). */
export interface NestResponse {
  header(name: string, value: string): unknown;
  raw?: NestResponse;
  hijack?(): void;
  writeHead?(status: number, headers: Record<string, string>): { end(body: string): void };
}

/** A request header's first value. */
export function header(req: NestRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The controller serving {@link TOKEN_ENDPOINTS} under `prefix`. */
export function tokenController(
  auth: Auth,
  prefix: string,
  tokenUrl: (req: NestRequest) => string,
): Type<unknown> {
  class TokenController {}
  // One pair of methods per token endpoint: the endpoint, then every other method's 405.
  // Decorators applied as calls, so neither this file nor its users' builds need them compiled.
  const prototype = TokenController.prototype as unknown as Record<string, unknown>;
  TOKEN_ENDPOINTS.forEach((endpoint, index) => {
    prototype[`endpoint${index}`] = (req: NestRequest, res: NestResponse): Promise<void> =>
      endpoint
        .handle(
          auth,
          tokenRequestOfNode(req.raw ?? (req as NodeRequest), () => tokenUrl(req)),
        )
        .then((answer) => send(res, answer));
    prototype[`notAllowed${index}`] = (_req: NestRequest, res: NestResponse): void =>
      send(res, methodNotAllowedAnswer(endpoint.method));
    const method = endpoint.method === 'GET' ? Get : Post;
    route(TokenController, `endpoint${index}`, method(endpoint.route));
    route(TokenController, `notAllowed${index}`, All(endpoint.route));
  });
  Controller(prefix)(TokenController);
  return TokenController;
}

function route(target: Type<unknown>, method: string, decorator: MethodDecorator): void {
  const prototype = target.prototype as object;
  decorator(prototype, method, Object.getOwnPropertyDescriptor(prototype, method)!);
  Req()(prototype, method, 0);
  Res()(prototype, method, 1);
}

/** Writes the answer to the Node response underneath (Express's own, or Fastify's `reply.raw`). */
function send(res: NestResponse, answer: HttpAnswer): void {
  res.hijack?.();
  const raw = res.raw ?? res;
  raw.writeHead!(answer.status, answer.headers).end(answer.body);
}
