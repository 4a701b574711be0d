import { TokenExpiredError } from '../errors.js';

/**
 * Tokens whose signature has already been checked, so that a client presenting the same token
 * on every request pays for the HMAC once. Keyed by the whole token string: any altered token is
 * a different key and goes through full verification. Expiry is still checked on every hit.
 *
 * Bounded by evicting the oldest entry, not the least recently used: a hit then costs one
 * `Map.get`, which matters on a path that runs for every request, and entries leave by expiry
 * anyway. (lru-cache, measured here first, cost more than the rest of the check together.)
 *
 * The map is keyed by the token's signature segment and a hit compares the whole token: a
 * presented token is a new string each time, and V8 hashes all of a key to look it up, which
 * grew with the attributes and groups a token carries; the signature's length is fixed.
 * A token spelled differently with the same signature bytes (`<signature>=`, a neighbouring last
 * character) shares no key or whole-token match with the verified one, so it misses and goes to
 * full verification, which refuses any spelling but the canonical one (token/canonical.ts).
 */
export class VerifiedTokens<T extends { readonly claims: { readonly exp: number } }> {
  readonly #entries = new Map<string, { readonly token: string; readonly value: T }>();
  readonly #size: number;
  readonly #now: () => number;
  readonly #toleranceSeconds: number;

  /**
   * @param size entries kept; 0 turns the cache off.
   * @param toleranceSeconds clock skew tolerated on `exp`, as the full verification does.
   */
  constructor(size: number, now: () => number, toleranceSeconds = 0) {
    this.#size = size;
    this.#now = now;
    this.#toleranceSeconds = toleranceSeconds;
  }

  /**
   * @returns the verified value, or `undefined` when the token has not been seen.
   * @throws {TokenExpiredError} a token seen before whose time is up.
   */
  get(token: string): T | undefined {
    const key = signatureOf(token);
    const hit = this.#entries.get(key);
    // Another token with the same signature segment (an altered payload) is not this one.
    if (!hit || hit.token !== token) return undefined;
    // The same rule jose applies: valid while exp is later than the current whole second.
    const value = hit.value;
    if (value.claims.exp + this.#toleranceSeconds > Math.floor(this.#now() / 1000)) return value;
    this.#entries.delete(key);
    throw new TokenExpiredError('The token has expired');
  }

  set(token: string, value: T): void {
    if (this.#size === 0) return;
    const key = signatureOf(token);
    if (this.#entries.size >= this.#size && !this.#entries.has(key)) {
      // Maps iterate in insertion order: the first key is the oldest.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { token, value });
  }
}

/** A compact JWS's last segment (the whole string when it has no dot). */
function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}
