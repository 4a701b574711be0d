import { randomUUID } from 'node:crypto';

/** What a revocation check needs to know of a token. */
export interface RevocableClaims {
  jti: string;
  sub: string;
  iat: number;
  exp: number;
  /** The browser session the token belongs to, when it is a session token. */
  sid?: string;
}

/**
 * Where revoked tokens are remembered until they would have expired anyway: one token by its
 * `jti`, or every token of a user issued up to a moment. In memory for one process, in Redis
 * for several instances.
 */
export interface RevocationStore {
  /** Denies this token until its `exp`. */
  revoke(claims: RevocableClaims): Promise<void>;
  /**
   * Denies this token until its `exp`, atomically with the check that it was not denied yet:
   * a claim id for the one caller that did it, `undefined` for every other (already revoked, or
   * claimed by a concurrent caller). What makes a refresh exchange a token at most once.
   */
  claim(claims: RevocableClaims): Promise<string | undefined>;
  /**
   * Undoes the claim `id`, if it still stands: not after a `revoke` of the token since, which
   * stays. For a refresh that issued nothing because the directory could not answer.
   */
  release(claims: RevocableClaims, id: string): Promise<void>;
  /**
   * Denies every token of `username` issued at or before `atSeconds`, remembered for
   * `forSeconds` (the longest a token can live).
   */
  revokeAllFor(username: string, atSeconds: number, forSeconds: number): Promise<void>;
  /** Denies every token of the browser session `sid` until `untilSeconds`. */
  revokeSession(sid: string, untilSeconds: number): Promise<void>;
  /**
   * Takes the right to re-check the session token `jti` against the directory for the next
   * `forMs` milliseconds, atomically: a claim id for the one caller that got it, `undefined` for
   * every other (re-checked by another worker or instance within the interval).
   */
  claimRecheck(jti: string, forMs: number): Promise<string | undefined>;
  /** Gives up the re-check claim `id`, if it still stands, so the next use re-checks. */
  releaseRecheck(jti: string, id: string): Promise<void>;
  /** Whether this token has been revoked, by itself, with its session or all its user's tokens. */
  isRevoked(claims: RevocableClaims): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Revocations for one process. Entries leave when the tokens they deny have expired, swept at
 * most once a minute as revocations arrive, so memory is bounded by the tokens alive.
 */
export class MemoryRevocationStore implements RevocationStore {
  /** jti -> exp (seconds). */
  readonly #tokens = new Map<string, number>();
  /** jti -> claim id, for the tokens revoked by a claim (refresh) that may still be released. */
  readonly #claims = new Map<string, string>();
  /** username -> { at, until } (seconds). */
  readonly #users = new Map<string, { at: number; until: number }>();
  /** sid -> until (seconds). */
  readonly #sessions = new Map<string, number>();
  /** jti -> the re-check claim's id and end (milliseconds). */
  readonly #rechecks = new Map<string, { id: string; until: number }>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async revoke(claims: RevocableClaims): Promise<void> {
    this.#sweep();
    this.#tokens.set(claims.jti, claims.exp);
    // A revocation is for good: no claim's release undoes it.
    this.#claims.delete(claims.jti);
  }

  async claim(claims: RevocableClaims): Promise<string | undefined> {
    // Check and set in one synchronous step: no other caller runs in between.
    this.#sweep();
    if (this.#tokens.has(claims.jti)) return undefined;
    const id = randomUUID();
    this.#tokens.set(claims.jti, claims.exp);
    this.#claims.set(claims.jti, id);
    return id;
  }

  async release(claims: RevocableClaims, id: string): Promise<void> {
    if (this.#claims.get(claims.jti) !== id) return;
    this.#claims.delete(claims.jti);
    this.#tokens.delete(claims.jti);
  }

  async revokeAllFor(username: string, atSeconds: number, forSeconds: number): Promise<void> {
    this.#sweep();
    this.#users.set(username, { at: atSeconds, until: atSeconds + forSeconds });
  }

  async revokeSession(sid: string, untilSeconds: number): Promise<void> {
    this.#sweep();
    this.#sessions.set(sid, untilSeconds);
  }

  async claimRecheck(jti: string, forMs: number): Promise<string | undefined> {
    // Check and set in one synchronous step, as for claim().
    this.#sweep();
    const now = this.#now();
    const current = this.#rechecks.get(jti);
    if (current && current.until > now) return undefined;
    const id = randomUUID();
    this.#rechecks.set(jti, { id, until: now + forMs });
    return id;
  }

  async releaseRecheck(jti: string, id: string): Promise<void> {
    if (this.#rechecks.get(jti)?.id === id) this.#rechecks.delete(jti);
  }

  async isRevoked(claims: RevocableClaims): Promise<boolean> {
    return this.isRevokedNow(claims);
  }

  /** The same answer without a promise: the memory store never has to wait. */
  isRevokedNow(claims: RevocableClaims): boolean {
    if (this.#tokens.has(claims.jti)) return true;
    if (claims.sid !== undefined && this.#sessions.has(claims.sid)) return true;
    const user = this.#users.get(claims.sub);
    return user !== undefined && claims.iat <= user.at;
  }

  async close(): Promise<void> {
    this.#tokens.clear();
    this.#claims.clear();
    this.#users.clear();
    this.#sessions.clear();
    this.#rechecks.clear();
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    const seconds = now / 1000;
    for (const [jti, exp] of this.#tokens) if (exp <= seconds) this.#tokens.delete(jti);
    for (const jti of this.#claims.keys()) if (!this.#tokens.has(jti)) this.#claims.delete(jti);
    for (const [user, { until }] of this.#users) if (until <= seconds) this.#users.delete(user);
    for (const [sid, until] of this.#sessions) if (until <= seconds) this.#sessions.delete(sid);
    for (const [jti, { until }] of this.#rechecks) if (until <= now) this.#rechecks.delete(jti);
  }
}
