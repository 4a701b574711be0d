// Files named by environment variables: `*_FILE` twins of the secret variables (container
// platforms mount secrets as files, and a variable leaks into `ps e`, crash dumps and child
// processes), and the key files. Read once at start-up.
import { readFileSync, statSync } from 'node:fs';
import { ConfigurationError } from '../errors.js';
import type { Logger } from '../shared/logger.js';

/** Where fromEnv's warnings go: a logger's `warn`. */
export type Warn = Logger['warn'];

/**
 * The text of the file `path`, named by `variable`.
 * @throws {ConfigurationError} naming the variable and the file, when it cannot be read.
 */
export function readVariableFile(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `${variable} names a file that cannot be read: ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      variable,
    );
  }
}

/**
 * A secret read from a file, as `echo secret > file` or a Kubernetes Secret leaves it: one
 * trailing newline (LF or CRLF) dropped, nothing else, since a secret may end with a space.
 * @throws {ConfigurationError} unreadable, or empty.
 */
export function readSecretFile(variable: string, path: string, warn: Warn): string {
  const text = readVariableFile(variable, path).replace(/\r?\n$/, '');
  if (text === '') {
    throw new ConfigurationError(`${variable} names an empty file: ${path}`, variable);
  }
  warnIfShared(variable, path, warn);
  return text;
}

/**
 * Warns when the group or others may read `path` (a private key or a secret): anyone else on
 * the machine could then sign tokens or bind as the service account. Not an error, since a
 * mounted volume or a group-readable deployment may be deliberate; POSIX modes only.
 */
export function warnIfShared(variable: string, path: string, warn: Warn): void {
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return; // it was just read; a file gone since then is not worth a second message
  }
  if ((mode & 0o077) === 0) return;
  const permissions = (mode & 0o777).toString(8).padStart(3, '0');
  warn(
    { event: 'secret_file_readable', variable, file: path, mode: permissions },
    `${variable}: ${path} may be read by other users (mode ${permissions}); restrict it with chmod 600 ${path}`,
  );
}

/** fromEnv's warnings without a logger: Node's own warning channel (stderr, once each). */
export const processWarning: Warn = (fields, message) => {
  process.emitWarning(message, { code: `LDAP_TOKEN_AUTH_${String(fields.event).toUpperCase()}` });
};
