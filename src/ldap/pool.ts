import type { Client } from 'ldapts';
import type { PoolStats } from '../shared/events.js';
import type { Connection } from './connection.js';
import type { Connector } from './connector.js';
import {
  ConnectionLostError,
  closedAtOnce,
  isAnswer,
  isTimeout,
  PoolClosedError,
  PoolTimeoutError,
} from './failures.js';
import type { ServerAddress } from './urls.js';
import { WaitQueue } from './wait-queue.js';

export interface PoolOptions {
  /** Connections open at most. */
  size: number;
  /** How long a caller waits for a free connection before the directory counts as unavailable. */
  queueTimeoutMs: number;
  /** A connection unused for this long is closed (servers and firewalls drop idle ones). */
  idleTimeoutMs: number;
  connector: Connector;
  /** Brings a new connection into the state the pool lends out, e.g. bound as the service account. */
  prepare?: (client: Client) => Promise<void>;
  /**
   * Brings a connection back to a neutral state after a successful operation (e.g. back to
   * anonymous); when it fails, the connection is closed instead. See {@link RESET_DELAY_MS} for
   * when it runs. The directory's bind pool needs none (see directory-pools.ts).
   */
  reset?: (client: Client) => Promise<void>;
  /** Told when an operation lost its connection (or timed out) and is tried again elsewhere. */
  onRetry?: (server: ServerAddress, error: unknown) => void;
}

/**
 * With `reset`, when the pool is quiet a connection is reset before the operation's promise
 * resolves, so it never rests in the pool unreset. Under load the reset would double the round
 * trips of every login for nothing, since the next operation on the connection is itself a bind,
 * which replaces the identity first (RFC 4511, 4.2.1): a connection wanted by a waiting caller
 * goes straight to it, and one released while other operations run rests at most this long
 * before it is reset, unless a caller takes it first.
 */
export const RESET_DELAY_MS = 100;

/**
 * A bounded set of LDAP connections for one purpose (searching, or checking user passwords).
 * At most `size` connections exist at once; further callers queue in arrival order, for at most
 * `queueTimeoutMs`. A connection is used until it fails below the LDAP layer (socket closed or
 * reset, timeout) and is then closed, never reconnected in place; an LDAP result such as "invalid
 * credentials" leaves it usable. An operation that lost its connection is retried once on a new
 * one, which is how a dropped connection or a failed-over server goes unnoticed by callers.
 */
export class ConnectionPool {
  readonly #options: PoolOptions;
  /** Idle connections, most recently used last: reused first, so the others age out. */
  readonly #idle: Connection[] = [];
  readonly #waiters: WaitQueue<Connection>;
  readonly #closing = new Set<Promise<void>>();
  readonly #sweeper: NodeJS.Timeout;
  #drained: (() => void)[] = [];
  #resetTimer: NodeJS.Timeout | undefined;
  /** Operations started so far: tells whether others ran at the same time as one of them. */
  #started = 0;
  /** Open, or being opened. */
  #open = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#waiters = new WaitQueue(
      options.queueTimeoutMs,
      () =>
        new PoolTimeoutError(
          `No directory connection became free within ${options.queueTimeoutMs} ms`,
        ),
    );
    const every = Math.max(50, Math.min(options.idleTimeoutMs / 2, 30_000));
    this.#sweeper = setInterval(() => this.#sweep(), every).unref();
  }

  get stats(): PoolStats {
    return { open: this.#open, busy: this.#open - this.#idle.length };
  }

  /** Runs `operation` on a pooled connection and gives the connection back afterwards. */
  async use<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    const servers = this.#options.connector.servers;
    for (let attempt = 1; ; attempt++) {
      const connection = await this.#acquire();
      const mine = ++this.#started;
      connection.needsReset = false;
      let result: T;
      try {
        if (!connection.prepared) {
          if (this.#options.prepare) {
            if (!connection.alive) throw new ConnectionLostError('The connection closed');
            await this.#options.prepare(connection.client);
            connection.served = true;
          }
          connection.prepared = true;
        }
        if (!connection.alive) throw new ConnectionLostError('The connection closed');
        result = await operation(connection.client);
        connection.served = true;
      } catch (caught) {
        if (isAnswer(caught)) {
          connection.served = true;
          this.#release(connection);
          throw caught;
        }
        const error = connection.served ? caught : closedAtOnce(connection, caught);
        servers.failed(connection.server);
        // Its other idle connections to that server are suspect too: not for the retry.
        for (const idle of this.#idle.filter((other) => other.server === connection.server)) {
          this.#discard(idle);
        }
        const hung = isTimeout(error);
        const elsewhere = servers.hasAlternative(connection.server);
        // A lost connection is worth one more try; a hung server only if another can be asked.
        const retry = attempt === 1 && (!hung || elsewhere);
        // Everyone queued would wait for the same silence: answer them now, before the place
        // this connection frees goes to one of them.
        if (hung && !elsewhere) this.#waiters.failAll(error);
        this.#discard(connection);
        if (retry) {
          this.#options.onRetry?.(connection.server, error);
          continue;
        }
        throw error;
      }
      if (!this.#options.reset || this.#waiters.length > 0) {
        this.#release(connection);
      } else if (this.#started !== mine || this.stats.busy > 1) {
        connection.needsReset = true;
        this.#release(connection);
        this.#resetLater();
      } else {
        await this.#reset(connection);
      }
      return result;
    }
  }

  /** Closes every connection: idle ones now, busy ones as they are given back. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#sweeper);
      clearTimeout(this.#resetTimer);
      this.#waiters.failAll(new PoolClosedError('The connection pool is closed'));
      for (const connection of [...this.#idle]) this.#discard(connection);
    }
    if (this.#open > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    await Promise.all(this.#closing);
  }

  #acquire(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new PoolClosedError('The connection pool is closed'));
    const now = performance.now();
    for (let idle = this.#idle.pop(); idle; idle = this.#idle.pop()) {
      if (idle.alive && now - idle.lastUsed < this.#options.idleTimeoutMs && !this.#left(idle)) {
        return Promise.resolve(idle);
      }
      this.#discard(idle);
    }
    if (this.#open < this.#options.size) return this.#openNew();
    return this.#waiters.wait();
  }

  async #openNew(): Promise<Connection> {
    this.#open++;
    let connection: Connection;
    try {
      connection = await this.#options.connector.open();
    } catch (error) {
      this.#open--;
      this.#settle();
      // Every server was just tried: those queued would only fail the same way, later.
      this.#waiters.failAll(error);
      throw error;
    }
    connection.onDeath(() => {
      const index = this.#idle.indexOf(connection);
      if (index >= 0) this.#discard(connection);
    });
    if (this.#closed) {
      this.#discard(connection);
      throw new PoolClosedError('The connection pool is closed');
    }
    return connection;
  }

  async #reset(connection: Connection): Promise<void> {
    if (this.#options.reset && connection.alive && !this.#closed) {
      try {
        await this.#options.reset(connection.client);
      } catch {
        this.#discard(connection);
        return;
      }
    }
    this.#release(connection);
  }

  #release(connection: Connection): void {
    connection.lastUsed = performance.now();
    if (this.#closed || !connection.alive || this.#left(connection)) {
      this.#discard(connection);
      return;
    }
    const waiter = this.#waiters.take();
    if (waiter) waiter.resolve(connection);
    else this.#idle.push(connection);
  }

  /**
   * True for a connection to a server that failed while another one is available: the pool moves
   * away from it instead of reusing what it still has open there.
   */
  #left(connection: Connection): boolean {
    const servers = this.#options.connector.servers;
    return servers.cooling(connection.server) && servers.hasAlternative(connection.server);
  }

  /** Closes `connection` and frees its place, for the next waiter if there is one. */
  #discard(connection: Connection): void {
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
    this.#open--;
    const closing = connection.close();
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
    const waiter = this.#closed ? undefined : this.#waiters.take();
    if (waiter) this.#openNew().then(waiter.resolve, waiter.reject);
    this.#settle();
  }

  /** Resets the connections that have rested {@link RESET_DELAY_MS} since they were released. */
  #resetLater(delay = RESET_DELAY_MS): void {
    if (this.#resetTimer) return;
    this.#resetTimer = setTimeout(() => {
      this.#resetTimer = undefined;
      // Timers may fire a little before performance.now() says the delay is over.
      const now = performance.now() + 2;
      let next = Number.POSITIVE_INFINITY;
      for (const connection of [...this.#idle]) {
        if (!connection.needsReset) continue;
        const due = connection.lastUsed + RESET_DELAY_MS;
        if (due > now) {
          next = Math.min(next, due - now);
          continue;
        }
        this.#idle.splice(this.#idle.indexOf(connection), 1);
        connection.needsReset = false;
        void this.#reset(connection);
      }
      if (next < Number.POSITIVE_INFINITY) this.#resetLater(Math.ceil(next) + 2);
    }, delay).unref();
  }

  /** Wakes `close()` once the last connection is gone. */
  #settle(): void {
    if (this.#open > 0) return;
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  #sweep(): void {
    const now = performance.now();
    for (const connection of [...this.#idle]) {
      if (!connection.alive || now - connection.lastUsed >= this.#options.idleTimeoutMs) {
        this.#discard(connection);
      }
    }
  }
}
