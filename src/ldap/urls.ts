import { BlockList, isIP } from 'node:net';

/** One directory server of the configured list, parsed once at start-up. */
export interface ServerAddress {
  /** The URL as configured, for log lines. */
  readonly url: string;
  /** `ldaps://`: TLS from the first byte. */
  readonly secure: boolean;
  /** Host name or IP address, without the brackets of an IPv6 literal. */
  readonly host: string;
  readonly port: number;
}

/**
 * Splits a server list the way OpenLDAP's `ldap -H` and `ldap.conf`'s `URI` do: URLs separated by
 * white space. An array is taken as it is (each item may itself be such a list).
 */
export function splitServerList(value: string | readonly string[]): string[] {
  const items = typeof value === 'string' ? [value] : value;
  return items.flatMap((item) => item.split(/\s+/)).filter(Boolean);
}

/**
 * Parses `ldap://host[:port][/]` or `ldaps://host[:port][/]` (scheme case-insensitive).
 * @throws {Error} saying what is wrong with the URL; the caller turns it into a configuration error.
 */
export function parseServerUrl(url: string): ServerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL; expected ldap://host:port or ldaps://host:port`);
  }
  const scheme = parsed.protocol.toLowerCase();
  if (scheme !== 'ldap:' && scheme !== 'ldaps:') {
    throw new Error(`"${url}" must start with ldap:// or ldaps://`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (!host) throw new Error(`"${url}" names no host`);
  // A DN, attributes or a filter in the URL (RFC 4516) would be silently ignored: refuse them.
  if ((parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash) {
    throw new Error(`"${url}" must be only scheme, host and port (no DN or query)`);
  }
  if (parsed.username || parsed.password) {
    throw new Error(`"${url}" must not carry credentials; use the service account options`);
  }
  const secure = scheme === 'ldaps:';
  return { url, secure, host, port: parsed.port ? Number(parsed.port) : secure ? 636 : 389 };
}

/**
 * True for addresses whose traffic never leaves the machine: `localhost`, 127.0.0.0/8 and `::1`.
 * Only literal names count; a DNS name that happens to resolve to loopback does not.
 */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const family = isIP(name);
  // BlockList also matches IPv4-mapped IPv6 forms such as ::ffff:127.0.0.1.
  return family !== 0 && LOOPBACK.check(name, family === 6 ? 'ipv6' : 'ipv4');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
