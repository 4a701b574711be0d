import type { AdapterConstructor } from 'oidc-provider';
import type { RedisClient } from '../stores/redis-client.js';
import { memoryAdapter } from './memory-adapter.js';
import { redisAdapter } from './redis-adapter.js';

/**
 * Where oidc-provider keeps its models: in Redis when the stores use Redis (the same client,
 * keys under the stores' prefix + `oidc:`), so every instance sees the codes, tokens and
 * sessions the others issued; in this process's memory otherwise.
 */
export function storageAdapter(
  redis: RedisClient | undefined,
  keyPrefix: string,
): AdapterConstructor {
  return redis ? redisAdapter(redis, keyPrefix) : memoryAdapter();
}
