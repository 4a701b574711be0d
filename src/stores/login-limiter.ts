import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { RateLimitedError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from './redis-client.js';

/** One limit: `failures` failed logins within `windowSeconds`, then a lockout. */
export interface LimitRule {
  failures: number;
  windowSeconds: number;
  /** How long a key stays locked once over the limit. */
  lockoutSeconds: number;
}

export interface LoginLimiterOptions {
  /** Default 5 failures per 15 minutes, locked 15 minutes. */
  perUsername: LimitRule;
  /** Default 100 failures per 15 minutes, locked 15 minutes. */
  perAddress: LimitRule;
  /** Memory (one process) or a Redis client (shared by every instance). */
  redis?: RedisClient;
  keyPrefix?: string;
  /** When the store fails: `open` logs and skips the limits, `closed` answers 503. */
  onStoreFailure: 'open' | 'closed';
  logger: Logger;
}

/**
 * Brute-force protection for the token endpoint, with rate-limiter-flexible: failed logins are
 * counted per username and per client address, and either count over its limit locks further
 * attempts out for a while. The check comes before any LDAP bind, so a locked username costs
 * the directory nothing; a successful login clears its username's count.
 */
export class LoginLimiter {
  readonly #byUsername: RateLimiterAbstract;
  readonly #byAddress: RateLimiterAbstract;
  readonly #options: LoginLimiterOptions;

  constructor(options: LoginLimiterOptions) {
    this.#options = options;
    const prefix = options.keyPrefix ?? 'ldap-token-auth:';
    this.#byUsername = limiter(options.perUsername, `${prefix}login-user`, options.redis);
    this.#byAddress = limiter(options.perAddress, `${prefix}login-address`, options.redis);
  }

  /** @throws {RateLimitedError} either key is locked out. */
  async check(username: string, address: string | undefined): Promise<void> {
    const checks: Promise<RateLimiterRes | null>[] = [this.#byUsername.get(userKey(username))];
    if (address) checks.push(this.#byAddress.get(address));
    const results = await this.#guard(Promise.all(checks), []);
    const rules = [this.#options.perUsername, this.#options.perAddress];
    results.forEach((result, index) => {
      if (result && result.consumedPoints >= rules[index]!.failures) {
        throw new RateLimitedError('Too many failed logins', result.msBeforeNext / 1000);
      }
    });
  }

  /** Counts a failed login against the username and the address. */
  async failed(username: string, address: string | undefined): Promise<void> {
    const counts = [countFailure(this.#byUsername, userKey(username), this.#options.perUsername)];
    if (address) counts.push(countFailure(this.#byAddress, address, this.#options.perAddress));
    await this.#guard(Promise.all(counts), []);
  }

  /** A successful login: the username starts afresh (the address does not). */
  async succeeded(username: string): Promise<void> {
    await this.#guard(this.#byUsername.delete(userKey(username)), false);
  }

  /** Store errors become the configured policy: skip (fail open) or 503 (fail closed). */
  async #guard<T>(work: Promise<T>, skipped: T): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (error instanceof RateLimitedError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      if (this.#options.onStoreFailure === 'closed') {
        this.#options.logger.error(
          { event: 'store_unavailable', reason },
          'The login limiter store is unavailable; refusing logins (fail closed)',
        );
        throw new StoreUnavailableError('The shared store is unavailable', { cause: error });
      }
      this.#options.logger.warn(
        { event: 'store_unavailable', reason },
        'The login limiter store is unavailable; limits skipped (fail open)',
      );
      return skipped;
    }
  }
}

function limiter(
  rule: LimitRule,
  keyPrefix: string,
  redis: RedisClient | undefined,
): RateLimiterAbstract {
  const options = {
    keyPrefix,
    // One point per failure. The lockout is set by countFailure when the count reaches the
    // limit, so the attempt after the last allowed failure is refused before its bind.
    points: rule.failures,
    duration: rule.windowSeconds,
  };
  return redis
    ? new RateLimiterRedis({ ...options, storeClient: redis })
    : new RateLimiterMemory(options);
}

/** Counts one failure, and locks the key out once it has reached the limit. */
async function countFailure(
  target: RateLimiterAbstract,
  key: string,
  rule: LimitRule,
): Promise<void> {
  let result: RateLimiterRes;
  try {
    result = await target.consume(key);
  } catch (rejection) {
    // Over the limit is an expected outcome here, not an error; store failures are.
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    result = rejection;
  }
  if (result.consumedPoints >= rule.failures) await target.block(key, rule.lockoutSeconds);
}

/** Usernames are counted case-insensitively: directories match them so. */
function userKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
