// The hosts browser sign-in may send a browser back to (`browser.allowedRedirectHosts`), read
// once, as configuration is validated and again where they are matched (src/http/redirects.ts),
// the same way `new URL` reads the host of the URLs they are compared with.

/** An allowed redirect host, read: see {@link parseAllowedHost}. */
export interface AllowedHost {
  /** `.example.org`: the domain and every subdomain. */
  readonly domain: boolean;
  /** As `new URL` spells it: lower case, IPv4 in dotted decimal, IPv6 compressed in brackets. */
  readonly hostname: string;
  /** The port as digits without leading zeros, when one was given. */
  readonly port?: string;
}

/**
 * An allowed redirect host (`host`, `host:port`, `[v6]:port`, `.domain`) spelt as `new URL`
 * spells a URL's host, so that it compares equal to the hosts of real URLs: `App.Example.org`,
 * `[0:0::1]` and `0x7f.1` are `app.example.org`, `[::1]` and `127.0.0.1`. A port is kept even
 * when it is a scheme's default (`:443` allows https only, on 443). `undefined` when no URL can
 * have it as its host (`[::::]`, port 99999).
 */
export function parseAllowedHost(entry: string): AllowedHost | undefined {
  const domain = entry.startsWith('.');
  const [, host = '', port] = /^(.*?)(?::(\d{1,5}))?$/.exec(domain ? entry.slice(1) : entry) ?? [];
  if (!host || (port !== undefined && Number(port) > 65535)) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${host}/`);
  } catch {
    return undefined;
  }
  if (url.host !== url.hostname || url.pathname !== '/' || url.username) return undefined;
  return { domain, hostname: url.hostname, ...(port ? { port: String(Number(port)) } : {}) };
}

/** {@link parseAllowedHost}, written back as configured: `[.]hostname[:port]`. */
export function canonicalAllowedHost(entry: string): string {
  const host = parseAllowedHost(entry);
  if (!host) return entry.toLowerCase();
  return `${host.domain ? '.' : ''}${host.hostname}${host.port ? `:${host.port}` : ''}`;
}
