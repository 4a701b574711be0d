import type { RedisClient } from './redis-client.js';
import type { RevocableClaims, RevocationStore } from './revocations.js';

/**
 * Revocations shared by every instance through Redis. Each revoked token is a key that expires
 * with the token (`SET ... EXAT exp`); a user's cut-off is a key holding the moment, kept as long
 * as a token can live; a claim (refresh's) is the same key set only if absent (`NX`). A check reads both keys in one round trip (`MGET`; two parallel `GET`s
 * on a Cluster, where the keys may live on different nodes).
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

  async claim(claims: RevocableClaims): Promise<boolean> {
    // NX: set only when absent, in one command, so of concurrent claims exactly one gets 'OK'.
    const set = await this.#redis.set(this.#tokenKey(claims.jti), '1', 'EXAT', claims.exp, 'NX');
    return set === 'OK';
  }

  async revokeAllFor(username: string, atSeconds: number, forSeconds: number): Promise<void> {
    await this.#redis.set(
      this.#userKey(username),
      String(atSeconds),
      'EX',
      Math.max(1, forSeconds),
    );
  }

  async isRevoked(claims: RevocableClaims): Promise<boolean> {
    const keys = [this.#tokenKey(claims.jti), this.#userKey(claims.sub)] as const;
    const [token, user] = this.#redis.isCluster
      ? await Promise.all(keys.map((key) => this.#redis.get(key)))
      : await this.#redis.mget(...keys);
    return token !== null || (user !== null && claims.iat <= Number(user));
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  #tokenKey(jti: string): string {
    return `${this.#prefix}revoked:${jti}`;
  }

  #userKey(username: string): string {
    return `${this.#prefix}revoked-user:${encodeURIComponent(username)}`;
  }
}
