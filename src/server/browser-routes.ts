// The standalone service's browser sign-in routes: `{mount}/login` and `{mount}/logout`, and
// `{mount}/verify` for a session cookie (and the browser's answer when refused). Only reads
// requests and writes answers; the protocol is in src/http/login.ts, src/http/forward-auth.ts
// and src/sessions.ts.
import type { IncomingMessage } from 'node:http';
import { sessionsOf } from '../core/auth-internals.js';
import type { SessionUse } from '../core/sessions.js';
import type { Auth } from '../core/types.js';
import { errorAnswer, type HttpAnswer, methodNotAllowedAnswer, problem } from '../http/answers.js';
import { browserRequest, readForm } from '../http/browser/node-request.js';
import { type BrowserRequest, BrowserSignIn } from '../http/browser/sign-in.js';
import { headerValue } from '../http/client-address.js';
import {
  forwardAuthAnswer,
  isBrowser,
  originalUrl,
  parseRequirements,
  signInAnswer,
  signInUrl,
} from '../http/forward-auth.js';
import { originOf } from '../http/node-origin.js';
import { authorize } from '../http/requirements.js';
import { reportUnexpected } from '../http/unexpected-errors.js';

export class BrowserRoutes {
  readonly #signIn: BrowserSignIn;
  readonly #auth: Auth;
  readonly #tokenUrl: (req: IncomingMessage) => string;

  /** @param tokenUrl the token endpoint's URL for a request, the `Location` of a 401. */
  constructor(auth: Auth, mount: string, tokenUrl: (req: IncomingMessage) => string) {
    this.#signIn = new BrowserSignIn(auth, mount);
    this.#auth = auth;
    this.#tokenUrl = tokenUrl;
  }

  get paths(): readonly string[] {
    return [this.#signIn.loginPath, this.#signIn.logoutPath];
  }

  /** The session token in the browser's cookie, if any. */
  sessionToken(req: IncomingMessage): string | undefined {
    return this.#signIn.sessionToken(req.headers.cookie);
  }

  /**
   * `{mount}/verify` for a request with a session cookie and no `Authorization`: the session
   * used (revocation, re-check), then the forward-auth answer, with the renewed cookie when a
   * re-check made one. A session refused is answered as no session, and its cookie cleared.
   * Never rejects.
   */
  async verifySession(req: IncomingMessage, query: string, token: string): Promise<HttpAnswer> {
    let use: SessionUse;
    try {
      use = await sessionsOf(this.#auth).use(token);
    } catch (error) {
      reportUnexpected(this.#auth, error);
      const answer = this.refused(req, query, error) ?? errorAnswer(error, this.#tokenUrl(req));
      if (answer.status !== 401 && answer.status !== 302) return answer;
      return withCookie(answer, this.#signIn.sessionCookie('', 0));
    }
    const { user, renewed } = use;
    const refusal = await authorize(this.#auth, user, parseRequirements(query));
    const answer = refusal ?? forwardAuthAnswer(user);
    return renewed
      ? withCookie(answer, this.#signIn.sessionCookie(renewed.token, renewed.expiresIn))
      : answer;
  }

  /** Answers `{mount}/login` or `{mount}/logout`. Never rejects. */
  async answer(req: IncomingMessage, path: string, query: string): Promise<HttpAnswer> {
    const login = path === this.#signIn.loginPath;
    if (login && (req.method === 'GET' || req.method === 'HEAD')) {
      return this.#signIn.page(browserRequest(this.#auth, req, query));
    }
    if (req.method !== 'POST') return methodNotAllowedAnswer(login ? 'GET, POST' : 'POST');
    const form = await readForm(req);
    if (typeof form !== 'string') return form;
    const request = { ...browserRequest(this.#auth, req, query), form };
    return login ? this.#signIn.submit(request) : this.#signIn.logout(request);
  }

  /**
   * The answer to a browser refused at `{mount}/verify`, or `undefined` to give the usual one:
   * only a navigating browser, and only for a missing or invalid session (not a 503 or a 403).
   */
  refused(req: IncomingMessage, query: string, error: unknown): HttpAnswer | undefined {
    if (!isBrowser(req.headers.accept) || errorAnswer(error, '').status !== 401) return undefined;
    const rd = this.#signIn.safeRedirect(
      originalUrl({
        originalUrl: headerValue(req.headers['x-original-url']),
        forwardedProto: headerValue(req.headers['x-forwarded-proto']),
        forwardedHost: headerValue(req.headers['x-forwarded-host']),
        forwardedUri: headerValue(req.headers['x-forwarded-uri']),
      }),
    );
    const status = new URLSearchParams(query).get('browser') === '401' ? 401 : 302;
    return signInAnswer(signInUrl(this.#signIn.loginUrl, rd), status);
  }
}

function withCookie(answer: HttpAnswer, cookie: string): HttpAnswer {
  return { ...answer, headers: { ...answer.headers, 'Set-Cookie': cookie } };
}
