// CSRF protection of the sign-in and sign-out forms, two independent checks:
// - the request's Origin (else Referer) names this service's own host or an allowed host;
// - a double-submit token: a random value in a cookie the page sets, repeated in a hidden field,
//   compared in constant time. With Secure cookies the cookie is `__Host-`-prefixed, which a
//   sibling subdomain cannot set (RFC 6265bis), so it cannot be planted from there.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import { cookieValues, hostPrefixed } from './cookies.js';
import type { AllowedHosts } from './redirects.js';

/** The hidden form field that carries the token. */
export const CSRF_FIELD = 'csrf';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The CSRF cookie's name: `__Host-` needs `Secure`, so plain-http development goes without it. */
export function csrfCookieName(cookieName: string, secure: boolean): string {
  return hostPrefixed(`${cookieName}_csrf`, { secure });
}

/** A fresh token: 32 random bytes, base64url (43 characters). */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether `token` has the shape of one of ours (not whether it is the right one). */
export function isCsrfToken(token: string | undefined): token is string {
  return token !== undefined && TOKEN.test(token);
}

/**
 * Whether the form's token equals one of the cookie's values, in constant time (both are hashed
 * first, so lengths leak nothing either).
 */
export function csrfTokensMatch(field: string | undefined, cookies: readonly string[]): boolean {
  if (!isCsrfToken(field)) return false;
  const expected = digest(field);
  let match = false;
  for (const cookie of cookies) {
    if (timingSafeEqual(digest(cookie), expected)) match = true;
  }
  return match;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Whether the request was sent from a page of this service (or of an allowed host): its `Origin`,
 * or without one its `Referer`, must name the `Host` the request was sent to (an https request:
 * from an https page), or an allowed host.
 * `Origin: null` (sandboxed frames, some redirects) is refused. A request with neither header
 * (old browsers, privacy tools stripping `Referer`) passes this check; the double-submit token
 * still protects it.
 */
export function sameSiteRequest(
  headers: {
    origin?: string | undefined;
    referer?: string | undefined;
    host?: string | undefined;
    protocol?: 'http' | 'https' | undefined;
  },
  allowed: AllowedHosts,
): boolean {
  const source = headers.origin ?? headers.referer;
  if (source === undefined) return true;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  // A form sent over https (behind a trusted proxy, as the proxy says) must come from an https
  // page: `http://app` can be written by anyone on the network path. The other way round is no
  // risk, and happens behind a TLS proxy that does not say so.
  const sameScheme = !(headers.protocol === 'https' && url.protocol === 'http:');
  if (headers.host && sameScheme && url.host === hostAsUrlHas(url.protocol, headers.host)) {
    return true;
  }
  return allowed.allows(url);
}

/**
 * A Host header as `new URL` would spell it under `protocol`: lower case, IPv6 compressed, the
 * protocol's default port dropped (`Host: app:443` is `https://app`'s host).
 */
function hostAsUrlHas(protocol: string, host: string): string | undefined {
  // A Host header is a host and a port, nothing a URL would read as a path, query or user.
  if (!/^[^\s/?#@\\]+$/.test(host)) return undefined;
  try {
    return new URL(`${protocol}//${host}`).host;
  } catch {
    return undefined;
  }
}

/** What the CSRF checks read of a form post. */
export interface FormSource {
  origin?: string | undefined;
  referer?: string | undefined;
  host?: string | undefined;
  protocol?: 'http' | 'https' | undefined;
  cookie?: string | undefined;
}

/**
 * Both CSRF checks of a form post: the Origin (or Referer), and the double-submit token `field`.
 * A refusal is logged (at `warn`, with the Origin and Host, never the token): a proxy that
 * rewrites `Host` makes every sign-in fail this way, and the log is where an operator finds out.
 */
export function formFromThisSite(
  request: FormSource,
  field: string | undefined,
  site: { allowed: AllowedHosts; cookieName: string; logger: Logger },
): boolean {
  const origin = sameSiteRequest(request, site.allowed);
  const token = origin && csrfTokensMatch(field, cookieValues(request.cookie, site.cookieName));
  if (!token) {
    site.logger.warn(
      {
        event: 'csrf_refused',
        check: origin ? 'token' : 'origin',
        origin: sourceOrigin(request),
        host: request.host?.slice(0, 200),
      },
      origin
        ? 'A sign-in form was refused: its CSRF token does not match the cookie (an old page, cookies off, or a forged post)'
        : 'A sign-in form was refused: it came from another site than the Host it was posted to (a forged post, or a proxy that rewrites Host)',
    );
  }
  return token;
}

/**
 * The page a refused form came from, for the log: `Origin`, else only the origin of `Referer`,
 * whose path and query string may carry anything (a reset code, a session id of another site).
 */
function sourceOrigin(request: FormSource): string | undefined {
  if (request.origin !== undefined) return request.origin.slice(0, 200);
  if (request.referer === undefined) return undefined;
  try {
    return new URL(request.referer).origin.slice(0, 200);
  } catch {
    return '[not a URL]';
  }
}
