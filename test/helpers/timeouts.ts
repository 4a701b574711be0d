// Tests assert behaviour, never speed (DESIGN.md, section 6). These helpers are the only ways a
// test here looks at a clock: a wait that ends on an event (with a generous guard against a hang,
// never an assertion on speed), and the check that a configured timeout is what ended a wait,
// with margins proportional to the timeout so that a slower or busier machine still passes.

/** How much a loaded machine may add to any wait, on top of the margin proportional to it. */
export const GENEROUS_MS = 10_000;

/** A wait on an event gives up after this long: it guards against a hang, it measures nothing. */
export const GUARD_MS = 30_000;

/**
 * Asserts that `elapsedMs` is what a wait ended by a `configuredMs` timeout takes: not sooner
 * (at least 0.9 x the timeout, since timers never fire early but clocks differ by a little), and
 * not hung (under 5 x the timeout plus {@link GENEROUS_MS}).
 */
export function assertEndedByTimeout(elapsedMs: number, configuredMs: number, what: string): void {
  if (elapsedMs < 0.9 * configuredMs) {
    throw new Error(
      `${what} ended after ${Math.round(elapsedMs)} ms, before its ${configuredMs} ms timeout`,
    );
  }
  if (elapsedMs >= 5 * configuredMs + GENEROUS_MS) {
    throw new Error(
      `${what} ended after ${Math.round(elapsedMs)} ms: hung past its ${configuredMs} ms timeout`,
    );
  }
}

/**
 * Asserts that a wait took well under a `configuredMs` timeout (less than half of it): it was
 * answered by an event, such as a refused connection, not by the timeout. Give the timeout a value
 * of at least 2 x {@link GENEROUS_MS} so that a loaded machine never comes near it.
 */
export function assertEndedBeforeTimeout(
  elapsedMs: number,
  configuredMs: number,
  what: string,
): void {
  if (elapsedMs >= configuredMs / 2) {
    throw new Error(
      `${what} took ${Math.round(elapsedMs)} ms: it waited for the ${configuredMs} ms timeout`,
    );
  }
}

/**
 * Resolves once `condition()` holds, checking every 10 ms; rejects after `guardMs` (a hang, not
 * slowness). Returns how long it waited.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  guardMs = GUARD_MS,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > guardMs)
      throw new Error(`still waiting after ${guardMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A promise settled from outside: an operation that ends when the test says so. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** 'pending' while `promise` has not settled by the next turn of the event loop. */
export async function stateOf(
  promise: Promise<unknown>,
): Promise<'pending' | 'fulfilled' | 'rejected'> {
  const pending = Symbol('pending');
  const settled = await Promise.race([
    promise.then(
      () => 'fulfilled' as const,
      () => 'rejected' as const,
    ),
    new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending))),
  ]);
  return settled === pending ? 'pending' : settled;
}

/**
 * `promise`, or a rejection naming `what` if it has not settled after `guardMs`: a hang shows up
 * as this test's own failure instead of the runner's timeout. It measures nothing.
 */
export async function settles<T>(
  promise: Promise<T>,
  what: string,
  guardMs = GUARD_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hung: ${what} had not settled after ${guardMs} ms`)),
      guardMs,
    );
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}
