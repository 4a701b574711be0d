// Browser sign-in on the standalone service: the page and its cookies.
import type { EnvironmentVariable } from './variable.js';

export const BROWSER_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'LOGIN_PAGE',
    option: 'browser.enabled',
    kind: 'boolean',
    description:
      'Browser sign-in on `ldap-token-auth serve`: the sign-in page at `{mount}/login`, the token in a cookie, `POST {mount}/logout`, and `{mount}/verify` sending browsers without a session to the page. See "Browser sign-in".',
  },
  {
    name: 'LOGIN_URL',
    option: 'browser.loginUrl',
    kind: 'string',
    description:
      'Where `{mount}/verify` sends browsers without a session: a path on the host they asked for, or an absolute URL of the sign-in page. Unset: `{mount}/login`.',
  },
  {
    name: 'LOGIN_ALLOWED_REDIRECT_HOSTS',
    option: 'browser.allowedRedirectHosts',
    kind: 'list',
    description:
      'Comma-separated hosts the sign-in page may return a browser to (`rd`): `app.example.org`, `host:port`, or `.example.org` for the domain and its subdomains. Relative paths are always allowed. Unset: none.',
  },
  {
    name: 'LOGIN_PAGE_TITLE',
    option: 'browser.title',
    kind: 'string',
    description: "The sign-in page's heading.",
  },
  {
    name: 'COOKIE_NAME',
    option: 'browser.cookieName',
    kind: 'string',
    description:
      'Name of the cookie that carries the token after a browser sign-in; sent as `__Host-<name>` when `Secure` without `COOKIE_DOMAIN` (the default).',
  },
  {
    name: 'COOKIE_SECURE',
    option: 'browser.cookieSecure',
    kind: 'boolean',
    description:
      'Mark the sign-in cookies `Secure` (HTTPS only). `false` is for plain-http development only; a warning is logged at start-up.',
  },
  {
    name: 'COOKIE_DOMAIN',
    option: 'browser.cookieDomain',
    kind: 'string',
    description:
      '`Domain` of the token cookie (e.g. `example.org`), so one sign-in serves every subdomain. Unset: the host that set it only.',
  },
  {
    name: 'SESSION_RECHECK_SECONDS',
    option: 'browser.sessionRecheckSeconds',
    kind: 'integer',
    description:
      'How often a browser session asks the directory again (the entry exists, is not disabled or locked, is still in `LDAP_REQUIRED_GROUP`) and renews its cookie with the groups of now: at its first use once this many seconds have passed, once per session across workers and instances. A refusal ends the session. 0: never (the session lasts as its cookie). See "Sessions".',
  },
  {
    name: 'SESSION_RECHECK_FAILURE',
    option: 'browser.sessionRecheckFailure',
    kind: 'storeFailure',
    description:
      'When the directory cannot answer a re-check: `open` keeps the session (until its cookie expires), logs a warning and asks again one interval later; `closed` answers `503` until the directory answers.',
  },
];
