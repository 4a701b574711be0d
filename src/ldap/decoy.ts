import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A random value per process, for the decoy DN's RDN. Hex digits, not raw bytes: a DN the server
 * cannot parse is refused (invalidDNSyntax) before it looks anything up, quicker than a real bind,
 * which is the very difference the decoy is there to hide.
 */
const DECOY_VALUE = randomBytes(16).toString('hex');

/** Durations remembered of each kind (wrong passwords, unknown users, timers), the latest. */
const SAMPLES = 64;

/** Below this, `setTimeout` cannot wait precisely (whole milliseconds, and it fires late). */
const TIMER_RESOLUTION_MS = 2;

/**
 * The DN an unknown or ambiguous username binds as, with the password given, so that the
 * directory does the same work and the same round trip on the same kind of connection as for a
 * known user's wrong password (slapd and Active Directory answer invalidCredentials to both), and
 * the answer's time does not say whether the user exists.
 *
 * It cannot bind: 128 random bits chosen when the process starts name no entry anyone could have
 * created beforehand; and whatever the directory answers, the login is refused anyway (the caller
 * never treats the decoy's success as a login), so even a directory that accepted any DN would
 * let nobody in through it.
 */
export function decoyDn(topDn: string): string {
  return `cn=ldap-token-auth-decoy-${DECOY_VALUE},${topDn}`;
}

/** Milliseconds, and ways to wait: a timer, and one turn of the event loop. */
export interface Clock {
  now(): number;
  sleep(milliseconds: number): Promise<unknown>;
  /** Resolves after the I/O already waiting has been served (`setImmediate`). */
  nextTurn(): Promise<unknown>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep,
  nextTurn: () => new Promise((resolve) => setImmediate(resolve)),
};

/**
 * What the decoy bind cannot imitate: a directory that takes longer to check a real password
 * (a slow hash such as bcrypt or Argon2, AD's password checks) than to refuse a DN it does not
 * have, and a search that finds an entry rather than none. It learns the median time of recent
 * logins of known users with a wrong password and of unknown users (each from the start of the
 * search to the bind's refusal), and holds an unknown user's answer by the difference, so that
 * both kinds take times around the same median. A difference, not a target time: holding each
 * answer until at least a typical wrong password's time would push the unknown users' median
 * above the other. Nothing is held until both kinds have been seen; never longer than `capMs`
 * (the directory's operation timeout).
 */
export class LoginTimes {
  readonly #wrongPasswords = new RecentTimes();
  readonly #unknownUsers = new RecentTimes();
  readonly #timerLateness = new RecentTimes();
  readonly #turnLateness = new RecentTimes();
  readonly #capMs: number;
  readonly #clock: Clock;

  /** `clock`: for tests; `performance.now()`, a timer and `setImmediate` by default. */
  constructor(capMs: number, clock: Clock = realClock) {
    this.#capMs = capMs;
    this.#clock = clock;
  }

  /** A known user's wrong password: its login started at `startedAt` (the clock's `now()`). */
  wrongPassword(startedAt: number): void {
    this.#wrongPasswords.add(Math.min(this.#clock.now() - startedAt, this.#capMs));
  }

  /** An unknown user's login, started at `startedAt`: resolves when it has taken long enough. */
  async unknownUser(startedAt: number): Promise<void> {
    this.#unknownUsers.add(Math.min(this.#clock.now() - startedAt, this.#capMs));
    const gap = this.#wrongPasswords.median() - this.#unknownUsers.median();
    if (!(gap > 0)) return;
    if (gap < TIMER_RESOLUTION_MS) {
      // Too short for a timer (whole milliseconds, fired late): a tenth of a millisecond on
      // loopback is the search finding an entry rather than none. Wait it out by turns of the
      // event loop, which serve every other request meanwhile; at most 2 ms of turns per
      // unknown name, about what its search and bind cost. The last turn ends past the mark, by
      // about as much as last time: aimed that much short.
      const until = this.#clock.now() + gap - (this.#turnLateness.median() || 0);
      while (this.#clock.now() < until) await this.#clock.nextTurn();
      this.#turnLateness.add(Math.max(0, this.#clock.now() - until));
      return;
    }
    // Timers fire late, the more so the busier the process: asked for less by how late they
    // have been.
    const wait = gap - (this.#timerLateness.median() || 0);
    if (!(wait > 0)) return;
    const asleep = this.#clock.now();
    await this.#clock.sleep(wait);
    this.#timerLateness.add(this.#clock.now() - asleep - wait);
  }
}

/** The last {@link SAMPLES} durations, in milliseconds. */
class RecentTimes {
  readonly #samples: number[] = [];
  #next = 0;

  add(milliseconds: number): void {
    this.#samples[this.#next] = milliseconds;
    this.#next = (this.#next + 1) % SAMPLES;
  }

  /** NaN while empty. */
  median(): number {
    if (this.#samples.length === 0) return Number.NaN;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }
}
