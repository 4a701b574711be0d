import { LRUCache } from 'lru-cache';
import { TokenExpiredError } from '../errors.js';

/**
 * Tokens whose signature has already been checked, so that a client presenting the same token
 * on every request pays for the HMAC once. Keyed by the whole token string: any altered token is
 * a different key and goes through full verification. Expiry is still checked on every hit.
 */
export class VerifiedTokens<T extends { readonly claims: { readonly exp: number } }> {
  readonly #cache: LRUCache<string, T> | undefined;
  readonly #now: () => number;

  /** @param size entries kept; 0 turns the cache off. */
  constructor(size: number, now: () => number) {
    this.#cache = size > 0 ? new LRUCache({ max: size }) : undefined;
    this.#now = now;
  }

  /**
   * @returns the verified value, or `undefined` when the token has not been seen.
   * @throws {TokenExpiredError} a token seen before whose time is up.
   */
  get(token: string): T | undefined {
    const hit = this.#cache?.get(token);
    if (!hit) return undefined;
    // The same rule jose applies: valid while exp is later than the current whole second.
    if (hit.claims.exp > Math.floor(this.#now() / 1000)) return hit;
    this.#cache!.delete(token);
    throw new TokenExpiredError('The token has expired');
  }

  set(token: string, value: T): void {
    this.#cache?.set(token, value);
  }
}
