// Concurrent HTTP load for the directory resilience tests: every request is accounted for, with
// its status, how long it took, and its Retry-After; a request that does not finish within
// `hungMs` is recorded as hung (status 0) instead of hanging the test. A load stops after a count
// of requests or on an event, never after a duration.
import { Buffer } from 'node:buffer';
import { GUARD_MS } from './timeouts.js';

export interface Outcome {
  index: number;
  /** 0: no answer (network error or hung). */
  status: number;
  /** When it started, in ms since the load began, and how long it took. */
  startedMs: number;
  ms: number;
  retryAfter: string | null;
  error?: string;
}

export interface LoadOptions {
  /** Requests in flight at once. */
  concurrency: number;
  /** Stop after this many requests... */
  count?: number;
  /**
   * ...or once this returns true, checked before each request: a load driven by events (a phase
   * of a fault test reached its count), never by a time window that a slower machine would fill
   * with fewer requests.
   */
  until?: () => boolean;
  /** A request not answered within this is recorded as hung: a guard, default {@link GUARD_MS}. */
  hungMs?: number;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Sends `request(index)` over and over with `concurrency` in flight, and records each outcome. */
export async function runLoad(
  options: LoadOptions,
  request: (index: number, signal: AbortSignal) => Promise<Response>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const started = performance.now();
  let next = 0;
  const more = () =>
    (options.count === undefined || next < options.count) &&
    (options.until === undefined || !options.until());
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (more()) {
        const index = next++;
        const begin = performance.now();
        const outcome: Outcome = {
          index,
          status: 0,
          startedMs: begin - started,
          ms: 0,
          retryAfter: null,
        };
        try {
          const response = await request(index, AbortSignal.timeout(options.hungMs ?? GUARD_MS));
          await response.arrayBuffer();
          outcome.status = response.status;
          outcome.retryAfter = response.headers.get('retry-after');
        } catch (error) {
          outcome.error =
            error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
        outcome.ms = performance.now() - begin;
        outcomes.push(outcome);
      }
    }),
  );
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Statuses and their counts, e.g. `{ 200: 1990, 503: 10 }`. */
export function tally(outcomes: readonly Outcome[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of outcomes) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** A logger that keeps every line, for asserting what was logged. */
export function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const write = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  return {
    lines,
    logger: {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
    },
    events: () => lines.map((line) => line.fields.event),
  };
}
