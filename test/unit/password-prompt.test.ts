import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readPassword } from '../../src/cli/password-prompt.js';
import { settles } from '../helpers/timeouts.js';

/** A terminal stand-in: records raw mode, lets the test type. */
class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  raw: boolean[] = [];
  setRawMode(mode: boolean) {
    this.raw.push(mode);
  }
  setEncoding() {}
  resume() {}
  pause() {}
  type(text: string) {
    this.emit('data', text);
  }
  async *[Symbol.asyncIterator](): AsyncIterator<string> {}
}

function recorder() {
  const written: string[] = [];
  return { written, write: (text: string) => written.push(text) };
}

describe('readPassword', () => {
  it('on a terminal: raw mode on and off, nothing echoed, backspace honoured', async () => {
    const terminal = new FakeTerminal();
    const output = recorder();
    const reading = readPassword('Password for alice: ', terminal, output);
    terminal.type('wondx');
    terminal.type('\u007ferland');
    terminal.type('\rignored');
    assert.equal(await reading, 'wonderland');
    assert.deepEqual(terminal.raw, [true, false]);
    assert.deepEqual(output.written, ['Password for alice: ', '\n']);
    assert.equal(terminal.listenerCount('data'), 0);
  });

  it('non-ASCII passwords, and backspace over a multi-byte character', async () => {
    const terminal = new FakeTerminal();
    const reading = readPassword('> ', terminal, recorder());
    terminal.type('zażółć gęślą jaźńx\u007f\n');
    assert.equal(await reading, 'zażółć gęślą jaźń');
  });

  it('Ctrl-C on a terminal rejects, and leaves raw mode', async () => {
    const terminal = new FakeTerminal();
    const reading = readPassword('> ', terminal, recorder());
    terminal.type('abc\u0003');
    await assert.rejects(reading, /no password given/);
    assert.deepEqual(terminal.raw, [true, false]);
  });

  it('not a terminal: the first line of the input, spaces kept, nothing written', async () => {
    const output = recorder();
    const piped = Object.assign(Readable.from([Buffer.from(' two words \r\nsecond line\n')]), {
      isTTY: false,
    });
    assert.equal(await readPassword('> ', piped, output), ' two words ');
    assert.deepEqual(output.written, []);
    assert.equal(await readPassword('> ', Readable.from(['no newline'])), 'no newline');
  });

  it('a pipe held open after the first line (docker exec -i): answers without waiting for its end', async () => {
    const pipe = Object.assign(new PassThrough(), { isTTY: false });
    pipe.write('sec');
    pipe.write(Buffer.from('ret\r\nstill open'));
    // The pipe never ends: waiting for its end would never settle.
    assert.equal(await settles(readPassword('> ', pipe), 'readPassword on an open pipe'), 'secret');
  });
});
