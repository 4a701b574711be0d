/** How an attempt in progress ended, for the attempts waiting on it. */
export type Ending = 'ended' | 'unavailable';

/** A counter as the tracking sees it: its name, and how many attempts it lets in at once. */
export interface TrackedCounter {
  readonly id: string;
  readonly limit: number;
}

/** One attempt in progress on its counters, until it leaves. */
export interface Entry {
  /** It now holds its points: attempts refused meanwhile may wait for it. */
  holding(): void;
  leave(ending?: Ending): void;
}

type EndsById = Map<string, Set<Promise<Ending>>>;

/**
 * The login attempts in progress in this process, per counter: what lets one process check at
 * most a counter's limit of attempts at once, the others waiting for one of them to end.
 */
export class AttemptsInProgress {
  /** Counter id -> the ends of its attempts in progress. */
  readonly #inProgress: EndsById = new Map();
  /** Counter id -> the ends of those of them that hold a point (let through to the directory). */
  readonly #holding: EndsById = new Map();

  /** The ends of the attempts in progress of every counter that has as many as its limit. */
  full(counters: readonly TrackedCounter[]): Promise<Ending>[] {
    return counters.flatMap((counter) => {
      const ends = this.#inProgress.get(counter.id);
      return ends && ends.size >= counter.limit ? [...ends] : [];
    });
  }

  /** The ends of the attempts holding a point of this counter; empty when none does. */
  holding(id: string): Promise<Ending>[] {
    return [...(this.#holding.get(id) ?? [])];
  }

  /**
   * Counts an attempt in progress on each counter (and, once it holds its points, `holding()`,
   * among those holding), until `leave()`. Synchronous, so that a check of `full` and the entry
   * after it cannot be split by a concurrent caller.
   */
  enter(counters: readonly TrackedCounter[]): Entry {
    let end!: (ending: Ending) => void;
    const ended = new Promise<Ending>((resolve) => {
      end = resolve;
    });
    const join = (map: EndsById) => {
      for (const counter of counters) {
        const ends = map.get(counter.id) ?? new Set();
        ends.add(ended);
        map.set(counter.id, ends);
      }
    };
    const quit = (map: EndsById) => {
      for (const counter of counters) {
        const ends = map.get(counter.id);
        ends?.delete(ended);
        if (ends?.size === 0) map.delete(counter.id);
      }
    };
    join(this.#inProgress);
    return {
      holding: () => join(this.#holding),
      leave: (ending = 'ended') => {
        quit(this.#inProgress);
        quit(this.#holding);
        end(ending);
      },
    };
  }
}
