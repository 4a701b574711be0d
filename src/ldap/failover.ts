import type { ServerAddress } from './urls.js';

/** How long a server that failed is tried only after the others. */
export const FAILED_SERVER_COOL_DOWN_MS = 30_000;

/**
 * The configured servers, in the order a new connection should try them: the list order, except
 * that a server that failed in the last {@link FAILED_SERVER_COOL_DOWN_MS} comes after those that
 * did not. A failed server is never skipped altogether (it is the last resort, so a directory that
 * restarts is found again at once), and once its cool-down is over it is first again: the service
 * returns to the first URL, as OpenLDAP's `-H` list would have it, without hammering a dead one.
 */
export class ServerList {
  readonly #servers: readonly ServerAddress[];
  readonly #failedAt = new Map<ServerAddress, number>();
  readonly #now: () => number;

  constructor(servers: readonly ServerAddress[], now: () => number = () => performance.now()) {
    if (servers.length === 0) throw new Error('at least one directory server is needed');
    this.#servers = servers;
    this.#now = now;
  }

  get servers(): readonly ServerAddress[] {
    return this.#servers;
  }

  /** Every server once, the healthy ones first. */
  order(): ServerAddress[] {
    const cooling = (server: ServerAddress) => this.cooling(server);
    return [
      ...this.#servers.filter((server) => !cooling(server)),
      ...this.#servers.filter(cooling),
    ];
  }

  /** The server could not be reached, did not answer in time, or dropped an operation. */
  failed(server: ServerAddress): void {
    this.#failedAt.set(server, this.#now());
  }

  /** A connection to the server was established. */
  succeeded(server: ServerAddress): void {
    this.#failedAt.delete(server);
  }

  /** True when another server than `server` is not cooling down, i.e. worth trying now. */
  hasAlternative(server: ServerAddress): boolean {
    return this.#servers.some((other) => other !== server && !this.cooling(other));
  }

  /** True while `server` is cooling down after a failure. */
  cooling(server: ServerAddress): boolean {
    const at = this.#failedAt.get(server);
    if (at === undefined) return false;
    if (this.#now() - at < FAILED_SERVER_COOL_DOWN_MS) return true;
    this.#failedAt.delete(server);
    return false;
  }
}
