import { RateLimiterRes } from 'rate-limiter-flexible';

/** What the login limiter asks of a counter of points per key, in memory or on Redis. */
export interface PointCounter {
  /** Takes a point; rejects with a `RateLimiterRes` when the key is over its points. */
  consume(key: string): Promise<unknown>;
  /** Gives a point back. */
  reward(key: string): Promise<unknown>;
  /** Forgets the key: its count starts afresh. */
  delete(key: string): Promise<unknown>;
}

/** How a counter counts: `points` per window of `duration` seconds, then a block. */
export interface CounterRule {
  points: number;
  /** Seconds a window lasts from its first point; `0` never ends it. */
  duration: number;
  /** Seconds the key stays refused from the point past the limit; `0` blocks nothing more. */
  blockDuration: number;
}

interface Count {
  value: number;
  /** When the window (or block) ends, in the clock's milliseconds; `null` never. */
  expiresAt: number | null;
}

/** How often ended windows are dropped, at most: memory stays bounded by the keys counting. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * rate-limiter-flexible's memory limiter, counted as it counts, on the Auth's clock instead of
 * the system's: a frozen or moved clock moves windows and lockouts with it, as it moves tokens.
 */
export class MemoryPointCounter implements PointCounter {
  readonly #rule: CounterRule;
  readonly #now: () => number;
  readonly #counts = new Map<string, Count>();
  #nextSweep = 0;

  constructor(rule: CounterRule, now: () => number) {
    this.#rule = rule;
    this.#now = now;
  }

  async consume(key: string): Promise<RateLimiterRes> {
    const { points, blockDuration } = this.#rule;
    let taken = this.#add(key, 1);
    if (taken.consumedPoints <= points) return taken;
    // The block starts with the first point past the limit only; later ones do not extend it.
    if (blockDuration > 0 && taken.consumedPoints <= points + 1) {
      taken = this.#set(key, taken.consumedPoints, blockDuration);
    }
    throw taken;
  }

  async reward(key: string): Promise<RateLimiterRes> {
    return this.#add(key, -1);
  }

  async delete(key: string): Promise<boolean> {
    return this.#counts.delete(key);
  }

  /** Adds `value` to the key's count in its window, or starts a window with it. */
  #add(key: string, value: number): RateLimiterRes {
    const now = this.#now();
    const count = this.#counts.get(key);
    if (count && (count.expiresAt === null || count.expiresAt > now)) {
      count.value += value;
      const msLeft = count.expiresAt === null ? -1 : count.expiresAt - now;
      return this.#result(count.value, msLeft, false);
    }
    return this.#set(key, value, this.#rule.duration);
  }

  #set(key: string, value: number, seconds: number): RateLimiterRes {
    const now = this.#now();
    this.#sweep(now);
    const ms = seconds * 1000;
    this.#counts.set(key, { value, expiresAt: ms > 0 ? now + ms : null });
    return this.#result(value, ms > 0 ? ms : -1, true);
  }

  #result(consumed: number, msLeft: number, first: boolean): RateLimiterRes {
    const remaining = Math.max(this.#rule.points - consumed, 0);
    return new RateLimiterRes(remaining, msLeft, consumed, first);
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, count] of this.#counts) {
      if (count.expiresAt !== null && count.expiresAt <= now) this.#counts.delete(key);
    }
  }
}
