// The scheme and host a client used, behind a TLS-terminating proxy: `X-Forwarded-Proto`,
// `X-Forwarded-Host` (nginx, Caddy, Traefik) and RFC 7239 `Forwarded` (proto=, host=). They are
// believed only from a peer on TRUSTED_PROXIES; from anyone else the socket's scheme and the
// `Host` header stand. Every URL the service builds (a 401's `Location`, the sign-in page's
// checks) starts from the answer, so behind a proxy they name the address clients use.

/** A host and optional port that may be repeated in a URL: a name or address, never a path. */
const PLAIN_HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Whether `host` is a plain `name[:port]`, `address[:port]` or `[v6][:port]`, nothing more, and
 * one a URL can have (`.0` or `[::x]` cannot).
 */
export function isPlainHost(host: string | undefined): host is string {
  if (host === undefined || host.length > 262 || !PLAIN_HOST.test(host)) return false;
  return URL.canParse(`http://${host}/`);
}

export type Scheme = 'http' | 'https';

/** The scheme and host a request was sent to, as the client wrote them. */
export interface RequestOrigin {
  protocol: Scheme;
  /** `undefined` when no plain host is known (no `Host`, or one with a path or user in it). */
  host: string | undefined;
}

/** What is read of a request to work out its origin, whatever the server. */
export interface OriginHeaders {
  /** The socket is TLS (`req.socket.encrypted`). */
  encrypted: boolean;
  host?: string | undefined;
  forwarded?: string | undefined;
  forwardedProto?: string | undefined;
  forwardedHost?: string | undefined;
}

/**
 * The request's origin. Only when `fromTrustedProxy`, the first value (the client-most proxy's)
 * of `X-Forwarded-Proto` / `X-Forwarded-Host`, else of `Forwarded`'s `proto=` / `host=`, replaces
 * the socket's scheme / the `Host` header; a value that is not `http`, `https` or a plain host is
 * ignored. `X-Forwarded-*` come first because nginx, Caddy and Traefik set those (and overwrite a
 * client's), while they pass a client's own `Forwarded` through untouched.
 */
export function requestOrigin(headers: OriginHeaders, fromTrustedProxy: boolean): RequestOrigin {
  let protocol: Scheme = headers.encrypted ? 'https' : 'http';
  let host = isPlainHost(headers.host) ? headers.host : undefined;
  if (!fromTrustedProxy) return { protocol, host };
  const forwarded = parseForwarded(headers.forwarded);
  protocol = forwardedProto(headers.forwardedProto) ?? forwarded?.proto ?? protocol;
  host = forwardedHost(headers.forwardedHost) ?? forwarded?.host ?? host;
  return { protocol, host };
}

/** `X-Forwarded-Proto`'s first value if it is `http` or `https` (any case), else `undefined`. */
export function forwardedProto(header: string | undefined): Scheme | undefined {
  return scheme(firstValue(header));
}

/** `X-Forwarded-Host`'s first value if it is a plain host, else `undefined`. */
export function forwardedHost(header: string | undefined): string | undefined {
  const host = firstValue(header);
  return isPlainHost(host) ? host : undefined;
}

function firstValue(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const comma = header.indexOf(',');
  return (comma < 0 ? header : header.slice(0, comma)).trim();
}

function scheme(value: string | undefined): Scheme | undefined {
  const lower = value?.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}

/** RFC 7230 `tchar`: what a token (a parameter name or an unquoted value) is made of. */
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
/** The longest header read: a real one is a few hundred bytes. */
const MAX_FORWARDED = 4096;

/**
 * RFC 7239 `Forwarded`: the first element's (the client-most proxy's) `proto` and `host`, each
 * only when valid (`http`/`https`; a plain host). A header that does not follow the grammar
 * (`element *("," element)`, `element = pair *(";" pair)`, `pair = token "=" (token /
 * quoted-string)`, a parameter at most once per element) is ignored as a whole: `undefined`.
 * Optional white space is allowed around `,` and `;`, as proxies write it.
 */
export function parseForwarded(
  header: string | undefined,
): { proto?: Scheme; host?: string } | undefined {
  if (header === undefined || header.length > MAX_FORWARDED) return undefined;
  const elements: Map<string, string>[] = [new Map()];
  let at = 0;
  const skipSpace = () => {
    while (header[at] === ' ' || header[at] === '\t') at++;
  };
  while (at < header.length) {
    skipSpace();
    const separator = header[at];
    if (separator === ',' || separator === ';') {
      if (separator === ',') elements.push(new Map());
      at++;
      continue;
    }
    if (at >= header.length) break;
    const nameStart = at;
    while (at < header.length && TCHAR.test(header[at] ?? '')) at++;
    const name = header.slice(nameStart, at).toLowerCase();
    if (!name || header[at] !== '=') return undefined;
    at++;
    let value: string;
    if (header[at] === '"') {
      const quoted = readQuoted(header, at);
      if (!quoted) return undefined;
      ({ value, at } = quoted);
    } else {
      const valueStart = at;
      while (at < header.length && TCHAR.test(header[at] ?? '')) at++;
      value = header.slice(valueStart, at);
      if (!value) return undefined;
    }
    const element = elements[elements.length - 1] as Map<string, string>;
    if (element.has(name)) return undefined;
    element.set(name, value);
    skipSpace();
    if (at < header.length && header[at] !== ',' && header[at] !== ';') return undefined;
  }
  const first = elements[0] as Map<string, string>;
  const proto = scheme(first.get('proto'));
  const host = first.get('host');
  return { ...(proto ? { proto } : {}), ...(isPlainHost(host) ? { host } : {}) };
}

/** A quoted-string starting at `start` (the opening quote): its unescaped text and the end. */
function readQuoted(header: string, start: number): { value: string; at: number } | undefined {
  let value = '';
  for (let at = start + 1; at < header.length; at++) {
    const char = header[at] as string;
    if (char === '"') return { value, at: at + 1 };
    if (char === '\\') {
      at++;
      if (at >= header.length) return undefined;
      value += header[at];
      continue;
    }
    // qdtext: visible ASCII, space and tab (obs-text is not needed for a proto or a host).
    if (!/[\t\x20-\x7e]/.test(char)) return undefined;
    value += char;
  }
  return undefined;
}
