// The directory's two connection pools over one Connector (failover, TLS): searches on
// connections bound as the service account (or anonymous), user binds on connections that go
// back to anonymous right after each successful bind, so none rests in a pool bound as a person.
import { type Client, ResultCodeError } from 'ldapts';
import type { Logger } from '../shared/logger.js';
import { Connector } from './connector.js';
import { ServiceAccountBindError } from './failures.js';
import { ConnectionPool } from './pool.js';
import type { DirectorySettings } from './settings.js';
import type { TimedOperation } from './timed-operation.js';
import type { ServerAddress } from './urls.js';

export interface DirectoryPools {
  searches: ConnectionPool;
  binds: ConnectionPool;
}

export function directoryPools(
  settings: DirectorySettings,
  logger: Logger,
  timed: TimedOperation,
): DirectoryPools {
  const connector = new Connector(
    settings.servers,
    settings.tls,
    { connectMs: settings.connectTimeoutMs, operationMs: settings.timeoutMs },
    logger,
  );
  const common = {
    size: settings.poolSize,
    // Long enough for a connection lent out to come back even from a server that hangs, so
    // that a caller queued behind it can go to the next server.
    queueTimeoutMs: settings.timeoutMs + settings.connectTimeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
    connector,
    onRetry: (server: ServerAddress, error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(
        { event: 'directory_connection_lost', url: server.url, reason },
        `Lost the connection to ${server.url} during an operation (${reason}); trying again on a new connection`,
      );
    },
  };
  const account = settings.serviceAccount;
  const searches = new ConnectionPool({
    ...common,
    prepare: account
      ? async (client) => {
          try {
            await timed('serviceBind', () => client.bind(account.dn, account.password));
          } catch (error) {
            throw new ServiceAccountBindError(error);
          }
        }
      : undefined,
  });
  const binds = new ConnectionPool({ ...common, reset: anonymousReset(logger) });
  return { searches, binds };
}

/**
 * Returns a bind connection to anonymous after a successful user bind, with an anonymous simple
 * bind (RFC 4513, 5.1.1): one round trip, no password check. A directory that refuses those
 * gets its bind connections closed instead (the pool discards a connection whose reset fails).
 */
function anonymousReset(logger: Logger): (client: Client) => Promise<void> {
  /** Set once the directory refuses anonymous binds: bind connections are closed instead. */
  let closeAfterBind = false;
  return async (client) => {
    if (closeAfterBind) throw new Error('closing bind connections after use');
    try {
      await client.bind('', '');
    } catch (error) {
      if (error instanceof ResultCodeError && !closeAfterBind) {
        closeAfterBind = true;
        logger.warn(
          { event: 'anonymous_bind_refused', resultCode: error.code },
          'The directory refuses anonymous binds, so connections that checked a password are ' +
            'closed after each login instead of being reused',
        );
      }
      throw error;
    }
  };
}
