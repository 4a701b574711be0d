// What every adapter and the standalone service share to translate a framework's request into
// the protocol's: the core built once, the token endpoint's path, the token request.
import { createAuth } from '../core/create-auth.js';
import type { Auth } from '../core/types.js';
import type { AuthOptions } from '../options/resolve.js';
import { headerValue } from './client-address.js';
import { REQUEST_TOKEN_ROUTE } from './endpoints.js';
import { joinPath, tokenEndpointUrl } from './location.js';
import type { TokenRequest } from './protocol.js';
import type { Requirements } from './requirements.js';

/** The core an adapter works with: the one given, or one built from the options given. */
export function resolveAuth(options: AuthOptions | Auth): Auth {
  return 'requestToken' in options ? options : createAuth(options);
}

/** Where the token endpoints go unless told otherwise, as in flask-ldap-auth's example. */
export const DEFAULT_MOUNT = '/auth';

/** The token endpoint's path under `mount`, for the 401's `Location`. */
export function tokenPathUnder(mount: string): string {
  return joinPath(mount, REQUEST_TOKEN_ROUTE);
}

/** The few values of a request the token endpoints read, as any framework hands them over. */
export interface FrameworkRequest {
  authorization: string | undefined;
  /** The request target, `/path?query` or a whole URL: only its query string is read. */
  url: string | undefined;
  /**
   * The token endpoint's URL, for the 401's `Location`; or how to work it out (from the proxy
   * settings and forwarded headers), which then happens only when an answer needs it.
   */
  tokenUrl: string | (() => string);
  /** The socket's peer address, where the runtime tells it. */
  remoteAddress: string | undefined;
  /** The `X-Forwarded-For` header, as one value or the list of repeated ones. */
  forwardedFor: string | readonly string[] | undefined;
}

/** The protocol's view of a request (see {@link FrameworkRequest}). */
export function tokenRequestOf(request: FrameworkRequest): TokenRequest {
  let tokenUrl = request.tokenUrl;
  return {
    authorization: request.authorization,
    query: queryOf(request.url),
    // Only a refusal's `Location` reads it: an issued token never pays for the origin.
    get tokenUrl() {
      if (typeof tokenUrl !== 'string') tokenUrl = tokenUrl();
      return tokenUrl;
    },
    remoteAddress: request.remoteAddress,
    forwardedFor: headerValue(request.forwardedFor),
  };
}

/** What a server on `node:http` (Express, Koa, Fastify's `raw`) has of a request. */
export interface NodeRequest {
  headers: { authorization?: string; 'x-forwarded-for'?: string | string[] | undefined };
  url?: string | undefined;
  socket: { remoteAddress?: string | undefined };
}

/** {@link tokenRequestOf} for the Node request underneath a framework's own. */
export function tokenRequestOfNode(
  req: NodeRequest,
  tokenUrl: FrameworkRequest['tokenUrl'],
): TokenRequest {
  return tokenRequestOf({
    authorization: req.headers.authorization,
    url: req.url,
    tokenUrl,
    remoteAddress: req.socket.remoteAddress,
    forwardedFor: req.headers['x-forwarded-for'],
  });
}

/** Everything after the first `?`: a query may itself hold further question marks. */
function queryOf(url: string | undefined): string {
  const start = url?.indexOf('?') ?? -1;
  return start < 0 ? '' : url!.slice(start + 1);
}

/** What every adapter hands back beside its framework's own pieces. */
export interface AdapterCore {
  /** The framework-free core, for `requestToken` and `verify` outside a request. */
  auth: Auth;
  /** Closes the directory connections. */
  close(): Promise<void>;
}

/** What an adapter with a middleware (or hook) per protected route hands back. */
export interface GuardingAdapter<Guard> extends AdapterCore {
  /**
   * The middleware that admits requests with a valid token and sets the user where the framework
   * keeps it; with `requirements` (`{ groups }` any of, `{ allGroups }` all of, `{ check }` a
   * predicate), a valid token outside them is a 403.
   */
  loginRequired(requirements?: Requirements): Guard;
}

/** An adapter's footing: its core, and where its token endpoints are mounted. */
export interface AdapterSetup extends AdapterCore {
  mount: string;
  /**
   * The token endpoint's URL for a request, from the scheme and host it was sent to (as the
   * framework's own proxy setting reports them): the 401's `Location`.
   */
  tokenUrlFor(origin: { protocol?: string | undefined; host?: string | undefined }): string;
}

/** The core an adapter works with ({@link resolveAuth}), mounted at `mount`. */
export function adapterSetup(options: AuthOptions | Auth, mount = DEFAULT_MOUNT): AdapterSetup {
  const auth = resolveAuth(options);
  const tokenPath = tokenPathUnder(mount);
  return {
    auth,
    close: () => auth.close(),
    mount,
    tokenUrlFor: (origin) => tokenEndpointUrl(tokenPath, origin),
  };
}
