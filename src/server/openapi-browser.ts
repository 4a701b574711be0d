// Browser sign-in in the OpenAPI document: `{mount}/login`, `{mount}/logout`, and what the
// sign-in changes at `{mount}/verify` (the session cookie, the redirect, `?browser=401`).
// These are in the document only when the service serves them (browser.enabled, LOGIN_PAGE=true):
// the served document describes the service that serves it, and the cookie names, the sign-in
// URL and the cookies' attributes all come from that service's configuration.
import { sessionCookieName } from '../http/browser/session-cookie.js';
import { joinPath } from '../http/location.js';
import {
  type BrowserDocumentSettings,
  HTML_PAGE,
  literal,
  PAGE_HEADERS,
} from './openapi-browser-components.js';
import { type Json, json, type PathItem, ref } from './openapi-components.js';

const ONLY_WITH_LOGIN_PAGE =
  'Served only with browser sign-in on (`browser.enabled`, LOGIN_PAGE=true); without it this ' +
  'path is a 404 and is not in the document. ';

/** `{mount}/login` and `{mount}/logout`, keyed by their paths at `mount`. */
export function browserPaths(mount: string, settings: BrowserDocumentSettings): Json {
  const loginPath = joinPath(mount, 'login');
  const cookie = sessionCookieName(settings);
  const session = literal(cookie);
  const redirectWithCookie = (description: string, cookie: Json): Json => ({
    description,
    headers: {
      Location: ref('headers', 'SignInRedirect'),
      'Set-Cookie': cookie,
      'Cache-Control': ref('headers', 'Cache-Control'),
    },
  });
  const pageParameters = [
    {
      name: 'rd',
      in: 'query',
      description:
        'Where to send the browser after signing in: a path on this host (`/app/`), or an ' +
        '`http(s)://` URL whose host is in LOGIN_ALLOWED_REDIRECT_HOSTS. Any other value (other ' +
        'hosts, `//host`, `javascript:`, more than 2048 characters) is dropped, not refused.',
      schema: { type: 'string' },
    },
  ];
  // Over plain http, Secure cookies never come back: the routes say so instead (403).
  const httpsRequired = (answer?: Json): Json =>
    settings.cookieSecure
      ? {
          '403': {
            description: answer ? `${answer.description}. ${HTTPS_REQUIRED}` : HTTPS_REQUIRED,
            ...(answer?.headers ? { headers: answer.headers } : {}),
            content: { ...HTML_PAGE, ...json('Problem') },
          },
        }
      : answer
        ? { '403': answer }
        : {};
  const pageAnswers = (head: boolean): Json => ({
    ...httpsRequired(),
    '200': head ? ref('responses', 'SignInPageHead') : ref('responses', 'SignInPage'),
    '302': {
      description: 'A valid session cookie and an allowed `rd`: straight on to `rd`',
      headers: {
        Location: ref('headers', 'SignInRedirect'),
        'Cache-Control': ref('headers', 'Cache-Control'),
      },
    },
  });
  const signInPage = (summary: string, head: boolean): Json => ({
    operationId: head ? 'signInPageHead' : 'signInPage',
    summary,
    description:
      `${ONLY_WITH_LOGIN_PAGE}The sign-in form; with a valid session, a page naming the ` +
      'signed-in user with a sign-out button, or a 302 to `rd` when it is allowed. Sets the ' +
      'CSRF cookie when the browser has none.',
    parameters: pageParameters,
    responses: pageAnswers(head),
  });
  return {
    [loginPath]: {
      description: `${ONLY_WITH_LOGIN_PAGE}Any other method than GET, HEAD and POST is a 405.`,
      get: signInPage('The sign-in page', false),
      head: signInPage('The sign-in page, headers only', true),
      post: {
        operationId: 'signIn',
        summary: 'Sign in: the form is checked as request-token checks Basic credentials',
        description:
          `${ONLY_WITH_LOGIN_PAGE}The same directory check, login limits and audit as ` +
          '`request-token`; the token goes into an HttpOnly cookie. A failure is the page again ' +
          '(the username kept, never the password) with the message in a `role="alert"` ' +
          'paragraph. Both CSRF checks apply: `Origin` (else `Referer`) names this host or an ' +
          'allowed one, and the `csrf` field equals the CSRF cookie.',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': { schema: ref('schemas', 'SignInForm') },
          },
        },
        responses: {
          '303': redirectWithCookie('Signed in: on to `rd`, else back to the sign-in page', {
            required: true,
            description: `The session cookie, as long-lived as the token: \`${cookie}=<JWT>; Max-Age=<token lifetime>; ${settings.cookieDomain ? `Domain=${settings.cookieDomain}; ` : ''}Path=/; ${settings.cookieSecure ? 'Secure; ' : ''}HttpOnly; SameSite=Lax\``,
            schema: {
              type: 'string',
              pattern: `^${session}=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+; Max-Age=[1-9][0-9]*; .*HttpOnly; SameSite=Lax$`,
            },
          }),
          '400': signInFailure('A field was left empty, or the request is not valid'),
          '401': signInFailure(
            'Wrong username or password, or an account state the directory reports (locked, ' +
              'expired, password to change), named as passwordPolicy.revealReason allows. No ' +
              '`WWW-Authenticate`: a browser shows no Basic prompt',
          ),
          ...httpsRequired(
            signInFailure(
              'A CSRF check failed (an old page, cookies off, another site, or a proxy that ' +
                'rewrites Host; a new CSRF cookie is set), or the password was right but the ' +
                'account is outside the required group (groups.required, LDAP_REQUIRED_GROUP): ' +
                '"This account may not sign in here", no session cookie',
            ),
          ),
          ...FORM_REFUSALS,
          '429': signInFailure('Too many failed attempts for the username or the address', true),
          '503': signInFailure(
            'The directory cannot answer (never a wrong password); or the password was right ' +
              'but the session cookie would be larger than browsers keep (over 4000 bytes: a ' +
              'token with many groups or attributes; lower TOKEN_MAX_GROUPS or ' +
              'LDAP_USER_ATTRIBUTES), so none is set and the page says so',
            true,
          ),
        },
      },
      put: {
        summary: 'Not allowed: use GET or POST (as any other method)',
        description: ONLY_WITH_LOGIN_PAGE,
        responses: {
          '405': {
            description: 'Another method than GET, HEAD or POST',
            headers: {
              Allow: { required: true, schema: { type: 'string', const: 'GET, POST' } },
            },
            content: json('Problem'),
          },
        },
      },
    } satisfies PathItem,
    [joinPath(mount, 'logout')]: {
      post: {
        operationId: 'signOut',
        summary: 'Sign out: the session cookie is cleared',
        description:
          `${ONLY_WITH_LOGIN_PAGE}The session is also revoked, whatever TOKEN_REVOCATION ` +
          'says: every token of it is refused from now on, on every instance sharing the store, ' +
          'as a cookie or copied into a header. The same CSRF checks as the sign-in.',
        security: [{ sessionCookie: [] }, {}],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': { schema: ref('schemas', 'SignOutForm') },
          },
        },
        responses: {
          '303': redirectWithCookie('Signed out: on to `rd`, else to the sign-in page', {
            required: true,
            description: `The session cookie, cleared: \`${cookie}=; Max-Age=0; ...\``,
            schema: { type: 'string', pattern: `^${session}=; Max-Age=0; ` },
          }),
          ...httpsRequired(signInFailure('A CSRF check failed; the session is kept')),
          ...FORM_REFUSALS,
        },
      },
      get: {
        summary: 'Not allowed: use POST (as any other method)',
        description: ONLY_WITH_LOGIN_PAGE,
        responses: { '405': ref('responses', 'MethodNotAllowed') },
      },
    } satisfies PathItem,
  };
}

/** The 403 a sign-in route answers over plain http when its cookies are Secure. */
const HTTPS_REQUIRED =
  'With Secure cookies (COOKIE_SECURE, the default), reached over plain http to a host other ' +
  'than loopback (behind a proxy in TRUSTED_PROXIES, the scheme of its X-Forwarded-Proto): a ' +
  'page saying the sign-in page needs https, or for clients that do not ask for HTML the ' +
  'problem `https_required`';

/** The form posts' refusals before the form is read: a JSON problem, not the page. */
const FORM_REFUSALS = {
  '413': {
    description: 'The form is larger than 16 KiB (refused unread)',
    content: json('Problem'),
  },
  '415': {
    description: 'The form is not `application/x-www-form-urlencoded`',
    content: json('Problem'),
  },
};

/** A failed sign-in: the page again, with the message; `Retry-After` on 429 and 503. */
function signInFailure(description: string, retry = false): Json {
  return {
    description: `${description}: the page again, with the message`,
    headers: {
      ...PAGE_HEADERS,
      ...(retry ? { 'Retry-After': ref('headers', 'Retry-After') } : {}),
    },
    content: HTML_PAGE,
  };
}
