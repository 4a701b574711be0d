import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Auth } from '../core/types.js';
import { headerValue, requestOriginOf } from './client-address.js';
import type { RequestOrigin } from './forwarded.js';

/**
 * The scheme and host the client used: the socket's and the `Host` header, or behind a proxy on
 * TRUSTED_PROXIES, the ones it forwards (`X-Forwarded-Proto`/`-Host`, `Forwarded`).
 */
export function originOf(auth: Auth, req: IncomingMessage): RequestOrigin {
  return requestOriginOf(auth, req.socket.remoteAddress, {
    encrypted: (req.socket as TLSSocket).encrypted === true,
    host: req.headers.host,
    forwarded: headerValue(req.headers.forwarded),
    forwardedProto: headerValue(req.headers['x-forwarded-proto']),
    forwardedHost: headerValue(req.headers['x-forwarded-host']),
  });
}
