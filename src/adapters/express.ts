import express, {
  type Express as ExpressApp,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Auth, AuthenticatedUser } from '../core/types.js';
import {
  adapterSetup,
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

declare global {
  namespace Express {
    interface Request {
      /** Set by `loginRequired()`: who presented the token. */
      user?: AuthenticatedUser;
    }
  }
}

export interface ExpressAuth extends GuardingAdapter<RequestHandler> {
  /**
   * The token endpoints, as an Express sub-application: mount it anywhere, as flask-ldap-auth's
   * blueprint (`app.use('/auth', auth.router)`). The 401's `Location` follows where it is mounted.
   */
  router: ExpressApp;
}

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
 * const auth = ldapTokenAuth(fromEnv()); // or the options themselves: { secretKey, ldap }
 * app.use('/auth', auth.router);
 * app.get('/', auth.loginRequired(), (req, res) => res.send('hello, world'));
 */
export function ldapTokenAuth(
  options: AuthOptions | Auth,
  adapterOptions: ExpressAdapterOptions = {},
): ExpressAuth {
  const { auth, close } = adapterSetup(options);
  const router = express();
  router.disable('x-powered-by');

  // The router's own path is known once it is mounted with app.use (and '' until then).
  const tokenPath = () => adapterOptions.tokenPath ?? tokenPathUnder(router.path());
  // req.protocol and req.host follow the app's `trust proxy` setting (X-Forwarded-Proto/-Host).
  const tokenUrl = (req: Request) =>
    tokenEndpointUrl(tokenPath(), { protocol: req.protocol, host: req.host });

  for (const endpoint of TOKEN_ENDPOINTS) {
    const route = `/${endpoint.route}`;
    // Express's get() answers HEAD too.
    router[endpoint.method === 'GET' ? 'get' : 'post'](route, (req, res) => {
      void endpoint
        .handle(
          auth,
          tokenRequestOfNode(req, () => tokenUrl(req)),
        )
        .then((answer) => send(res, answer));
    });
    router.all(route, (_req, res) => send(res, methodNotAllowedAnswer(endpoint.method)));
  }

  const loginRequired = (requirements?: Requirements): RequestHandler => {
    // Everything but a known token on a route without requirements: the guard's whole check.
    const check = (req: Request, res: Response, next: NextFunction, authorization?: string) =>
      void guard(
        auth,
        {
          authorization,
          tokenUrl: () => tokenUrl(req),
          admit: (user) => {
            req.user = user;
            next();
          },
          refuse: (answer) => send(res, answer),
        },
        requirements,
      );
    return (req, res, next) => {
      const authorization = authorizationFromRaw(req.rawHeaders);
      // A token verified before, on a route without requirements: admitted with nothing made.
      const known = requirements ? undefined : knownUserOf(auth, authorization);
      if (!known) return check(req, res, next, authorization);
      req.user = known;
      next();
    };
  };

  return { router, loginRequired, auth, close };
}

/** Sends the answer as it is: `res.send` would add a charset and an ETag the other servers lack. */
function send(res: Response, answer: HttpAnswer): void {
  res.status(answer.status).set(answer.headers).end(answer.body);
}
