import express, {
  type Express as ExpressApp,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { createAuth } from '../core/create-auth.js';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import { errorAnswer, type HttpAnswer, methodNotAllowedAnswer } from '../http/answers.js';
import { authorizationFromRaw } from '../http/authorization.js';
import { headerValue } from '../http/client-address.js';
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { joinPath, tokenEndpointUrl } from '../http/location.js';
import { authenticateNow, whenAuthenticated } from '../http/protocol.js';
import { authorize, type Requirements, whenAuthorized } from '../http/requirements.js';
import type { AuthOptions } from '../options/resolve.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by `loginRequired()`: who presented the token. */
      user?: AuthenticatedUser;
    }
  }
}

export interface ExpressAuth {
  /**
   * The token endpoints, as an Express sub-application: mount it anywhere, as flask-ldap-auth's
   * blueprint (`app.use('/auth', auth.router)`). The 401's `Location` follows where it is mounted.
   */
  router: ExpressApp;
  /**
   * Middleware that admits requests with a valid token and sets `req.user`; with
   * `requirements` (`{ groups }` any of, `{ allGroups }` all of, `{ check }` a predicate), a
   * valid token outside them is a 403.
   */
  loginRequired(requirements?: Requirements): RequestHandler;
  /** The framework-free core, for `requestToken` and `verify` outside a request. */
  auth: Auth;
  /** Closes the directory connections. */
  close(): Promise<void>;
}

const TOKEN_ROUTE = '/request-token';

export interface ExpressAdapterOptions {
  /**
   * The token endpoint's full path, for the `Location` of a 401. Default: worked out from where
   * `router` is mounted with `app.use`. Give it when the router sits inside an
   * `express.Router()`, which does not tell a mounted app where it is.
   */
  tokenPath?: string;
}

/**
 * flask-ldap-auth for Express 5.
 *
 * @example
 * const auth = ldapTokenAuth({
 *   secretKey: process.env.SECRET_KEY!,
 *   ldap: { url: 'ldaps://ldap.example.org', topDn: 'ou=people,dc=example,dc=org' },
 * });
 * app.use('/auth', auth.router);
 * app.get('/', auth.loginRequired(), (req, res) => res.send('hello, world'));
 */
export function ldapTokenAuth(
  options: AuthOptions | Auth,
  adapterOptions: ExpressAdapterOptions = {},
): ExpressAuth {
  const auth = 'requestToken' in options ? options : createAuth(options);
  const router = express();
  router.disable('x-powered-by');

  // The router's own path is known once it is mounted with app.use (and '' until then).
  const tokenPath = () => adapterOptions.tokenPath ?? joinPath(router.path(), TOKEN_ROUTE);
  // req.protocol and req.host follow the app's `trust proxy` setting (X-Forwarded-Proto/-Host).
  const tokenUrl = (req: Request) =>
    tokenEndpointUrl(tokenPath(), { protocol: req.protocol, host: req.host });

  for (const endpoint of TOKEN_ENDPOINTS) {
    const route = `/${endpoint.route}`;
    // Express's get() answers HEAD too.
    router[endpoint.method === 'GET' ? 'get' : 'post'](route, (req, res) => {
      void endpoint
        .handle(auth, {
          authorization: req.headers.authorization,
          query: req.originalUrl.split('?', 2)[1] ?? '',
          tokenUrl: tokenUrl(req),
          remoteAddress: req.socket.remoteAddress,
          forwardedFor: headerValue(req.headers['x-forwarded-for']),
        })
        .then((answer) => send(res, answer));
    });
    router.all(route, (_req, res) => send(res, methodNotAllowedAnswer(endpoint.method)));
  }

  const loginRequired =
    (requirements?: Requirements): RequestHandler =>
    (req, res, next) => {
      whenAuthenticated(authenticateNow(auth, authorizationFromRaw(req.rawHeaders)), (result) => {
        if (!result.user) return send(res, errorAnswer(result.error, tokenUrl(req)));
        const user = result.user;
        // No requirements (the common case): nothing to ask, no closure per request.
        if (!requirements) {
          req.user = user;
          return next();
        }
        whenAuthorized(authorize(auth, user, requirements), (refusal) => {
          if (refusal) return send(res, refusal);
          req.user = user;
          next();
        });
      });
    };

  return { router, loginRequired, auth, close: () => auth.close() };
}

/** Sends the answer as it is: `res.send` would add a charset and an ETag the other servers lack. */
function send(res: Response, answer: HttpAnswer): void {
  res.status(answer.status).set(answer.headers).end(answer.body);
}
