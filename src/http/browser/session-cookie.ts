// The browser session's cookie: its name and its `Set-Cookie`, shared by the sign-in, the
// `{mount}/verify` renewal and the OpenAPI document that names it.
import type { Auth } from '../../core/types.js';
import { hostPrefixed, serializeCookie } from './cookies.js';

/** The browser settings the session cookie is made of. */
export type SessionCookieSettings = Pick<
  Auth['options']['browser'],
  'cookieName' | 'cookieSecure' | 'cookieDomain'
>;

/**
 * The longest `Set-Cookie` value the session may have. Browsers keep cookies up to 4096 bytes
 * (RFC 6265, 6.1; some count the attributes too) and silently drop longer ones, which would send
 * the user back to the sign-in page, signed out, with no message.
 */
export const MAX_SESSION_COOKIE_BYTES = 4000;

/**
 * The session cookie's name: COOKIE_NAME, `__Host-`-prefixed when the cookie is `Secure` and has
 * no `Domain` (the default), so that a sibling subdomain cannot plant a session of its choosing
 * (session fixation). With COOKIE_DOMAIN the cookie is meant for the whole domain, which the
 * prefix forbids.
 */
export function sessionCookieName(settings: SessionCookieSettings): string {
  return hostPrefixed(settings.cookieName, {
    secure: settings.cookieSecure,
    ...(settings.cookieDomain ? { domain: settings.cookieDomain } : {}),
  });
}

/** The session cookie's `Set-Cookie`: `token` for `maxAge` seconds, or cleared (`'', 0`). */
export function sessionSetCookie(
  settings: SessionCookieSettings,
  token: string,
  maxAge: number,
): string {
  const { cookieSecure, cookieDomain } = settings;
  return serializeCookie(sessionCookieName(settings), token, {
    maxAge,
    ...(cookieDomain ? { domain: cookieDomain } : {}),
    path: '/',
    secure: cookieSecure,
    httpOnly: true,
    sameSite: 'Lax',
  });
}
