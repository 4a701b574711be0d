import pino from 'pino';
import type { Logger } from '../shared/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The service's logger, and the way to get every line it holds onto stderr before an exit. */
export interface ServiceLogger extends Logger {
  /** Writes every line still held; call it once nothing more is logged. */
  close(): Promise<void>;
}

/**
 * The service's logger: pino, one JSON object per line on stderr, the level as a word
 * (`"level":"info"`), `time` in epoch milliseconds. Each line is written synchronously as it is
 * logged, so the log says what happened in the order it happened, and nothing is lost at an exit.
 *
 * Held lines (sonic-boom's `minLength` with a periodic flush) cut what a token costs by about a
 * tenth (docs/performance.md), but make every line up to that period late, which operators and
 * the tests reading the log right after an action both noticed; pino's asynchronous destination
 * only moved the cost to a libuv thread on the same core. Both are left for a measured decision.
 */
export function serviceLogger(level: LogLevel = 'info'): ServiceLogger {
  const destination = pino.destination({
    dest: 2,
    sync: true,
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
