import type { Logger } from '../shared/logger.js';
import { Connection, type ConnectionTimeouts } from './connection.js';
import { ServerList } from './failover.js';
import { type TlsSettings, tlsFailure } from './tls.js';
import type { ServerAddress } from './urls.js';

/** No server of the list could be connected to; `failures` says why, server by server. */
export class NoServerError extends Error {
  override readonly name = 'NoServerError';
  readonly failures: readonly { url: string; reason: string }[];

  constructor(failures: { url: string; reason: string }[], cause: unknown) {
    super(
      `No directory server could be reached: ${failures.map((f) => `${f.url}: ${f.reason}`).join('; ')}`,
      { cause },
    );
    this.failures = failures;
  }
}

/**
 * Opens connections to the first server of the list that answers (failover), and remembers which
 * servers failed so that the next connections try the others first (see {@link ServerList}).
 * Shared by the search and the bind pool: a server that fails one fails both.
 */
export class Connector {
  readonly servers: ServerList;
  readonly #tls: TlsSettings;
  readonly #timeouts: ConnectionTimeouts;
  readonly #logger: Logger;
  #opened = 0;

  constructor(
    servers: readonly ServerAddress[],
    tls: TlsSettings,
    timeouts: ConnectionTimeouts,
    logger: Logger,
  ) {
    this.servers = new ServerList(servers);
    this.#tls = tls;
    this.#timeouts = timeouts;
    this.#logger = logger;
  }

  /** Connections opened so far, by either pool. */
  get opened(): number {
    return this.#opened;
  }

  /**
   * A new connection, TLS-protected as configured, to the first server that accepts it.
   * @throws {NoServerError} when every server failed.
   */
  async open(): Promise<Connection> {
    const failures: { url: string; reason: string }[] = [];
    let last: unknown;
    const order = this.servers.order();
    for (const [index, server] of order.entries()) {
      try {
        const connection = await Connection.open(server, this.#tls, this.#timeouts);
        this.servers.succeeded(server);
        this.#opened++;
        return connection;
      } catch (error) {
        last = error;
        this.servers.failed(server);
        const tls = tlsFailure(error);
        const reason = tls?.reason ?? (error instanceof Error ? error.message : String(error));
        failures.push({ url: server.url, reason });
        const next = order[index + 1];
        // A certificate we do not trust is a configuration problem worth an error of its own.
        this.#logger[tls ? 'error' : 'warn'](
          {
            event:
              tls?.kind === 'certificate' ? 'tls_verification_failed' : 'directory_connect_failed',
            url: server.url,
            reason,
            ...(next ? { next: next.url } : {}),
          },
          tls?.kind === 'certificate'
            ? `Refusing ${server.url}: ${reason}; set LDAP_TLS_CA_FILE to the CA that signed its certificate`
            : `Could not connect to ${server.url}: ${reason}${next ? `; trying ${next.url}` : ''}`,
        );
      }
    }
    throw new NoServerError(failures, last);
  }
}
