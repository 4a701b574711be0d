// Cookies (RFC 6265), only as much as the sign-in needs: reading named values out of a `Cookie`
// header and writing one `Set-Cookie`. The values we write (JWTs, base64url) are cookie-octets
// already, so nothing is encoded or decoded: a value that is not kept as it is.

/** RFC 6265 cookie-name: an RFC 7230 token. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 cookie-octet: printable US-ASCII but space, `"`, `,`, `;` and `\`. */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
/** Longer `Cookie` headers are not read: no browser sends one, and the cost stays bounded. */
const MAX_COOKIE_HEADER = 16 * 1024;

/**
 * Every value of the cookie `name` in a `Cookie` header, in the order sent (a browser sends the
 * most specific path first; several come when a parent domain sets the same name). Pairs that
 * are malformed are skipped; a value in double quotes is taken without them (RFC 6265, 4.1.1).
 * Never throws.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header || header.length > MAX_COOKIE_HEADER) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0) continue;
    if (pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1);
    }
    if (COOKIE_VALUE.test(value)) values.push(value);
  }
  return values;
}

/** The first value of the cookie `name`, if any; see {@link cookieValues}. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  return cookieValues(header, name)[0];
}

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie. Omitted: a session cookie, gone when the browser closes. */
  maxAge?: number;
  domain?: string;
  path?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax';
}

/**
 * A `Set-Cookie` header value.
 * @throws {TypeError} a name or value that a browser would not store as it is, or an attribute
 *   that would break the header: these come from our own code and configuration, never from a
 *   request, so they are mistakes.
 */
export function serializeCookie(
  name: string,
  value: string,
  attributes: CookieAttributes = {},
): string {
  if (!COOKIE_NAME.test(name)) throw new TypeError(`Not a cookie name: ${name}`);
  if (!COOKIE_VALUE.test(value)) throw new TypeError(`Not a cookie value for ${name}`);
  let cookie = `${name}=${value}`;
  if (attributes.maxAge !== undefined) {
    if (!Number.isSafeInteger(attributes.maxAge) || attributes.maxAge < 0) {
      throw new TypeError('Max-Age must be a whole number of seconds, 0 or more');
    }
    cookie += `; Max-Age=${attributes.maxAge}`;
  }
  if (attributes.domain !== undefined) {
    if (!/^[A-Za-z0-9.-]+$/.test(attributes.domain)) throw new TypeError('Not a cookie domain');
    cookie += `; Domain=${attributes.domain}`;
  }
  if (attributes.path !== undefined) {
    if (!/^\/[\x21-\x3a\x3c-\x7e]*$/.test(attributes.path))
      throw new TypeError('Not a cookie path');
    cookie += `; Path=${attributes.path}`;
  }
  if (attributes.secure) cookie += '; Secure';
  if (attributes.httpOnly) cookie += '; HttpOnly';
  if (attributes.sameSite) cookie += `; SameSite=${attributes.sameSite}`;
  return cookie;
}

/**
 * `name` with the `__Host-` prefix when the cookie is `Secure`, for `Path=/` and without
 * `Domain`, as the prefix requires (RFC 6265bis, 4.1.3.2). A browser then stores a cookie of that
 * name only from this very host over HTTPS, so no sibling subdomain (nor a plain-http page) can
 * plant one: no session fixation, no CSRF token chosen by someone else.
 */
export function hostPrefixed(name: string, cookie: { secure: boolean; domain?: string }): string {
  return cookie.secure && !cookie.domain ? `__Host-${name}` : name;
}
