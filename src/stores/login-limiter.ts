import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import {
  DirectoryUnavailableError,
  InvalidCredentialsError,
  RateLimitedError,
  StoreUnavailableError,
} from '../errors.js';
import type { Logger } from '../shared/logger.js';
import {
  AttemptsInProgress,
  type Ending,
  type Entry,
  type TrackedCounter,
} from './attempts-in-progress.js';
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
 * A login attempt that holds its points until it ends, in exactly one of three ways. Until then,
 * other attempts of its name in this process that find no point left wait for it.
 */
export interface CountedAttempt {
  /** A wrong password (or an unknown or ambiguous name): the points stay taken. */
  failed(): Promise<void>;
  /** The password was right: the username starts afresh, the address gets its point back. */
  succeeded(): Promise<void>;
  /**
   * Not a guess (a password the directory proved right but refused for the account's state, or
   * a directory that could not answer): every point this attempt took is given back.
   */
  notAGuess(): Promise<void>;
  /**
   * The directory could not answer: no guess either, and the attempts of this name waiting for
   * this one are answered "unavailable" at once rather than each waiting for the same timeout.
   */
  unavailable(): Promise<void>;
}

/** One counter's key: the username's or the address's. */
interface Counter extends TrackedCounter {
  limiter: RateLimiterAbstract;
  key: string;
}

/** What asking each counter for a point gave. */
interface Take {
  taken: Counter[];
  refused: { counter: Counter; waitMs: number }[];
}

/**
 * Brute-force protection for the token endpoint, with rate-limiter-flexible: every attempt takes
 * a point per username key and per client address BEFORE the directory is asked, atomically (in
 * memory, and in Redis by its script), so concurrent attempts cannot slip past the count: of N
 * wrong passwords at once, at most `failures` reach the directory. The attempt past the limit
 * locks the key for `lockoutSeconds`. Points come back when the attempt was no guess; a
 * successful login clears its username's count (the address keeps its other failures).
 *
 * Bursts: one process lets at most `failures` attempts of one key be checked at once; the
 * others wait for one of them to end (and one refused while attempts of its key are still in
 * progress here asks again when one ends). So a burst of right passwords for one account
 * (workers starting at once) gets its tokens, and a burst of wrong ones still reaches the
 * directory `failures` times at most. Attempts in progress on other instances are not seen:
 * there the part of a burst past the limit gets 429.
 */
export class LoginLimiter {
  readonly #byUsername: RateLimiterAbstract;
  readonly #byAddress: RateLimiterAbstract;
  readonly #options: LoginLimiterOptions;
  readonly #inProgress = new AttemptsInProgress();

  constructor(options: LoginLimiterOptions) {
    this.#options = options;
    const prefix = options.keyPrefix ?? 'ldap-token-auth:';
    this.#byUsername = limiter(options.perUsername, `${prefix}login-user`, options.redis);
    this.#byAddress = limiter(options.perAddress, `${prefix}login-address`, options.redis);
  }

  /**
   * Takes the attempt's points.
   * @param usernameKey the username as counted (`loginKey`: every spelling of one account alike).
   * @throws {RateLimitedError} either counter is over its limit (the other's point is given back).
   * @throws {StoreUnavailableError} the store failed, and failures are closed.
   * @throws {DirectoryUnavailableError} it waited for an attempt of its name, which the
   *   directory could not answer.
   */
  async begin(usernameKey: string, address: string | undefined): Promise<CountedAttempt> {
    const { perUsername, perAddress } = this.#options;
    const counters: Counter[] = [
      {
        limiter: this.#byUsername,
        key: usernameKey,
        id: `user\0${usernameKey}`,
        limit: perUsername.failures,
      },
    ];
    if (address) {
      const id = `address\0${address}`;
      counters.push({ limiter: this.#byAddress, key: address, id, limit: perAddress.failures });
    }
    for (;;) {
      // This process never has more attempts of one key in progress than its limit: the others
      // wait here, without taking a point, for one of them to end. The check and the entry are
      // one synchronous step, so concurrent callers cannot both take the last place.
      for (
        let full = this.#inProgress.full(counters);
        full.length > 0;
        full = this.#inProgress.full(counters)
      ) {
        if ((await Promise.race(full)) === 'unavailable') throw unavailable();
      }
      const entry = this.#inProgress.enter(counters);
      let take: Take;
      try {
        take = await this.#take(counters);
      } catch (error) {
        entry.leave();
        throw error;
      }
      if (take.refused.length === 0) return this.#attempt(entry, take.taken);
      entry.leave();
      await this.#giveBack(take.taken);
      const pending = take.refused.map(({ counter }) => this.#inProgress.holding(counter.id));
      if (pending.some((ends) => ends.length === 0)) {
        const waitMs = Math.max(...take.refused.map((refusal) => refusal.waitMs));
        throw new RateLimitedError('Too many failed logins', waitMs / 1000);
      }
      // Every refusing counter's last points are held by attempts in progress here (a right
      // password clears a username's count): ask again once one of them has ended. The refused
      // point is not given back: Redis's lockout is a plain SET that a give-back racing with it
      // could undo.
      if ((await Promise.race(pending.flat())) === 'unavailable') {
        throw unavailable();
      }
    }
  }

  async #take(counters: readonly Counter[]): Promise<Take> {
    const results = await Promise.allSettled(
      counters.map((counter) => counter.limiter.consume(counter.key)),
    );
    const take: Take = { taken: [], refused: [] };
    let storeFailure: unknown;
    results.forEach((result, index) => {
      const counter = counters[index]!;
      if (result.status === 'fulfilled') take.taken.push(counter);
      else if (result.reason instanceof RateLimiterRes) {
        take.refused.push({ counter, waitMs: result.reason.msBeforeNext });
      } else storeFailure ??= result.reason;
    });
    if (take.refused.length === 0 && storeFailure !== undefined) {
      // Throws when closed; when open, the counters that answered still count.
      await this.#guard(Promise.reject(storeFailure), undefined);
    }
    return take;
  }

  /** The attempt holding the points of `taken`, in progress until it ends. */
  #attempt(entry: Entry, taken: readonly Counter[]): CountedAttempt {
    entry.holding();
    const finish = async (work: () => Promise<unknown>, ending?: Ending) => {
      try {
        await work();
      } finally {
        entry.leave(ending);
      }
    };
    const username = taken.filter((counter) => counter.limiter === this.#byUsername);
    const address = taken.filter((counter) => counter.limiter === this.#byAddress);
    return {
      failed: () => finish(async () => undefined),
      succeeded: () =>
        finish(() =>
          Promise.all([
            ...username.map((counter) => this.#guard(counter.limiter.delete(counter.key), false)),
            this.#giveBack(address),
          ]),
        ),
      notAGuess: () => finish(() => this.#giveBack(taken)),
      unavailable: () => finish(() => this.#giveBack(taken), 'unavailable'),
    };
  }

  async #giveBack(counters: readonly Counter[]): Promise<void> {
    await Promise.all(
      counters.map((counter) => this.#guard(counter.limiter.reward(counter.key), undefined)),
    );
  }

  /** Store errors become the configured policy: skip (fail open) or 503 (fail closed). */
  async #guard<T>(work: Promise<T>, skipped: T): Promise<T> {
    try {
      return await work;
    } catch (error) {
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
    // One point per attempt, taken before the bind: `failures` attempts pass; the one after
    // them is refused, and from it the key is blocked for the lockout.
    points: rule.failures,
    duration: rule.windowSeconds,
    blockDuration: rule.lockoutSeconds,
  };
  return redis
    ? new RateLimiterRedis({ ...options, storeClient: redis })
    : new RateLimiterMemory(options);
}

/** For an attempt that waited on one the directory could not answer: the same answer. */
function unavailable(): DirectoryUnavailableError {
  return new DirectoryUnavailableError('The directory is unavailable');
}

/**
 * Ends a login's attempts as its outcome says: no `error`, the password was right; a wrong
 * password (or an unknown or ambiguous name) is a guess; a directory that could not answer, or
 * a password it proved right but refused for the account's state, is not (counting that would
 * lock out a person who has the password).
 */
export async function endAttempts(
  attempts: readonly CountedAttempt[],
  ...outcome: [] | [error: unknown]
): Promise<void> {
  const [error] = outcome;
  const end = (attempt: CountedAttempt) => {
    if (outcome.length === 0) return attempt.succeeded();
    if (error instanceof InvalidCredentialsError && !error.passwordVerified)
      return attempt.failed();
    if (error instanceof DirectoryUnavailableError) return attempt.unavailable();
    return attempt.notAGuess();
  };
  await Promise.all(attempts.map(end));
}
