import pino from 'pino';
import type { Logger } from '../shared/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The service's logger: pino, one JSON object per line on stderr, the level as a word
 * (`"level":"info"`), `time` in epoch milliseconds. Writes are synchronous, so the last lines
 * before an exit are never lost.
 */
export function serviceLogger(level: LogLevel = 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}
