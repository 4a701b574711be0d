import pino from 'pino';
import type { Logger } from '../shared/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The service's logger, and the way to get every line it holds onto stderr before an exit. */
export interface ServiceLogger extends Logger {
  /** Writes every line still held; call it once nothing more is logged. */
  close(): Promise<void>;
}

/** Lines are held until this many bytes wait (about fifteen audit lines)... */
const HELD_BYTES = 4096;
/** ...or this long, whichever comes first: a quiet service's lines are late by at most this. */
const HELD_MS = 100;

/**
 * The service's logger: pino, one JSON object per line on stderr, the level as a word
 * (`"level":"info"`), `time` in epoch milliseconds.
 *
 * A `write(2)` per audit line was 13-16% of what a token costs (docs/performance.md). pino's
 * asynchronous destination hands each write to a libuv thread, which on a core shared with slapd
 * only moved the cost (and doubled p99 in the bench); so writes stay synchronous, in order and
 * on this thread, but carry several lines each. Held lines are written on shutdown (`close`),
 * and on any exit, crash included, by the `exit` handler; a SIGKILL loses at most the last
 * {@link HELD_MS} ms of lines.
 */
export function serviceLogger(level: LogLevel = 'info'): ServiceLogger {
  const destination = pino.destination({
    dest: 2,
    sync: true,
    minLength: HELD_BYTES,
    periodicFlush: HELD_MS,
  });
  const writeHeld = () => {
    try {
      destination.flushSync();
    } catch {
      // stderr is gone (EPIPE, closed): there is nowhere left to write the lines to.
    }
  };
  process.once('exit', writeHeld);
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return Object.assign(logger, {
    close: async () => writeHeld(),
  });
}
