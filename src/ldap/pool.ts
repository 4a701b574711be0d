import { Client, ResultCodeError } from 'ldapts';
import type { PoolStats } from '../events.js';

export interface PoolOptions {
  url: string;
  size: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  /**
   * Brings a freshly connected client into the state the pool hands out, e.g. bound as the
   * service account. Runs again whenever the connection had to be re-established.
   */
  prepare?: (client: Client) => Promise<void>;
}

interface Waiter {
  resolve: (client: Client) => void;
  reject: (error: unknown) => void;
}

/**
 * A bounded set of LDAP connections for one purpose (searching, or checking user passwords).
 * At most `size` connections exist at once; further callers queue in arrival order. A
 * connection that failed below the LDAP layer (socket error, timeout) is thrown away rather
 * than handed out again; an LDAP result such as "invalid credentials" leaves it usable.
 */
export class ConnectionPool {
  readonly #options: PoolOptions;
  readonly #idle: Client[] = [];
  readonly #waiters: Waiter[] = [];
  /** Clients that have been prepared on their current socket. */
  readonly #prepared = new WeakSet<Client>();
  #open = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  /** Connections open or being opened now, and how many are lent out. */
  get stats(): PoolStats {
    return { open: this.#open, busy: this.#open - this.#idle.length };
  }

  /** Runs `operation` on a pooled connection and gives the connection back afterwards. */
  async use<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.#acquire();
    let healthy = true;
    try {
      if (!client.isConnected || !this.#prepared.has(client)) {
        this.#prepared.delete(client);
        await this.#options.prepare?.(client);
        this.#prepared.add(client);
      }
      return await operation(client);
    } catch (error) {
      healthy = error instanceof ResultCodeError;
      throw error;
    } finally {
      this.#release(client, healthy);
    }
  }

  /** Closes every idle connection now, and every busy one as it is released. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new Error('The connection pool is closed'));
    }
    await Promise.all(this.#idle.splice(0).map((client) => this.#destroy(client)));
  }

  #acquire(): Promise<Client> {
    if (this.#closed) return Promise.reject(new Error('The connection pool is closed'));
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#open < this.#options.size) {
      this.#open++;
      return Promise.resolve(
        new Client({
          url: this.#options.url,
          timeout: this.#options.timeoutMs,
          connectTimeout: this.#options.connectTimeoutMs,
        }),
      );
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(client: Client, healthy: boolean): void {
    if (this.#closed || !healthy) {
      void this.#destroy(client);
      // A broken connection frees a place: let the next waiter open a new one.
      const waiter = this.#closed ? undefined : this.#waiters.shift();
      if (waiter) this.#acquire().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(client);
    else this.#idle.push(client);
  }

  async #destroy(client: Client): Promise<void> {
    this.#open--;
    this.#prepared.delete(client);
    try {
      await client.unbind();
    } catch {
      // The connection is being discarded; there is nobody to tell.
    }
  }
}
