import pino from 'pino';
import type { Logger } from '../shared/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The service's logger, and the way to get every line it holds onto stderr before an exit. */
export interface ServiceLogger extends Logger {
  /**
   * Writes every line still held, then stops: call it last, once nothing more is logged.
   * Resolves when the lines are on stderr.
   */
  close(): Promise<void>;
}

/**
 * The service's logger: pino, one JSON object per line on stderr, the level as a word
 * (`"level":"info"`), `time` in epoch milliseconds.
 *
 * Writes are asynchronous: a synchronous write per audit line was a sixth of the CPU a token
 * costs (docs/performance.md), and lines logged while one write is under way go out together in
 * the next. Nothing is lost at the end: the `serve` command closes it after its last line (`stopped`), and pino writes
 * what is still held synchronously when the process exits any other way (its `exit` handler).
 */
export function serviceLogger(level: LogLevel = 'info'): ServiceLogger {
  const destination = pino.destination({ dest: 2, sync: false });
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  let closed: Promise<void> | undefined;
  return Object.assign(logger, {
    // sonic-boom's flush() does not wait for a write already under way; end() does, then writes
    // the rest in order. It leaves fd 2 open for anything written to stderr afterwards.
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      });
      return closed;
    },
  });
}
