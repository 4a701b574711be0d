/**
 * The logging surface the library writes to: the subset of pino's API we use, so a pino logger
 * (or anything shaped like it) can be passed in. Log objects never carry passwords or tokens.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const ignore = () => {};

/** The default: says nothing. */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** One JSON object per line on stderr, for the CLI when no logger library is wanted. */
export function jsonLogger(minimum: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const levels = ['debug', 'info', 'warn', 'error'] as const;
  const write =
    (level: (typeof levels)[number]) => (fields: Record<string, unknown>, message: string) => {
      if (levels.indexOf(level) < levels.indexOf(minimum)) return;
      process.stderr.write(
        `${JSON.stringify({ level, time: Date.now(), msg: message, ...fields })}\n`,
      );
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
