import proxyaddr from 'proxy-addr';
import type { Auth } from '../core/types.js';
import { type OriginHeaders, type RequestOrigin, requestOrigin } from './forwarded.js';

/**
 * Decides which address a request comes from, for per-address login limits. `X-Forwarded-For`
 * is believed only as far as it was written by proxies on the trusted list (proxy-addr's rules,
 * as Express's `trust proxy`); by default no proxy is trusted and the socket's peer is the client.
 */
export class ClientAddress {
  readonly #trust: (address: string, hop: number) => boolean;

  /**
   * @param trustedProxies addresses or CIDR ranges, or proxy-addr's names `loopback`,
   *   `linklocal`, `uniquelocal`. Default: none.
   */
  constructor(trustedProxies: readonly string[] = []) {
    this.#trust = trustedProxies.length > 0 ? proxyaddr.compile([...trustedProxies]) : () => false;
  }

  /** Whether the socket's peer is one of the trusted proxies, whose forwarded headers count. */
  trusts(remoteAddress: string | undefined): boolean {
    return remoteAddress !== undefined && this.#trust(remoteAddress, 0);
  }

  of(remoteAddress: string | undefined, forwardedFor: string | undefined): string | undefined {
    if (!remoteAddress) return undefined;
    const request = {
      connection: { remoteAddress },
      socket: { remoteAddress },
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    };
    return proxyaddr(request as unknown as Parameters<typeof proxyaddr>[0], this.#trust);
  }
}

/** Where a request came from, as a server sees it: its peer, and what proxies say before that. */
export interface RequestPeer {
  /** The socket's peer address (`req.socket.remoteAddress`). */
  remoteAddress?: string | undefined;
  /** The `X-Forwarded-For` header, believed only as far as `trustedProxies` allow. */
  forwardedFor?: string | undefined;
}

/** Per Auth, how client addresses are read: its trusted proxies, compiled once. */
const readers = new WeakMap<Auth, ClientAddress>();

function readerOf(auth: Auth): ClientAddress {
  let reader = readers.get(auth);
  if (!reader) {
    reader = new ClientAddress(auth.options.trustedProxies);
    readers.set(auth, reader);
  }
  return reader;
}

/** The client's address behind the configured trusted proxies (none by default). */
export function clientAddressOf(auth: Auth, peer: RequestPeer): string | undefined {
  return readerOf(auth).of(peer.remoteAddress, peer.forwardedFor);
}

/**
 * The scheme and host the client used: the forwarded headers count only when the socket's peer
 * is on `trustedProxies` (see {@link requestOrigin}).
 */
export function requestOriginOf(
  auth: Auth,
  remoteAddress: string | undefined,
  headers: OriginHeaders,
): RequestOrigin {
  return requestOrigin(headers, readerOf(auth).trusts(remoteAddress));
}

/** A request header as frameworks hand it over: repeated headers come as an array, joined here. */
export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value.join(', ');
}
