import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Auth } from '../auth.js';
import {
  errorAnswer,
  type HttpAnswer,
  methodNotAllowedAnswer,
  notFoundAnswer,
} from '../http/answers.js';
import { joinPath, tokenEndpointUrl } from '../http/location.js';
import { authenticateNow, handleTokenRequest, whenAuthenticated } from '../http/protocol.js';

export interface ServiceOptions {
  /** Where the token endpoints live. Default `/auth`, as in flask-ldap-auth's example. */
  mount?: string;
}

const HELLO = 'hello, world';
const HELLO_HEADERS = { 'Content-Type': 'text/html; charset=utf-8' };

/**
 * The standalone service as a plain `node:http` request listener: the token endpoint, the seed's
 * hello route `/` behind a token, and `/public`, the same handler unprotected (benchmarks compare
 * the two). No framework sits between the socket and the protocol layer, which keeps it fast.
 */
export function createService(auth: Auth, options: ServiceOptions = {}): RequestListener {
  const tokenPath = joinPath(options.mount ?? '/auth', 'request-token');
  const tokenUrl = (req: IncomingMessage) =>
    tokenEndpointUrl(tokenPath, {
      protocol: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      host: req.headers.host,
    });

  return (req, res) => {
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart < 0 ? url : url.slice(0, queryStart);
    const query = queryStart < 0 ? '' : url.slice(queryStart + 1);

    if (path === tokenPath) {
      if (req.method !== 'POST') return send(res, methodNotAllowedAnswer('POST'));
      void handleTokenRequest(auth, {
        authorization: req.headers.authorization,
        query,
        tokenUrl: tokenUrl(req),
      }).then((answer) => send(res, answer));
      return;
    }
    if (path === '/' && isRead(req.method)) {
      whenAuthenticated(authenticateNow(auth, authorizationOf(req)), (result) => {
        if (!result.user) return send(res, errorAnswer(result.error, tokenUrl(req)));
        res.writeHead(200, HELLO_HEADERS).end(HELLO);
      });
      return;
    }
    if (path === '/public' && isRead(req.method)) {
      res.writeHead(200, HELLO_HEADERS).end(HELLO);
      return;
    }
    send(res, notFoundAnswer());
  };
}

/**
 * The Authorization header read straight from the raw header list: Node builds `req.headers`
 * lazily, and building it costs more than verifying a known token.
 */
function authorizationOf(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') return raw[index + 1];
  }
  return undefined;
}

function isRead(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, answer.headers).end(answer.body);
}
