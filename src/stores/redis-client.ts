import type { Cluster, Redis } from 'ioredis';
import { ConfigurationError } from '../errors.js';
import type { Logger } from '../shared/logger.js';

/** How to reach Redis: one server, a Sentinel-managed primary, or a Cluster. */
export interface RedisOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...` for one server. Env `REDIS_URL`. */
  url?: string;
  /** Sentinels as `host:port`, with the primary's name. Env `REDIS_SENTINELS`, `REDIS_SENTINEL_NAME`. */
  sentinels?: { hosts: string[]; name: string };
  /** Cluster nodes as `host:port`. Env `REDIS_CLUSTER_NODES`. */
  clusterNodes?: string[];
  /** Prefix of every key we write. Default `ldap-token-auth:`. Env `REDIS_KEY_PREFIX`. */
  keyPrefix?: string;
}

export type RedisClient = Redis | Cluster;

/**
 * Connects with ioredis, loaded only here so that installing the package never requires it.
 * Commands fail at once while Redis is unreachable (no offline queue, one retry), so an outage
 * is answered by the fail-open or fail-closed policy immediately instead of hanging requests.
 */
export async function connectRedis(options: RedisOptions, logger: Logger): Promise<RedisClient> {
  return reportConnectionState(await createClient(options), logger);
}

async function createClient(options: RedisOptions): Promise<RedisClient> {
  const { Redis, Cluster } = await import('ioredis').catch(() => {
    throw new ConfigurationError('A Redis store needs the ioredis package: npm install ioredis');
  });
  const common = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
  };
  if (options.clusterNodes?.length) {
    return new Cluster(options.clusterNodes.map(hostAndPort), {
      redisOptions: common,
      enableOfflineQueue: false,
    });
  }
  if (options.sentinels) {
    return new Redis({
      ...common,
      sentinels: options.sentinels.hosts.map(hostAndPort),
      name: options.sentinels.name,
    });
  }
  if (!options.url)
    throw new ConfigurationError('Redis needs a URL, sentinels or cluster nodes', 'REDIS_URL');
  return new Redis(options.url, common);
}

/**
 * Logs a lost connection once, and its return once, through our logger. Without an 'error'
 * listener ioredis prints every failed reconnection attempt to stderr, many per second during
 * an outage or a Sentinel failover.
 *
 * "Down" follows the connection, not the errors: an 'error' while the client is ready (a failed
 * command, a node's complaint that changes nothing) is not an outage, and setting the flag on it
 * would keep the next real outage from being logged. Down is when ioredis is reconnecting, or an
 * error arrives while it is not connected (a first connection that fails); up again on 'ready'.
 * Internal; exported for its test.
 */
export function reportConnectionState<Client extends ConnectionEvents>(
  client: Client,
  logger: Logger,
): Client {
  let down = false;
  let lastError: string | undefined;
  const lost = (reason: string) => {
    if (down) return;
    down = true;
    logger.warn(
      { event: 'redis_connection_lost', reason },
      `Lost the connection to Redis (${reason}); reconnecting`,
    );
  };
  client.on('error', (error: Error) => {
    lastError = error.message;
    if (client.status !== 'ready') lost(error.message);
  });
  // Emitted only when ioredis will try again: not after a deliberate disconnect().
  client.on('reconnecting', () => lost(lastError ?? 'connection closed'));
  client.on('ready', () => {
    lastError = undefined;
    if (!down) return;
    down = false;
    logger.warn({ event: 'redis_connection_restored' }, 'Connected to Redis again');
  });
  return client;
}

/** What {@link reportConnectionState} listens to: a Redis or Cluster client. */
export interface ConnectionEvents {
  readonly status: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'reconnecting' | 'ready', listener: () => void): unknown;
}

function hostAndPort(text: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text.trim());
  if (!match) throw new ConfigurationError(`"${text}" is not host:port`);
  return { host: match[1]!, port: Number(match[2]) };
}
