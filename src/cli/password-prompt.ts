// Reads a password for `check --password-prompt`: from a terminal without echo, else the first
// line of stdin (so scripts can pipe it in). It is never written anywhere.

/** What is read from: process.stdin, or a stand-in in tests. */
export interface PasswordInput extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
}

/**
 * Resolves with the password; rejects when the person presses Ctrl-C or Ctrl-D on a terminal.
 * On a terminal only `prompt` and a final newline are written to `output`: nothing is echoed.
 */
export function readPassword(
  prompt: string,
  input: PasswordInput = process.stdin,
  output: { write(text: string): unknown } = process.stderr,
): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return firstLine(input);
  const setRawMode = input.setRawMode.bind(input);
  return new Promise((resolve, reject) => {
    output.write(prompt);
    setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    let typed = '';
    const finish = (error?: Error) => {
      setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n') return finish();
        if (character === '\u0003' || character === '\u0004') {
          return finish(new Error('no password given'));
        }
        if (character === '\u007f' || character === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += character;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The input up to its first line break, without waiting for the rest: a pipe held open after the
 * password (`docker exec -i`, a script still writing) must not keep the command waiting for an
 * end of input that never comes. Leaving the loop early closes the input.
 */
async function firstLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    const bytes = Buffer.from(chunk);
    const newline = bytes.indexOf(0x0a);
    if (newline >= 0) {
      chunks.push(bytes.subarray(0, newline));
      break;
    }
    chunks.push(bytes);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const end = text.search(/\r?\n|\r$/);
  return end < 0 ? text : text.slice(0, end);
}
