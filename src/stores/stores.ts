import { InvalidTokenError, StoreUnavailableError } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import { LoginLimiter } from './login-limiter.js';
import { connectRedis, type RedisClient } from './redis-client.js';
import { redisRevocations } from './redis-revocations.js';
import type { RevocationView } from './revocation-view.js';
import {
  MemoryRevocationStore,
  type RevocableClaims,
  type RevocationStore,
} from './revocations.js';
import type { StoreSettings } from './settings.js';

/** The claim a caller gets when the store failed open: it re-checks, and has nothing to release. */
const UNCLAIMED = 'unclaimed: the store failed open';

/**
 * The stores this configuration keeps in process memory, named for a person (each with the
 * setting that turns it on): each process has its own copy, so several workers or instances
 * would each count and revoke on their own. Empty when every store is on Redis or none is on.
 * A new store kept in memory belongs in this list, or `--workers` would split it silently.
 */
export function storesInMemory(options: StoreSettings): string[] {
  if (options.redis) return [];
  const stores: string[] = [];
  if (options.loginLimits.enabled) stores.push('login limits (LOGIN_LIMITS)');
  if (options.revocation.enabled) {
    stores.push('revocations and refresh exchanges (TOKEN_REVOCATION)');
  }
  if (options.browser.enabled) stores.push('browser sign-outs and session re-checks (LOGIN_PAGE)');
  return stores;
}

/** How long a new Redis connection is waited for before the first command is let through. */
const READY_WAIT_MS = 3000;

/**
 * The login limiter and the revocation store of one Auth: in memory, or on one shared Redis
 * client. The Redis connection is opened at once but waited for only by the first operation,
 * so that `createAuth` stays synchronous.
 */
export class Stores {
  readonly #options: StoreSettings;
  readonly #logger: Logger;
  readonly #redis: Promise<RedisClient> | undefined;
  readonly #limiter: Promise<LoginLimiter> | LoginLimiter | undefined;
  readonly #revocations: Promise<RevocationStore> | RevocationStore | undefined;
  /** The memory store, whose answer needs no promise: the hot path's check. */
  readonly #memoryRevocations: MemoryRevocationStore | undefined;
  /** Redis's revocations in memory, answering the hot path while current (not on a Cluster). */
  #view: RevocationView | undefined;
  #closed = false;

  constructor(options: StoreSettings, logger: Logger, now: () => number) {
    this.#options = options;
    this.#logger = logger;
    const limits = options.loginLimits;
    const limiterOf = (redis?: RedisClient) =>
      new LoginLimiter({
        perUsername: limits.perUsername,
        perAddress: limits.perAddress,
        redis,
        keyPrefix: options.redis?.keyPrefix,
        onStoreFailure: options.storeFailure,
        logger,
      });
    const redisOptions = options.redis;
    if (redisOptions) {
      this.#redis = connectRedis(redisOptions, logger).then(whenReady);
      // Failures surface on first use, as a configuration error or the outage policy.
      this.#redis.catch(() => {});
      const redis = this.#redis;
      this.#limiter = limits.enabled ? redis.then(limiterOf) : undefined;
      this.#revocations = wantsRevocationStore(options)
        ? redis.then((client) => {
            const { store, view } = redisRevocations(client, redisOptions.keyPrefix, logger, now);
            // Closed before Redis answered: the view's own connection must not outlive it.
            if (this.#closed) view?.close();
            else this.#view = view;
            return store;
          })
        : undefined;
      this.#limiter?.catch(() => {});
      this.#revocations?.catch(() => {});
    } else {
      this.#limiter = limits.enabled ? limiterOf() : undefined;
      this.#memoryRevocations = wantsRevocationStore(options)
        ? new MemoryRevocationStore(now)
        : undefined;
      this.#revocations = this.#memoryRevocations;
    }
  }

  /** The login limiter, or `undefined` when limits are off. */
  limiter(): Promise<LoginLimiter> | LoginLimiter | undefined {
    return this.#limiter;
  }

  /** The Redis client the stores share, once connected; `undefined` when they are in memory. */
  get redis(): Promise<RedisClient> | undefined {
    return this.#redis;
  }

  /** Whether revocation is on (`revocation.enabled`), for every token. */
  get revocationEnabled(): boolean {
    return this.#options.revocation.enabled;
  }

  /**
   * Whether a token with these claims is checked against the store: every token with revocation
   * on; with only the sign-in page on, browser session tokens (a `sid`), wherever they are
   * presented, so that an API token costs nothing and a session token outlives no sign-out.
   */
  #checks(claims: RevocableClaims): boolean {
    if (!this.#revocations) return false;
    return this.#options.revocation.enabled || typeof claims.sid === 'string';
  }

  /**
   * Synchronous revocation check for the hot path: `false` when the token is not checked, the
   * answer of the memory store or of Redis's current view, or `undefined` when only Redis can
   * tell (the caller goes async).
   */
  isRevokedNow(claims: RevocableClaims): boolean | undefined {
    if (!this.#checks(claims)) return false;
    return this.#memoryRevocations?.isRevokedNow(claims) ?? this.#view?.isRevokedNow(claims);
  }

  /**
   * @throws {InvalidTokenError} the token was revoked.
   * @throws {StoreUnavailableError} the store failed, and failures are closed.
   */
  async checkNotRevoked(claims: RevocableClaims): Promise<void> {
    if (!this.#checks(claims)) return;
    const revoked = await this.#guard(
      async () => (await this.#revocations!).isRevoked(claims),
      false,
    );
    if (revoked) throw new InvalidTokenError('The token has been revoked');
  }

  /** Denies the token until its `exp`. Store failures are always errors here: nothing is skipped. */
  async revoke(claims: RevocableClaims): Promise<void> {
    await this.#guard(async () => (await this.#store()).revoke(claims), undefined, true);
  }

  /**
   * Revokes the token unless it already is, atomically: of concurrent claims of one token,
   * exactly one returns, with the claim's id for {@link release}. Store failures are always
   * errors, as for {@link revoke}.
   * @throws {InvalidTokenError} the token was already revoked or claimed.
   * @throws {StoreUnavailableError} the store failed.
   */
  async claim(claims: RevocableClaims): Promise<string> {
    const claimed = await this.#guard(
      async () => (await this.#store()).claim(claims),
      undefined,
      true,
    );
    if (!claimed) throw new InvalidTokenError('The token has already been exchanged or revoked');
    return claimed;
  }

  /**
   * Undoes the claim `id` (unless the token was revoked since). Never throws: a release that
   * fails leaves the token spent, the safe side, with the store failure logged.
   */
  async release(claims: RevocableClaims, id: string): Promise<void> {
    await this.#guard(async () => (await this.#store()).release(claims, id), undefined, true).catch(
      () => undefined,
    );
  }

  async revokeAllFor(username: string, atSeconds: number, forSeconds: number): Promise<void> {
    await this.#guard(
      async () => (await this.#store()).revokeAllFor(username, atSeconds, forSeconds),
      undefined,
      true,
    );
  }

  /**
   * Denies every token of the browser session `sid` until `untilSeconds`, whatever
   * `revocation.enabled` says. Store failures are errors: sign-out is never reported done when
   * it was not recorded.
   */
  async revokeSession(sid: string, untilSeconds: number): Promise<void> {
    await this.#guard(
      async () => (await this.#sessionStore()).revokeSession(sid, untilSeconds),
      undefined,
      true,
    );
  }

  /**
   * The right to re-check session token `jti` for `forMs`: a claim id, or `undefined` when
   * another worker or instance holds it. A store that fails answers as `storeFailure` says:
   * `closed` throws, `open` lets this caller re-check (the directory is asked once more).
   * @throws {StoreUnavailableError} the store failed, and failures are closed.
   */
  async claimRecheck(jti: string, forMs: number): Promise<string | undefined> {
    return this.#guard(
      async () => (await this.#sessionStore()).claimRecheck(jti, forMs),
      UNCLAIMED,
    );
  }

  /** Gives up a re-check claim. Never throws: a claim left standing only ends at its interval. */
  async releaseRecheck(jti: string, id: string): Promise<void> {
    if (id === UNCLAIMED) return;
    await this.#guard(
      async () => (await this.#sessionStore()).releaseRecheck(jti, id),
      undefined,
      true,
    ).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#view?.close();
    if (this.#redis) {
      const client = await this.#redis.catch(() => undefined);
      client?.disconnect();
    }
  }

  async #sessionStore(): Promise<RevocationStore> {
    if (!this.#revocations) {
      throw new TypeError(
        'Browser sessions are not enabled (option browser.enabled, env LOGIN_PAGE)',
      );
    }
    return this.#revocations;
  }

  /** The store for API revocations: refused without `revocation.enabled`, whose tokens nobody checks. */
  async #store(): Promise<RevocationStore> {
    if (!this.#revocations || !this.#options.revocation.enabled) {
      throw new TypeError(
        'Revocation is not enabled (option revocation.enabled, env TOKEN_REVOCATION)',
      );
    }
    return this.#revocations;
  }

  async #guard<T>(work: () => Promise<T>, skipped: T, alwaysClosed = false): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof TypeError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      if (alwaysClosed || this.#options.storeFailure === 'closed') {
        this.#logger.error(
          { event: 'store_unavailable', reason },
          'The revocation store is unavailable; refusing (fail closed)',
        );
        throw new StoreUnavailableError('The shared store is unavailable', { cause: error });
      }
      this.#logger.warn(
        { event: 'store_unavailable', reason },
        'The revocation store is unavailable; revocations skipped (fail open)',
      );
      return skipped;
    }
  }
}

/** The store exists for revocation, and for the sign-in page's sessions, revoked at sign-out. */
function wantsRevocationStore(options: StoreSettings): boolean {
  return options.revocation.enabled || options.browser.enabled;
}

/** Resolves once the client is connected, or after a while in any case (commands then fail fast). */
function whenReady(client: RedisClient): Promise<RedisClient> {
  if (client.status === 'ready') return Promise.resolve(client);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve(client);
    };
    const timer = setTimeout(done, READY_WAIT_MS);
    client.once('ready', done);
  });
}
