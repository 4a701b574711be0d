// The OpenAPI components browser sign-in adds (the session cookie's scheme, the sign-in page's
// headers and forms), and the pieces the sign-in paths share with them. The cookie names are
// the configured ones, so the served document matches the service that serves it.
import type { Auth } from '../core/types.js';
import { csrfCookieName } from '../http/browser/csrf.js';
import { sessionCookieName } from '../http/browser/session-cookie.js';
import { type Json, ref } from './openapi-components.js';

/** What the document needs of `browser` (see BrowserOptions in src/options/browser.ts). */
export type BrowserDocumentSettings = Pick<
  Auth['options']['browser'],
  'cookieName' | 'cookieSecure' | 'cookieDomain' | 'loginUrl'
>;

/** A pattern matching `text` exactly where it appears (JSON Schema patterns are ECMA-262). */
export const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The sign-in page: a whole HTML document. */
export const HTML_PAGE = {
  'text/html': {
    schema: { type: 'string', pattern: '^<!doctype html>\\n<html lang="en">[\\s\\S]*</html>\\n$' },
  },
};

/** The sign-in page's headers: a strict policy, nothing cached, never framed. */
export const PAGE_HEADERS: Json = {
  'Content-Security-Policy': ref('headers', 'Content-Security-Policy'),
  'Cache-Control': ref('headers', 'Cache-Control'),
  'Referrer-Policy': ref('headers', 'Referrer-Policy'),
  'X-Content-Type-Options': ref('headers', 'X-Content-Type-Options'),
  'X-Frame-Options': ref('headers', 'X-Frame-Options'),
  'Set-Cookie': ref('headers', 'CsrfCookie'),
};

/** The components the browser paths refer to; the cookie names are the configured ones. */
export function browserComponents(settings: BrowserDocumentSettings): Record<string, Json> {
  const csrfCookie = csrfCookieName(settings.cookieName, settings.cookieSecure);
  return {
    securitySchemes: {
      sessionCookie: {
        type: 'apiKey',
        in: 'cookie',
        name: sessionCookieName(settings),
        description:
          'The token a browser sign-in keeps (HttpOnly, SameSite=Lax). Its name is COOKIE_NAME ' +
          '(`browser.cookieName`), default `ldap_token_auth`, with the `__Host-` prefix when the ' +
          'cookie is Secure and has no Domain (COOKIE_SECURE=true without COOKIE_DOMAIN, the ' +
          'default: `__Host-ldap_token_auth`), so that no sibling subdomain can set it.',
      },
    },
    headers: {
      'Content-Security-Policy': {
        required: true,
        description:
          "Nothing loads or runs but the page's own inline style (by its hash); forms post " +
          "only here, and on to the return URL's origin",
        schema: {
          type: 'string',
          pattern:
            "^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'( " +
            "https?://[^ ;]+)?; frame-ancestors 'none'; base-uri 'none'$",
        },
      },
      'Referrer-Policy': { required: true, schema: { type: 'string', const: 'same-origin' } },
      'X-Content-Type-Options': { required: true, schema: { type: 'string', const: 'nosniff' } },
      'X-Frame-Options': { required: true, schema: { type: 'string', const: 'DENY' } },
      CsrfCookie: {
        description: `The CSRF cookie (\`${csrfCookie}\`: \`__Host-<COOKIE_NAME>_csrf\`, without the prefix when COOKIE_SECURE=false), set when the browser has no valid one`,
        schema: {
          type: 'string',
          pattern: `^${literal(csrfCookie)}=[A-Za-z0-9_-]{43}; Path=/; .*HttpOnly; SameSite=Strict$`,
        },
      },
      SignInRedirect: {
        required: true,
        description: '`rd` as given, when allowed; else the sign-in page',
        schema: { type: 'string', minLength: 1 },
      },
    },
    responses: {
      SignInPage: {
        description: 'The sign-in page (or, with a valid session, who is signed in)',
        headers: PAGE_HEADERS,
        content: HTML_PAGE,
      },
      SignInPageHead: {
        description: 'The sign-in page, headers only',
        headers: PAGE_HEADERS,
      },
    },
    schemas: {
      SignInForm: {
        type: 'object',
        required: ['username', 'password', 'csrf'],
        properties: {
          username: { type: 'string' },
          password: { type: 'string', description: 'Never echoed back, never logged' },
          csrf: ref('schemas', 'CsrfField'),
          rd: { type: 'string', description: 'The return URL, as for `GET` (`rd`)' },
        },
      },
      SignOutForm: {
        type: 'object',
        required: ['csrf'],
        properties: { csrf: ref('schemas', 'CsrfField'), rd: { type: 'string' } },
      },
      CsrfField: {
        type: 'string',
        description: 'The hidden field of the page, equal to the CSRF cookie',
        pattern: '^[A-Za-z0-9_-]{43}$',
      },
    },
  };
}
