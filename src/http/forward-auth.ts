import type { AuthenticatedUser } from '../core/types.js';
import type { HttpAnswer } from './answers.js';
import type { Requirements } from './requirements.js';

/** Printable ASCII but `%`: what passes into a header value as it is. */
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

/**
 * A header value any proxy and any upstream can carry: printable ASCII as it is, anything else
 * (non-ASCII letters, control characters, `%`) percent-encoded as UTF-8, so a name such as
 * `Józef` arrives as `J%C3%B3zef` and no value can ever break the header block.
 */
export function encodeHeaderValue(text: string): string {
  if (PLAIN.test(text)) return text;
  let encoded = '';
  for (const char of text) {
    if (PLAIN.test(char)) encoded += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The forward-auth answer for an admitted request (nginx `auth_request`, Traefik `forwardAuth`,
 * Caddy `forward_auth`): 200, empty, with who the user is in headers the proxy copies upstream.
 * Every header is sent on every 200, empty when the token lacks its claim: `X-Auth-Groups`
 * (comma-separated), `X-Auth-Email` and `X-Auth-Name` (single-valued). A proxy then replaces
 * whatever a client sent under those names, and Caddy before 2.9 (issue 6610) never copies its
 * literal placeholder `{http.reverse_proxy.header.X-Auth-Groups}` for a missing one.
 */
export function forwardAuthAnswer(user: AuthenticatedUser): HttpAnswer {
  const email = (user.claims as { email?: unknown }).email;
  const name = user.claims.name;
  const headers: Record<string, string> = {
    'X-Auth-User': encodeHeaderValue(user.username),
    'X-Auth-Groups': user.groups
      .map((group) => encodeHeaderValue(group).replaceAll(',', '%2C'))
      .join(','),
    'X-Auth-Email': typeof email === 'string' ? encodeHeaderValue(email) : '',
    'X-Auth-Name': typeof name === 'string' ? encodeHeaderValue(name) : '',
    'Cache-Control': 'no-store',
  };
  return { status: 200, headers, body: '' };
}

/**
 * The forward-auth endpoint's requirements: `?groups=a,b` (any of them admits) and
 * `?all_groups=a,b` (all of them are needed), each also repeatable. Absent or empty: no
 * requirement beyond a valid token.
 */
export function parseRequirements(query: string): Requirements | undefined {
  if (!query.includes('groups=')) return undefined;
  const params = new URLSearchParams(query);
  const list = (name: string) =>
    params
      .getAll(name)
      .flatMap((value) => value.split(','))
      .map((group) => group.trim())
      .filter(Boolean);
  const groups = list('groups');
  const allGroups = list('all_groups');
  if (groups.length === 0 && allGroups.length === 0) return undefined;
  return {
    ...(groups.length > 0 ? { groups } : {}),
    ...(allGroups.length > 0 ? { allGroups } : {}),
  };
}

/** What forward auth needs to know to send a browser to the sign-in page. */
export interface ForwardedRequest {
  accept?: string | undefined;
  /** nginx: `proxy_set_header X-Original-URL $scheme://$http_host$request_uri`. */
  originalUrl?: string | undefined;
  /** Traefik and Caddy send these three. */
  forwardedProto?: string | undefined;
  forwardedHost?: string | undefined;
  forwardedUri?: string | undefined;
}

/** A browser navigating, rather than an API client: it asks for HTML by name (not `*\/*`). */
export function isBrowser(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/html\b/i.test(accept);
}

/**
 * The URL the browser asked the proxy for: `X-Original-URL` (nginx), else
 * `X-Forwarded-Proto` + `X-Forwarded-Host` + `X-Forwarded-Uri` (Traefik, Caddy). These are
 * believed from whoever sends them: at worst a client names its own return URL, which the
 * sign-in page follows only to an allowed host.
 */
export function originalUrl(request: ForwardedRequest): string | undefined {
  if (request.originalUrl) return request.originalUrl;
  const { forwardedProto, forwardedHost, forwardedUri } = request;
  if (!forwardedHost) return forwardedUri?.startsWith('/') ? forwardedUri : undefined;
  const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https' ? 'https' : 'http';
  const host = forwardedHost.split(',')[0]?.trim();
  return `${proto}://${host}${forwardedUri?.startsWith('/') ? forwardedUri : '/'}`;
}

/** The sign-in page's URL, with the (already checked) return URL in `rd`. */
export function signInUrl(loginUrl: string, rd: string | undefined): string {
  if (!rd) return loginUrl;
  return `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}rd=${encodeURIComponent(rd)}`;
}

/**
 * A browser without a valid session, at `{mount}/verify`: `302` to the sign-in page (Traefik
 * and Caddy pass it to the browser), or with `?browser=401`, a `401` whose `Location` is the
 * sign-in page, for nginx's `auth_request`, which takes any status but 2xx, 401 and 403 as an
 * error. Neither carries `WWW-Authenticate`, so no browser pops up a Basic prompt.
 */
export function signInAnswer(location: string, status: 302 | 401): HttpAnswer {
  const headers = { Location: location, 'Cache-Control': 'no-store' };
  if (status === 302) return { status, headers, body: '' };
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      error: 'unauthorized',
      message: 'Please authenticate with a valid token',
      status: 401,
    }),
  };
}
