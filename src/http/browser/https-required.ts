// Browser sign-in over plain http with Secure cookies (the default): the browser drops every
// cookie the page sets, so each form post would fail its CSRF check as "expired or from another
// site", which sends people looking in the wrong place. The page says what is wrong instead.
import { isLoopback } from '../../ldap/urls.js';
import type { Logger } from '../../shared/logger.js';
import { type HttpAnswer, problem } from '../answers.js';
import { isBrowser } from '../forward-auth.js';
import type { Scheme } from '../forwarded.js';
import { loginPageCsp, renderNoticePage } from './sign-in-page.js';

export const HTTPS_REQUIRED =
  'This sign-in page needs https: over plain http the browser does not keep its Secure cookies. ' +
  'Open it with https://, or, for local testing only, start the service with COOKIE_SECURE=false.';

/**
 * Whether a sign-in request cannot work: Secure cookies, and the scheme the browser used (behind
 * a trusted proxy, the forwarded one) is plain http to a host other than loopback. Browsers keep
 * Secure cookies from `http://localhost` and `http://127.0.0.1` (secure contexts), so those work.
 */
export function needsHttps(
  cookieSecure: boolean,
  request: { protocol?: Scheme | undefined; host?: string | undefined },
): boolean {
  if (!cookieSecure || request.protocol !== 'http') return false;
  return !(request.host !== undefined && isLoopback(hostName(request.host)));
}

/** `name` of `name:port`, `[v6]:port` or `[v6]`. */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') >>> 0);
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/**
 * The refusal of a sign-in page reached over plain http: 403, an HTML page for a browser, the
 * seed's error shape for anything else. Logged once per process (at `warn`), not per request.
 */
export class HttpsRequirement {
  readonly #cookieSecure: boolean;
  readonly #logger: Logger;
  readonly #title: string;
  #logged = false;

  constructor(settings: { cookieSecure: boolean; title: string }, logger: Logger) {
    this.#cookieSecure = settings.cookieSecure;
    this.#title = settings.title;
    this.#logger = logger;
  }

  /** The refusal when `request` cannot sign in this way, else `undefined`. */
  refusal(request: {
    protocol?: Scheme | undefined;
    host?: string | undefined;
    accept?: string | undefined;
  }): HttpAnswer | undefined {
    if (!needsHttps(this.#cookieSecure, request)) return undefined;
    if (!this.#logged) {
      this.#logged = true;
      this.#logger.warn(
        { event: 'sign_in_needs_https', host: request.host?.slice(0, 200) },
        'The sign-in page was opened over plain http while COOKIE_SECURE is on, so browsers would drop its cookies: serve it over https (behind a TLS proxy, list the proxy in TRUSTED_PROXIES so its X-Forwarded-Proto counts), or set COOKIE_SECURE=false for local testing. Logged once.',
      );
    }
    if (!isBrowser(request.accept)) return problem(403, 'https_required', HTTPS_REQUIRED);
    return {
      status: 403,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': loginPageCsp(),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
      },
      body: renderNoticePage(this.#title, HTTPS_REQUIRED),
    };
  }
}
