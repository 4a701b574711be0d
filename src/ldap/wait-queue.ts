/** A caller waiting for a value, once it has been taken off the queue (its timer stopped). */
export interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Callers waiting for something to become free, served in arrival order; each waits at most
 * `timeoutMs`, then fails with `timeoutError()`.
 */
export class WaitQueue<T> {
  readonly #timeoutMs: number;
  readonly #timeoutError: () => Error;
  readonly #waiting: (Waiter<T> & { timer: NodeJS.Timeout })[] = [];

  constructor(timeoutMs: number, timeoutError: () => Error) {
    this.#timeoutMs = timeoutMs;
    this.#timeoutError = timeoutError;
  }

  get length(): number {
    return this.#waiting.length;
  }

  /** Queues a caller; settles when it is served, failed, or out of time. */
  wait(): Promise<T> {
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
          reject(this.#timeoutError());
        }, this.#timeoutMs),
      };
      this.#waiting.push(waiter);
    });
  }

  /** The first caller in line, taken off the queue; `undefined` when nobody waits. */
  take(): Waiter<T> | undefined {
    const waiter = this.#waiting.shift();
    if (waiter) clearTimeout(waiter.timer);
    return waiter;
  }

  /** Fails every caller in line with `error`. */
  failAll(error: unknown): void {
    for (let waiter = this.take(); waiter; waiter = this.take()) waiter.reject(error);
  }
}
