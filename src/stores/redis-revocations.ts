import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import type { RedisClient } from './redis-client.js';
import { announce, RevocationKeys } from './revocation-channel.js';
import { RevocationView } from './revocation-view.js';
import type { RevocableClaims, RevocationStore } from './revocations.js';

/** Deletes KEYS[1] only if it still holds ARGV[1]. */
const RELEASE_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * SET KEYS[1] with the arguments ARGV[3]..., and when it was set, PUBLISH ARGV[2] on channel
 * ARGV[1]. One script, so atomic: the announcements reach the subscribers in the order of the
 * writes, and no write is announced that did not happen (an NX that found the key).
 */
const SET_AND_ANNOUNCE =
  "local set = redis.call('SET', KEYS[1], unpack(ARGV, 3)) if set then redis.call('PUBLISH', ARGV[1], ARGV[2]) end return set";

/** RELEASE_SCRIPT, announcing a deletion as ARGV[3] on channel ARGV[2]. */
const RELEASE_AND_ANNOUNCE =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) redis.call('PUBLISH', ARGV[2], ARGV[3]) return 1 end return 0";

const DEFAULT_PREFIX = 'ldap-token-auth:';

/**
 * The Redis revocation store, with its view in memory outside a Cluster (`view` is then the
 * same view the store consults, for the hot path's synchronous check). The view listens on its
 * own connection, a duplicate of `redis`: a subscribed connection can send nothing else.
 */
export function redisRevocations(
  redis: RedisClient,
  prefix = DEFAULT_PREFIX,
  logger: Logger,
  now: () => number = Date.now,
): { store: RedisRevocationStore; view: RevocationView | undefined } {
  const client = redis as Redis;
  // A Cluster's pub/sub is not used, and behind a Sentinel a failover can leave the subscriber on
  // a demoted node that no longer hears the new primary's announcements while its connection
  // stays up (the view would look current and miss revocations): both read Redis on every check.
  if (redis.isCluster || (client.options?.sentinels?.length ?? 0) > 0) {
    return { store: new RedisRevocationStore(redis, prefix), view: undefined };
  }
  const subscriber = client.duplicate({ autoResubscribe: false });
  const view = new RevocationView(client, subscriber, new RevocationKeys(prefix), logger, now);
  return { store: new RedisRevocationStore(redis, prefix, view), view };
}

/**
 * Revocations shared by every instance through Redis. Each revoked token is a key that expires
 * with the token (`SET ... EXAT exp`); a user's cut-off is a key holding the moment, kept as long
 * as a token can live; a claim (refresh's) is the same key set only if absent (`NX`); a browser session revoked at
 * sign-out is a key per session id, and a session's re-check claim a key that expires with the
 * interval. A check reads the keys in one round trip (`MGET`; parallel `GET`s on a Cluster, where
 * the keys may live on different nodes), unless a current {@link RevocationView} answers it from
 * memory. Outside a Cluster every revocation is announced on the view's channel by the command
 * that writes it; on a Cluster (whose pub/sub this does not use) every check reads Redis.
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #keys: RevocationKeys;
  readonly #view: RevocationView | undefined;

  constructor(redis: RedisClient, prefix = DEFAULT_PREFIX, view?: RevocationView) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#keys = new RevocationKeys(prefix);
    this.#view = view;
  }

  async revoke(claims: RevocableClaims): Promise<void> {
    const key = this.#tokenKey(claims.jti);
    const message = announce.token(claims.jti, claims.exp);
    await this.#setAndAnnounce(key, message, '1', 'EXAT', claims.exp);
  }

  async claim(claims: RevocableClaims): Promise<string | undefined> {
    // NX: set only when absent, in one command, so of concurrent claims exactly one gets 'OK'.
    // The value names the claim, so that only its own release deletes it (a revoke writes '1').
    const id = `claim:${randomUUID()}`;
    const key = this.#tokenKey(claims.jti);
    const message = announce.token(claims.jti, claims.exp);
    const set = await this.#setAndAnnounce(key, message, id, 'EXAT', claims.exp, 'NX');
    return set === 'OK' ? id : undefined;
  }

  async release(claims: RevocableClaims, id: string): Promise<void> {
    // Compare and delete in one step (a script runs atomically): a revoke since then stays.
    const key = this.#tokenKey(claims.jti);
    if (this.#redis.isCluster) {
      await this.#redis.eval(RELEASE_SCRIPT, 1, key, id);
      return;
    }
    const message = announce.tokenReleased(claims.jti);
    const release = () =>
      this.#redis.eval(RELEASE_AND_ANNOUNCE, 1, key, id, this.#keys.channel, message);
    await (this.#view ? this.#view.announcing(message, release, (n) => n === 1) : release());
  }

  async revokeAllFor(username: string, atSeconds: number, forSeconds: number): Promise<void> {
    const lifetime = Math.max(1, forSeconds);
    const message = announce.user(username, atSeconds, lifetime);
    await this.#setAndAnnounce(this.#userKey(username), message, String(atSeconds), 'EX', lifetime);
  }

  async revokeSession(sid: string, untilSeconds: number): Promise<void> {
    const message = announce.session(sid, untilSeconds);
    await this.#setAndAnnounce(this.#sessionKey(sid), message, '1', 'EXAT', untilSeconds);
  }

  async claimRecheck(jti: string, forMs: number): Promise<string | undefined> {
    // NX as for claim(); PX ends the claim after the interval, on every instance at once.
    const id = `recheck:${randomUUID()}`;
    const set = await this.#redis.set(this.#recheckKey(jti), id, 'PX', Math.max(1, forMs), 'NX');
    return set === 'OK' ? id : undefined;
  }

  async releaseRecheck(jti: string, id: string): Promise<void> {
    await this.#redis.eval(RELEASE_SCRIPT, 1, this.#recheckKey(jti), id);
  }

  async isRevoked(claims: RevocableClaims): Promise<boolean> {
    const known = this.#view?.isRevokedNow(claims);
    if (known !== undefined) return known;
    // A session token's session key only for session tokens: API tokens keep two keys.
    const keys = [this.#tokenKey(claims.jti), this.#userKey(claims.sub)];
    if (claims.sid !== undefined) keys.push(this.#sessionKey(claims.sid));
    const [token, user, session] = this.#redis.isCluster
      ? await Promise.all(keys.map((key) => this.#redis.get(key)))
      : await this.#redis.mget(...keys);
    return (
      token !== null ||
      (session !== undefined && session !== null) ||
      (user !== null && user !== undefined && claims.iat <= Number(user))
    );
  }

  async close(): Promise<void> {
    this.#view?.close();
    this.#redis.disconnect();
  }

  /** `SET key ...args`, announced on the channel when it was set; a plain SET on a Cluster. */
  async #setAndAnnounce(
    key: string,
    message: string,
    ...args: (string | number)[]
  ): Promise<unknown> {
    if (this.#redis.isCluster) {
      return this.#redis.call('SET', key, ...args);
    }
    const write = () =>
      this.#redis.eval(SET_AND_ANNOUNCE, 1, key, this.#keys.channel, message, ...args);
    return this.#view ? this.#view.announcing(message, write, (set) => set === 'OK') : write();
  }

  #tokenKey(jti: string): string {
    return this.#keys.token(jti);
  }

  #sessionKey(sid: string): string {
    return this.#keys.session(sid);
  }

  #recheckKey(jti: string): string {
    return `${this.#prefix}session-recheck:${jti}`;
  }

  #userKey(username: string): string {
    return this.#keys.user(username);
  }
}
