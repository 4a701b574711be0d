// The `browser` options: as documented for users (BrowserOptions), and as the service runs on
// them, the cookie domain and allowed hosts in the form requests are compared in.
import type { z } from 'zod';
import { canonicalAllowedHost } from './allowed-hosts.js';
import type { browserSchema } from './schema/browser.js';

/** The `browser` section as the service runs on it. */
export interface ResolvedBrowserOptions {
  readonly enabled: boolean;
  readonly cookieName: string;
  readonly cookieSecure: boolean;
  readonly cookieDomain?: string;
  /** `[.]hostname[:port]`, the host name as `new URL` spells it (lower case, IPv6 compressed). */
  readonly allowedRedirectHosts: readonly string[];
  readonly loginUrl?: string;
  readonly title: string;
  /** 0: no re-checks. */
  readonly sessionRecheckSeconds: number;
  readonly sessionRecheckFailure: 'open' | 'closed';
}

/** Lower-cases the cookie domain and puts the allowed hosts in the form URLs are compared in. */
export function resolveBrowser(browser: z.infer<typeof browserSchema>): ResolvedBrowserOptions {
  return {
    ...browser,
    ...(browser.cookieDomain ? { cookieDomain: browser.cookieDomain.toLowerCase() } : {}),
    allowedRedirectHosts: browser.allowedRedirectHosts.map(canonicalAllowedHost),
  };
}

/**
 * Browser sign-in on the standalone service: a sign-in page at `{mount}/login`, the token kept in
 * a cookie, `{mount}/verify` reading that cookie and sending browsers without one to the page.
 * The adapters serve no sign-in page; only `ldap-token-auth serve` reads these.
 */
export interface BrowserOptions {
  /** Serve `GET`/`POST {mount}/login` and `POST {mount}/logout`, and redirect browsers from `{mount}/verify`. Env `LOGIN_PAGE`. */
  enabled?: boolean;
  /**
   * Name of the cookie that carries the token. Sent as
   * `__Host-<name>` when `cookieSecure` is on and `cookieDomain` unset (the default), so that no
   * sibling subdomain can plant a session. Env `COOKIE_NAME`.
   */
  cookieName?: string;
  /**
   * Mark the cookies `Secure` (sent over HTTPS only), and name the CSRF cookie `__Host-...` (the
   * token cookie too, without `cookieDomain`).
   * `false` is for plain-http development only (a warning is logged at start-up).
   * Env `COOKIE_SECURE`.
   */
  cookieSecure?: boolean;
  /**
   * `Domain` of the token cookie, e.g. `example.org`, so one sign-in serves every subdomain.
   * Default: none, the cookie goes back only to the host that set it. Env `COOKIE_DOMAIN`.
   */
  cookieDomain?: string;
  /**
   * Hosts the sign-in page may send a browser back to (`rd`): `app.example.org`, `app.example.org:8443`,
   * or `.example.org` for that domain and every subdomain. Relative paths (`/app/`) are always
   * allowed. Default: none. Env `LOGIN_ALLOWED_REDIRECT_HOSTS` (comma-separated).
   */
  allowedRedirectHosts?: readonly string[];
  /**
   * Where `{mount}/verify` sends browsers: a path on the host the browser asked for, or an
   * absolute `https://` URL of the sign-in page. Default `{mount}/login`. Env `LOGIN_URL`.
   */
  loginUrl?: string;
  /** The sign-in page's heading and title. Env `LOGIN_PAGE_TITLE`. */
  title?: string;
  /**
   * How often a browser session asks the directory again whether its person may still sign in
   * (the entry exists, is not disabled or locked, is still in `groups.required`) and renews its
   * cookie with the groups of now, in seconds: at the first use of the session once this much
   * time has passed since its token was signed, once per session across workers and instances.
   * 0 turns re-checks off (the session then lasts as long as its cookie).
   * Env `SESSION_RECHECK_SECONDS`.
   */
  sessionRecheckSeconds?: number;
  /**
   * When the directory cannot answer a re-check: `open` keeps the session, logs a
   * warning and asks again one interval later; `closed` answers 503 until the directory answers.
   * Env `SESSION_RECHECK_FAILURE`.
   */
  sessionRecheckFailure?: 'open' | 'closed';
}
