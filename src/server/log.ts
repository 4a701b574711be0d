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
 * (`"level":"info"`), `time` in epoch milliseconds, lines in the order they were logged.
 *
 * A token's audit line used to be one `write(2)` of its own, the largest single cost of a login
 * after the directory's (docs/performance.md). The lines logged during one turn of the event
 * loop are now written together as the turn ends (`setImmediate`): under load that is one write
 * for every request the turn completed, and a line is never later than the turn that logged it.
 * A fixed delay or a size threshold (sonic-boom's `minLength` with a periodic flush) saved about
 * as much but left lines up to that delay late; pino's asynchronous destination moved the write
 * to a libuv thread on the same core and doubled p99. Held lines are written synchronously at
 * `close()` and at any exit, so none is lost.
 */
export function serviceLogger(level: LogLevel = 'info'): ServiceLogger {
  const stderr = pino.destination({ dest: 2, sync: true });
  const lines = new TurnBatchedLines((text) => stderr.write(text));
  const writeHeld = () => {
    try {
      lines.flush();
      stderr.flushSync();
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
    lines,
  );
  return Object.assign(logger, {
    close: async () => writeHeld(),
  });
}

/** A pino destination that joins the lines of one event-loop turn into one write. */
export class TurnBatchedLines {
  private held: string[] = [];
  private scheduled = false;

  constructor(private readonly writeOut: (text: string) => void) {}

  write(line: string): boolean {
    this.held.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return true;
  }

  /** Writes what is held now; the scheduled turn-end write then finds nothing. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.held.length === 0) return;
    const text = this.held.length === 1 ? (this.held[0] as string) : this.held.join('');
    this.held = [];
    this.writeOut(text);
  };
}
