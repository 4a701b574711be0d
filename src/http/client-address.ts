import proxyaddr from 'proxy-addr';

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

/** A request header as frameworks hand it over: repeated headers come as an array, joined here. */
export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : value.join(', ');
}
