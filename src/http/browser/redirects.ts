// The return URL (`rd`) after a sign-in or sign-out: where a browser may be sent without making
// the sign-in page an open redirect. Browsers resolve URLs leniently (WHATWG URL): a backslash is
// a slash, tabs and newlines vanish, `//host` and `https:host` leave the site. So the raw text is
// held to a strict shape first, then parsed the way a browser will, and the host checked.
import { type AllowedHost, parseAllowedHost } from '../../options/allowed-hosts.js';

/** The longest return URL kept; real ones are far shorter, and it travels in a query string. */
const MAX_LENGTH = 2048;
/** Only visible ASCII: no spaces, controls (tab, CR, LF vanish in browsers) or backslashes. */
const PLAIN = /^[\x21-\x5b\x5d-\x7e]+$/;
/** The base relative paths are resolved against to check they stay on the same host. */
const PROBE = 'https://same-host.invalid';

/**
 * Hosts a browser may be sent to, as configured: `app.example.org` (any port),
 * `app.example.org:8443` (that port only; `:443` means `https://app.example.org/` too), or
 * `.example.org` (that domain and every subdomain). Entries are read as `new URL` reads hosts
 * (see `parseAllowedHost`), so `App.Example.org` or `[0:0::1]` match the URLs they name.
 * @throws {TypeError} an entry no URL can have as its host (configuration refuses these first).
 */
export class AllowedHosts {
  readonly #hosts: AllowedHost[] = [];

  constructor(hosts: readonly string[]) {
    for (const entry of hosts) {
      const host = parseAllowedHost(entry);
      if (!host) throw new TypeError(`Not an allowed host: ${entry}`);
      this.#hosts.push(host);
    }
  }

  /** Whether `url`'s host (and port, where the entry names one) is allowed. */
  allows(url: URL): boolean {
    const { hostname } = url;
    const port = url.port || DEFAULT_PORTS[url.protocol];
    return this.#hosts.some(
      (host) =>
        (host.port === undefined || host.port === port) &&
        (hostname === host.hostname || (host.domain && hostname.endsWith(`.${host.hostname}`))),
    );
  }
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** `%2F` or `%5C` (any case): a slash or backslash once some server on the way decodes the path. */
const ENCODED_SEPARATOR = /%2f|%5c/i;

/**
 * `rd` as it may be followed, or `undefined` when it must not be:
 * - a path on this host: `/app/?x=1` (not `//host`, not `/\host`, nor `/.//host` or anything
 *   else whose path, dot segments removed, starts with `//`);
 * - an absolute `http:` or `https:` URL without user information (`https://a@b/`), whose host is
 *   in `allowed`.
 * Anything else (other schemes such as `javascript:`, `https:host`, backslashes, controls,
 * white space, more than 2048 characters) is refused. So is a path holding an encoded slash or
 * backslash (`/%2F%2Fevil.example`, `/%2e/%2fevil.example`), and a URL that, percent-decoded once
 * or twice, would break these rules (`/%09/evil.example`): a backend or proxy that decodes the
 * path before it answers `Location` would otherwise send the browser to `//evil.example`. The URL
 * is returned as given, since it is exactly what was checked.
 */
export function safeRedirect(rd: string | undefined, allowed: AllowedHosts): string | undefined {
  if (!rd || rd.length > MAX_LENGTH || !PLAIN.test(rd) || !followable(rd, allowed)) {
    return undefined;
  }
  // What a server on the way that decodes once, or a proxy and then a server, would hold.
  const path = rd.split(/[?#]/, 1)[0]!;
  const once = percentDecoded(rd);
  const twice = percentDecoded(once);
  const safe =
    followable(once, allowed) &&
    followable(twice, allowed) &&
    !hasControlOrBackslash(percentDecoded(path)) &&
    !hasControlOrBackslash(percentDecoded(percentDecoded(path)));
  return safe ? rd : undefined;
}

/** The rules of {@link safeRedirect} for one spelling of the URL, all but the character set. */
function followable(rd: string, allowed: AllowedHosts): boolean {
  if (rd.startsWith('/')) {
    if (rd.startsWith('//')) return false;
    // Resolved as a browser would, it must stay on the same host.
    const resolved = parse(rd, PROBE);
    return resolved?.origin === PROBE && safePath(resolved);
  }
  // An absolute URL must spell out `scheme://` itself: `https:evil` is relative to the page's
  // scheme for a browser, and hosts anywhere.
  if (!/^https?:\/\/[^/]/i.test(rd)) return false;
  const url = parse(rd);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  // `https://app.example.org@evil.example/`: the host is evil.example. Refused even when the
  // host would be allowed, since nobody means to send a browser anywhere with a user name.
  const authority = rd.slice(rd.indexOf('//') + 2).split(/[/?#]/, 1)[0] ?? '';
  if (url.username || url.password || authority.includes('@')) return false;
  return allowed.allows(url) && safePath(url);
}

/**
 * Whether the path, once dot segments are removed, neither starts with `//` nor holds an encoded
 * separator: `/.//evil.example` or `/a/..//evil.example` stay on this host for a browser, but any
 * server or proxy on the way that normalises paths turns them into `//evil.example`, which as a
 * `Location` leaves the site; `/%2e/%2fevil.example` becomes `/%2fevil.example` here, and
 * `//evil.example` for one that also decodes.
 */
function safePath(url: URL): boolean {
  return !url.pathname.startsWith('//') && !ENCODED_SEPARATOR.test(url.pathname);
}

/**
 * Whether a decoded path holds a control character (a browser drops tab, CR and LF, joining the
 * slashes around them: `/%09/evil.example`) or a backslash (a slash to a browser).
 */
function hasControlOrBackslash(path: string): boolean {
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

/**
 * Every `%XX` replaced by the character of that code (bytes above 0x7f as Latin-1): never throws,
 * unlike `decodeURIComponent`, and only ASCII matters to the checks.
 */
function percentDecoded(text: string): string {
  return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** The origin of an absolute return URL (for CSP `form-action`), or `undefined` for a path. */
export function redirectOrigin(rd: string | undefined): string | undefined {
  if (!rd || rd.startsWith('/')) return undefined;
  return parse(rd)?.origin;
}

function parse(url: string, base?: string): URL | undefined {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
}
