import type { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import { escapeGlob, type RevocationKeys, splitMessage } from './revocation-channel.js';
import type { RevocableClaims } from './revocations.js';

/** How long a failed re-sync waits before it tries again, while the subscription stays up. */
const RESYNC_RETRY_MS = 1000;

/** The longest a write waits for its own announcement to come back (a guard, not a bound). */
const ECHO_WAIT_MS = 250;

/** How many keys one SCAN step asks for while the snapshot loads. */
const SCAN_COUNT = 1000;

/**
 * A copy in process memory of the revocations kept in Redis, so that a verification asks no
 * server: revocations are rare, verifications are many. It is kept current by the channel every
 * write announces itself on, after (and atomically with) the write.
 *
 * It answers only while it is current: subscribed, then loaded from a snapshot (in that order,
 * so that a revocation written between the two arrives as a message, if not in the snapshot).
 * From the moment the subscription is lost (closed, reconnecting, or a subscribe or snapshot that
 * failed) until it is back and re-loaded, {@link isRevokedNow} answers `undefined` and the caller
 * reads Redis as before, with its outage policy: a stale copy never answers "not revoked".
 */
export class RevocationView {
  /** jti -> when its key expires (ms). */
  readonly #tokens = new Map<string, number>();
  /** username -> the cut-off (s) and when its key expires (ms). */
  readonly #users = new Map<string, { at: number; until: number }>();
  /** sid -> when its key expires (ms). */
  readonly #sessions = new Map<string, number>();
  readonly #reader: Redis;
  readonly #subscriber: Redis;
  readonly #keys: RevocationKeys;
  readonly #logger: Logger;
  readonly #now: () => number;
  #current = false;
  /** Bumped by every loss and every sync: a sync that sees it changed gives up. */
  #generation = 0;
  /** Tokens released while a snapshot loads, which a snapshot page read earlier must not bring back. */
  #released = new Set<string>();
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #lostLogged = false;
  /** Announcements this process wrote, by message, with the writes waiting for them to return. */
  readonly #echoes = new Map<string, (() => void)[]>();

  constructor(
    reader: Redis,
    subscriber: Redis,
    keys: RevocationKeys,
    logger: Logger,
    now: () => number = Date.now,
  ) {
    this.#reader = reader;
    this.#subscriber = subscriber;
    this.#keys = keys;
    this.#logger = logger;
    this.#now = now;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== keys.channel) return;
      this.#apply(message);
      const waiting = this.#echoes.get(message);
      if (!waiting) return;
      this.#echoes.delete(message);
      for (const done of waiting) done();
    });
    for (const event of ['close', 'end', 'reconnecting']) {
      subscriber.on(event, () => this.#lose(event));
    }
    // Without a listener ioredis prints every failed reconnection; the loss is logged once above.
    subscriber.on('error', () => {});
    subscriber.on('ready', () => void this.#sync());
    if (subscriber.status === 'ready') void this.#sync();
  }

  /** Whether the copy is complete and followed: the only state in which it answers. */
  get current(): boolean {
    return this.#current;
  }

  /** The answer from memory, or `undefined` while the copy is not current (ask Redis). */
  isRevokedNow(claims: RevocableClaims): boolean | undefined {
    if (!this.#current) return undefined;
    const now = this.#now();
    const token = this.#tokens.get(claims.jti);
    if (token !== undefined && token > now) return true;
    if (claims.sid !== undefined) {
      const session = this.#sessions.get(claims.sid);
      if (session !== undefined && session > now) return true;
    }
    const user = this.#users.get(claims.sub);
    return user !== undefined && user.until > now && claims.iat <= user.at;
  }

  /**
   * Runs `write`, which stores and announces `message` when `wrote` says so of its result. The
   * writer's own copy then takes a new revocation at once, so this process refuses the token from
   * the moment the write returns (a release, which only relaxes, waits for its announcement).
   * Then it waits for the announcement to come back: Redis hands it to every subscriber in the
   * same turn, so by then the other views of this process (and of other processes on this host)
   * have it in their socket, and the turn of the event loop that follows reads it here. The
   * waiter is in place before the write goes out, so an echo that beats the reply is not missed.
   */
  async announcing<T>(
    message: string,
    write: () => Promise<T>,
    wrote: (result: T) => boolean,
  ): Promise<T> {
    if (!this.#current) return write();
    let echoed!: () => void;
    const echo = new Promise<void>((resolve) => {
      echoed = resolve;
    });
    const waiting = this.#echoes.get(message) ?? [];
    waiting.push(echoed);
    this.#echoes.set(message, waiting);
    const forget = () => {
      const left = (this.#echoes.get(message) ?? []).filter((done) => done !== echoed);
      if (left.length > 0) this.#echoes.set(message, left);
      else this.#echoes.delete(message);
    };
    let result: T;
    try {
      result = await write();
    } catch (error) {
      forget();
      throw error;
    }
    if (!wrote(result)) {
      forget();
      return result;
    }
    if (this.#current && !message.startsWith('d|')) this.#apply(message);
    const timer = setTimeout(echoed, ECHO_WAIT_MS);
    timer.unref();
    await echo;
    clearTimeout(timer);
    forget();
    await new Promise((resolve) => setImmediate(resolve));
    return result;
  }

  close(): void {
    this.#closed = true;
    this.#lose('closed');
    clearTimeout(this.#retry);
    this.#subscriber.disconnect();
  }

  #lose(reason: string): void {
    this.#generation++;
    this.#current = false;
    // No echo will come: the writes waiting for one go on (reads now ask Redis anyway).
    for (const waiting of this.#echoes.values()) for (const done of waiting) done();
    this.#echoes.clear();
    if (this.#closed || this.#lostLogged) return;
    this.#lostLogged = true;
    this.#logger.warn(
      { event: 'revocation_view_stale', reason },
      'Revocations are read from Redis until their subscription is back and re-loaded',
    );
  }

  async #sync(): Promise<void> {
    clearTimeout(this.#retry);
    const generation = ++this.#generation;
    this.#current = false;
    this.#tokens.clear();
    this.#users.clear();
    this.#sessions.clear();
    this.#released = new Set();
    try {
      // Subscribed (acknowledged by the server) before the first SCAN: nothing falls between.
      await this.#subscriber.subscribe(this.#keys.channel);
      if (generation !== this.#generation) return;
      await this.#loadSnapshot(generation);
      if (generation !== this.#generation) return;
      this.#current = true;
      this.#released.clear();
      if (this.#lostLogged) {
        this.#lostLogged = false;
        this.#logger.warn(
          { event: 'revocation_view_current' },
          'Revocations are read from memory again, re-loaded from Redis',
        );
      }
    } catch (error) {
      if (generation !== this.#generation || this.#closed) return;
      this.#lose(error instanceof Error ? error.message : String(error));
      // The subscription may still be up (only the snapshot failed): try again while it is.
      this.#retry = setTimeout(() => {
        if (this.#subscriber.status === 'ready') void this.#sync();
      }, RESYNC_RETRY_MS);
      this.#retry.unref();
    }
  }

  async #loadSnapshot(generation: number): Promise<void> {
    const pattern = `${escapeGlob(this.#keys.prefix)}revoked*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#reader.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (keys.length === 0) continue;
      const pipeline = this.#reader.pipeline();
      for (const key of keys) pipeline.get(key).pttl(key);
      const replies = (await pipeline.exec()) ?? [];
      if (generation !== this.#generation) return;
      const now = this.#now();
      keys.forEach((key, index) => {
        const [valueError, value] = replies[2 * index] ?? [];
        const [ttlError, ttl] = replies[2 * index + 1] ?? [];
        if (valueError || ttlError) throw valueError ?? ttlError;
        if (value === null || typeof ttl !== 'number' || ttl === -2) return;
        this.#loadKey(key, String(value), ttl === -1 ? Number.POSITIVE_INFINITY : now + ttl);
      });
    } while (cursor !== '0');
  }

  #loadKey(key: string, value: string, until: number): void {
    const rest = key.slice(this.#keys.prefix.length);
    if (rest.startsWith('revoked:')) {
      const jti = rest.slice('revoked:'.length);
      if (!this.#released.has(jti)) this.#tokens.set(jti, until);
    } else if (rest.startsWith('revoked-user:')) {
      const username = decodeURIComponent(rest.slice('revoked-user:'.length));
      this.#setUser(username, Number(value), until);
    } else if (rest.startsWith('revoked-session:')) {
      this.#sessions.set(rest.slice('revoked-session:'.length), until);
    }
  }

  #apply(message: string): void {
    const [kind, first, second, rest] = splitMessage(message);
    const now = this.#now();
    if (kind === 't') {
      this.#released.delete(second);
      this.#tokens.set(second, Number(first) * 1000);
    } else if (kind === 'd') {
      const jti = message.slice(2);
      this.#tokens.delete(jti);
      // Remembered only while a snapshot loads (its pages may predate the release).
      if (!this.#current) this.#released.add(jti);
    } else if (kind === 'u' && rest !== undefined) {
      this.#setUser(rest, Number(first), now + Number(second) * 1000);
    } else if (kind === 's') {
      this.#sessions.set(second, Number(first) * 1000);
    }
    this.#sweep(now);
  }

  /** The latest cut-off wins, whichever arrives first of a snapshot's and a message's. */
  #setUser(username: string, at: number, until: number): void {
    const known = this.#users.get(username);
    if (known && known.at > at && known.until > this.#now()) return;
    this.#users.set(username, { at, until });
  }

  #lastSweep = 0;

  /** Drops what Redis has expired too, at most once a minute, as revocations arrive. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [jti, until] of this.#tokens) if (until <= now) this.#tokens.delete(jti);
    for (const [user, { until }] of this.#users) if (until <= now) this.#users.delete(user);
    for (const [sid, until] of this.#sessions) if (until <= now) this.#sessions.delete(sid);
  }
}
