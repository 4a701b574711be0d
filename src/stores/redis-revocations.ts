import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import type { RevocableClaims, RevocationStore } from './revocations.js';

/** Deletes KEYS[1] only if it still holds ARGV[1]. */
const RELEASE_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * Revocations shared by every instance through Redis. Each revoked token is a key that expires
 * with the token (`SET ... EXAT exp`); a user's cut-off is a key holding the moment, kept as long
 * as a token can live; a claim (refresh's) is the same key set only if absent (`NX`); a browser session revoked at
 * sign-out is a key per session id, and a session's re-check claim a key that expires with the
 * interval. A check reads the keys in one round trip (`MGET`; parallel `GET`s on a Cluster, where
 * the keys may live on different nodes).
 */
export class RedisRevocationStore implements RevocationStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix = 'ldap-token-auth:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async revoke(claims: RevocableClaims): Promise<void> {
    await this.#redis.set(this.#tokenKey(claims.jti), '1', 'EXAT', claims.exp);
  }

  async claim(claims: RevocableClaims): Promise<string | undefined> {
    // NX: set only when absent, in one command, so of concurrent claims exactly one gets 'OK'.
    // The value names the claim, so that only its own release deletes it (a revoke writes '1').
    const id = `claim:${randomUUID()}`;
    const set = await this.#redis.set(this.#tokenKey(claims.jti), id, 'EXAT', claims.exp, 'NX');
    return set === 'OK' ? id : undefined;
  }

  async release(claims: RevocableClaims, id: string): Promise<void> {
    // Compare and delete in one step (a script runs atomically): a revoke since then stays.
    await this.#redis.eval(RELEASE_SCRIPT, 1, this.#tokenKey(claims.jti), id);
  }

  async revokeAllFor(username: string, atSeconds: number, forSeconds: number): Promise<void> {
    await this.#redis.set(
      this.#userKey(username),
      String(atSeconds),
      'EX',
      Math.max(1, forSeconds),
    );
  }

  async revokeSession(sid: string, untilSeconds: number): Promise<void> {
    await this.#redis.set(this.#sessionKey(sid), '1', 'EXAT', untilSeconds);
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
    this.#redis.disconnect();
  }

  #tokenKey(jti: string): string {
    return `${this.#prefix}revoked:${jti}`;
  }

  #sessionKey(sid: string): string {
    return `${this.#prefix}revoked-session:${sid}`;
  }

  #recheckKey(jti: string): string {
    return `${this.#prefix}session-recheck:${jti}`;
  }

  #userKey(username: string): string {
    return `${this.#prefix}revoked-user:${encodeURIComponent(username)}`;
  }
}
