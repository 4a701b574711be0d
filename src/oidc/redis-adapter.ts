import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { RedisClient } from '../stores/redis-client.js';
import {
  AlreadyConsumedError,
  grantOf,
  type IndexKind,
  IndexLookups,
  indexesOf,
} from './adapter-common.js';

/**
 * Writes a model: KEYS[1] the model (a hash: `p` the payload JSON, `c` when it was consumed),
 * then, when ARGV[5] is '1', KEYS[2] its grant's members (a sorted set scored by expiry, which
 * itself expires with its last member), then the indexes (KEYS[3].. or KEYS[2]..) pointing at
 * the model's id ARGV[6]. ARGV[1] payload, ARGV[2] consumed or '', ARGV[3] lifetime in ms or '',
 * ARGV[4] the expiry as a score ('+inf' without a lifetime), ARGV[7] now in ms.
 * One script, so another instance never reads the model without its indexes.
 */
const UPSERT = `
local ttl = tonumber(ARGV[3])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'p', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'c', ARGV[2]) end
if ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
local first = 2
if ARGV[5] == '1' then
  first = 3
  redis.call('ZADD', KEYS[2], ARGV[4], KEYS[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if last[2] == 'inf' then redis.call('PERSIST', KEYS[2]) else redis.call('PEXPIREAT', KEYS[2], last[2]) end
end
for i = first, #KEYS do
  if ttl then redis.call('SET', KEYS[i], ARGV[6], 'PX', ttl) else redis.call('SET', KEYS[i], ARGV[6]) end
end
return 1`;

/**
 * Marks KEYS[1] consumed now (Redis's clock, the one every instance shares) unless it is already:
 * 1 when this call consumed it, 0 when another did first, -1 when it is gone. Atomic, so of
 * concurrent consumes exactly one wins.
 */
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'c', redis.call('TIME')[1])`;

/**
 * Deletes every model of the grant whose member set is KEYS[1], then the set. The members are
 * not declared as KEYS: they share the set's hash tag, so they live in its slot on a Cluster.
 */
const REVOKE_GRANT = `
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members`;

/**
 * oidc-provider's models in Redis, shared by every instance on the same Redis. Keys are
 * `<prefix>oidc:{oidc}:<Model>:<id>`, the grants' member sets `...:grant:<grantId>` and the
 * indexes `...:uid:<uid>` and `...:userCode:<code>`. The one hash tag puts them all in one Cluster
 * slot: a model is found by its own id alone, so only a common slot lets a grant's revocation
 * and a model's write with its indexes run as one atomic script. Lifetimes are Redis TTLs.
 */
export class RedisAdapter extends IndexLookups implements Adapter {
  readonly #model: string;
  readonly #redis: RedisClient;
  readonly #base: string;

  constructor(model: string, redis: RedisClient, keyPrefix: string) {
    super();
    this.#model = model;
    this.#redis = redis;
    this.#base = `${keyPrefix}oidc:{oidc}:`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const lifetime = typeof expiresIn === 'number' ? Math.max(1, Math.round(expiresIn * 1000)) : 0;
    const now = Date.now();
    const grantId = grantOf(this.#model, payload);
    const keys = [this.#key(this.#model, id)];
    if (grantId !== undefined) keys.push(this.#grantKey(grantId));
    for (const index of indexesOf(this.#model, payload))
      keys.push(this.#key(index.kind, index.value));
    await this.#redis.eval(
      UPSERT,
      keys.length,
      ...keys,
      JSON.stringify(payload),
      typeof payload.consumed === 'number' ? String(payload.consumed) : '',
      lifetime ? String(lifetime) : '',
      lifetime ? String(now + lifetime) : '+inf',
      grantId === undefined ? '0' : '1',
      id,
      String(now),
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const [json, consumed] = await this.#redis.hmget(this.#key(this.#model, id), 'p', 'c');
    if (!json) return undefined;
    const payload = JSON.parse(json) as AdapterPayload;
    if (consumed) payload.consumed = Number(consumed);
    return payload;
  }

  async consume(id: string): Promise<void> {
    const key = this.#key(this.#model, id);
    const outcome = await this.#redis.eval(CONSUME, 1, key);
    if (outcome === 1) return;
    // Another request (here or on another instance) consumed it first: a replay, answered as
    // oidc-provider answers one it sees itself, by revoking the grant.
    const payload = outcome === 0 ? await this.find(id) : undefined;
    const grantId = payload && grantOf(this.#model, payload);
    if (grantId !== undefined) {
      await Promise.all([
        this.revokeByGrantId(grantId),
        this.#redis.del(this.#key('Grant', grantId)),
      ]);
    }
    throw new AlreadyConsumedError(this.#model);
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(this.#model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#redis.eval(REVOKE_GRANT, 1, this.#grantKey(grantId));
  }

  protected async indexedId(kind: IndexKind, value: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(kind, value))) ?? undefined;
  }

  #key(kind: string, id: string): string {
    return `${this.#base}${kind}:${id}`;
  }

  #grantKey(grantId: string): string {
    return this.#key('grant', grantId);
  }
}

/** An adapter class for oidc-provider storing every model through `redis`. */
export function redisAdapter(redis: RedisClient, keyPrefix: string): AdapterConstructor {
  return class extends RedisAdapter {
    constructor(model: string) {
      super(model, redis, keyPrefix);
    }
  };
}
