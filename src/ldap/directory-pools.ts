// The directory's two connection pools over one Connector (failover, TLS): searches on
// connections bound as the service account (or anonymous), user binds on connections of their
// own that carry nothing but binds.
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
  // No reset to anonymous after a user's bind: a bind connection rests bound as the last person
  // who logged in, and that identity is never used. Only Directory.authenticate borrows from this
  // pool, and only to bind (test/interop/bind-connection-use.test.ts watches the wire for it);
  // the next operation on the connection is therefore another bind, which replaces the previous
  // identity, and a failed one leaves the connection anonymous (RFC 4511, 4.2.1), so nobody's
  // rights outlive the login that proved them. Resetting cost a round trip per login for nothing.
  const binds = new ConnectionPool(common);
  return { searches, binds };
}
