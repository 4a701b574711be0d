// Browser sign-in, framework-free: the sign-in page (GET), the form post that checks the
// directory exactly as the token endpoint does and keeps the token in a cookie (POST), and
// sign-out. Every answer is an HttpAnswer, as for the token endpoints.
import { sessionsOf } from '../../core/auth-internals.js';
import type { Auth } from '../../core/types.js';
import type { HttpAnswer } from '../answers.js';
import { clientAddressOf } from '../client-address.js';
import type { Scheme } from '../forwarded.js';
import { joinPath } from '../location.js';
import { reportUnexpected } from '../unexpected-errors.js';
import { cookieValue, serializeCookie } from './cookies.js';
import { CSRF_FIELD, csrfCookieName, formFromThisSite, isCsrfToken, newCsrfToken } from './csrf.js';
import { HttpsRequirement } from './https-required.js';
import { AllowedHosts, redirectOrigin, safeRedirect } from './redirects.js';
import { MAX_SESSION_COOKIE_BYTES, sessionCookieName, sessionSetCookie } from './session-cookie.js';
import { failureOf } from './sign-in-failures.js';
import {
  type LoginPageModel,
  loginPageCsp,
  renderLoginPage,
  signInPageHeaders,
} from './sign-in-page.js';

/** What the sign-in needs to know of a request, whatever the server. */
export interface BrowserRequest {
  /** The raw query string, without `?`. */
  query: string;
  /** The body of a form post (`application/x-www-form-urlencoded`). */
  form?: string | undefined;
  cookie?: string | undefined;
  origin?: string | undefined;
  referer?: string | undefined;
  accept?: string | undefined;
  /** The scheme the browser used (behind a trusted proxy, the forwarded one). */
  protocol?: Scheme | undefined;
  /** The host the browser used (behind a trusted proxy, the forwarded one). */
  host?: string | undefined;
  remoteAddress?: string | undefined;
  forwardedFor?: string | undefined;
}

const COOKIE_TOO_LARGE =
  'This account carries too much information (groups, attributes) for a browser session, so it cannot sign in here. Ask your administrator: the service must put less in its tokens (TOKEN_MAX_GROUPS, LDAP_USER_ATTRIBUTES).';
/** Trying again will not help until the configuration changes: no point in asking soon. */
const COOKIE_TOO_LARGE_RETRY_SECONDS = 300;
const FORM_EXPIRED = 'This sign-in form has expired or came from another site. Please try again.';

/** The standalone service's browser sign-in, for one Auth and one mount path. */
export class BrowserSignIn {
  readonly loginPath: string;
  readonly logoutPath: string;
  readonly #auth: Auth;
  readonly #settings: Auth['options']['browser'];
  readonly #allowed: AllowedHosts;
  readonly #csrfCookie: string;
  readonly #sessionCookieName: string;
  readonly #https: HttpsRequirement;

  constructor(auth: Auth, mount: string) {
    this.#https = new HttpsRequirement(auth.options.browser, auth.logger);
    this.#auth = auth;
    this.#settings = auth.options.browser;
    this.#allowed = new AllowedHosts(this.#settings.allowedRedirectHosts);
    this.#csrfCookie = csrfCookieName(this.#settings.cookieName, this.#settings.cookieSecure);
    this.#sessionCookieName = sessionCookieName(this.#settings);
    this.loginPath = joinPath(mount, 'login');
    this.logoutPath = joinPath(mount, 'logout');
  }

  /** Where `{mount}/verify` sends browsers without a session. */
  get loginUrl(): string {
    return this.#settings.loginUrl ?? this.loginPath;
  }

  /** `rd` if it may be followed; see {@link safeRedirect}. */
  safeRedirect(rd: string | undefined): string | undefined {
    return safeRedirect(rd, this.#allowed);
  }

  /**
   * `GET {mount}/login`: the form; with a valid session, straight on to `rd` (when allowed) or a
   * page that says who is signed in, with a sign-out button.
   */
  async page(request: BrowserRequest): Promise<HttpAnswer> {
    const insecure = this.#https.refusal(request);
    if (insecure) return insecure;
    const rd = this.safeRedirect(new URLSearchParams(request.query).get('rd') ?? undefined);
    const user = await this.#sessionUser(request.cookie);
    if (user && rd) return redirect(302, rd);
    return this.#render(request, 200, { rd, signedInAs: user });
  }

  /** `POST {mount}/login`: the form's credentials checked as `request-token` checks them. */
  async submit(request: BrowserRequest): Promise<HttpAnswer> {
    const insecure = this.#https.refusal(request);
    if (insecure) return insecure;
    const form = new URLSearchParams(request.form ?? '');
    const rd = this.safeRedirect(form.get('rd') ?? undefined);
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    if (!this.#fromThisSite(request, form)) {
      return this.#render(request, 403, { rd, username, message: FORM_EXPIRED }, true);
    }
    if (!username || !password) {
      const message = 'Enter your username and password.';
      return this.#render(request, 400, { rd, username, message });
    }
    try {
      const login = await this.#auth.requestToken(
        { username, password },
        {},
        {
          address: clientAddressOf(this.#auth, request),
        },
      );
      // A session token (a `sid`): revoked at sign-out, re-checked as it is used.
      const issued = await sessionsOf(this.#auth).begin(login);
      const cookie = this.sessionCookie(issued.token, issued.expiresIn);
      const bytes = Buffer.byteLength(cookie);
      if (bytes > MAX_SESSION_COOKIE_BYTES) {
        // A browser would drop it without a word and the user land back here, signed out.
        this.#auth.logger.error(
          {
            event: 'session_cookie_too_large',
            username: issued.user.username,
            bytes,
            limit: MAX_SESSION_COOKIE_BYTES,
            groups: issued.user.groups.length,
            attributes: Object.keys(issued.user.attributes).length,
          },
          'A browser sign-in was refused: the session cookie would be larger than browsers keep; lower TOKEN_MAX_GROUPS or LDAP_USER_ATTRIBUTES (or the token claims)',
        );
        return this.#render(request, 503, { rd, username, message: COOKIE_TOO_LARGE }, false, {
          'Retry-After': String(COOKIE_TOO_LARGE_RETRY_SECONDS),
        });
      }
      return redirect(303, rd ?? this.loginPath, { 'Set-Cookie': cookie });
    } catch (error) {
      reportUnexpected(this.#auth, error);
      const failure = failureOf(error, this.#auth.options.passwordPolicy.revealReason);
      return this.#render(
        request,
        failure.status,
        { rd, username, message: failure.message },
        false,
        failure.headers,
      );
    }
  }

  /**
   * `POST {mount}/logout`: the cookie is cleared and the session revoked, whatever
   * `revocation.enabled` says: every token of it is refused from now on, on every instance
   * sharing the store, wherever it may have been copied to.
   */
  async logout(request: BrowserRequest): Promise<HttpAnswer> {
    const insecure = this.#https.refusal(request);
    if (insecure) return insecure;
    const form = new URLSearchParams(request.form ?? '');
    const rd = this.safeRedirect(form.get('rd') ?? undefined);
    if (!this.#fromThisSite(request, form)) {
      const user = await this.#sessionUser(request.cookie);
      return this.#render(request, 403, { rd, signedInAs: user, message: FORM_EXPIRED }, true);
    }
    const token = cookieValue(request.cookie, this.#sessionCookieName);
    if (token) {
      // A store that fails is logged (an error line: the session was not revoked), and the
      // cookie is cleared all the same.
      await sessionsOf(this.#auth)
        .end(token)
        .catch((error: unknown) => {
          this.#auth.logger.error(
            { event: 'sign_out_not_recorded', error: (error as Error).name },
            'A sign-out could not be recorded in the store: the session token stays valid until it expires',
          );
        });
    }
    return redirect(303, rd ?? this.loginPath, { 'Set-Cookie': this.sessionCookie('', 0) });
  }

  /** The session token in a `Cookie` header, if any. */
  sessionToken(cookie: string | undefined): string | undefined {
    return cookieValue(cookie, this.#sessionCookieName);
  }

  async #sessionUser(cookie: string | undefined): Promise<string | undefined> {
    const token = this.sessionToken(cookie);
    if (!token) return undefined;
    return sessionsOf(this.#auth)
      .use(token)
      .then(
        ({ user }) => user.username,
        () => undefined,
      );
  }

  #fromThisSite(request: BrowserRequest, form: URLSearchParams): boolean {
    return formFromThisSite(request, form.get(CSRF_FIELD) ?? undefined, {
      allowed: this.#allowed,
      cookieName: this.#csrfCookie,
      logger: this.#auth.logger,
    });
  }

  /** The session cookie's `Set-Cookie`: `token` for `maxAge` seconds, or cleared (`'', 0`). */
  sessionCookie(token: string, maxAge: number): string {
    return sessionSetCookie(this.#settings, token, maxAge);
  }

  /** The page, with a CSRF token: the browser's own when it has one, else a new one in a cookie. */
  #render(
    request: BrowserRequest,
    status: number,
    page: Pick<LoginPageModel, 'rd' | 'username' | 'message' | 'signedInAs'>,
    renewCsrf = false,
    extraHeaders: Record<string, string> = {},
  ): HttpAnswer {
    const current = cookieValue(request.cookie, this.#csrfCookie);
    const csrf = !renewCsrf && isCsrfToken(current) ? current : newCsrfToken();
    const headers = signInPageHeaders(loginPageCsp(redirectOrigin(page.rd)), extraHeaders);
    if (csrf !== current) {
      headers['Set-Cookie'] = serializeCookie(this.#csrfCookie, csrf, {
        path: '/',
        secure: this.#settings.cookieSecure,
        httpOnly: true,
        sameSite: 'Strict',
      });
    }
    const body = renderLoginPage({
      ...page,
      title: this.#settings.title,
      loginAction: this.loginPath,
      logoutAction: this.logoutPath,
      csrf,
    });
    return { status, headers, body };
  }
}

function redirect(
  status: 302 | 303,
  location: string,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    status,
    headers: { Location: location, 'Cache-Control': 'no-store', ...headers },
    body: '',
  };
}
