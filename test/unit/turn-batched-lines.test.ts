// The service's log destination (src/server/log.ts): the lines of one event-loop turn leave in
// one write, in the order they were logged, and nothing is held past the turn or a flush.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBatchedLines } from '../../src/server/log.js';

function recording() {
  const writes: string[] = [];
  return { writes, lines: new TurnBatchedLines((text) => writes.push(text)) };
}

it('joins the lines of one turn into one write, in order, when the turn ends', async () => {
  const { writes, lines } = recording();
  lines.write('a\n');
  lines.write('b\n');
  lines.write('c\n');
  assert.deepEqual(writes, [], 'nothing is written before the turn ends');
  await nextTurn();
  assert.deepEqual(writes, ['a\nb\nc\n']);
});

it('writes the lines of the next turn separately', async () => {
  const { writes, lines } = recording();
  lines.write('first\n');
  await nextTurn();
  lines.write('second\n');
  await nextTurn();
  assert.deepEqual(writes, ['first\n', 'second\n']);
});

it('a flush writes what is held at once, and the turn then writes nothing more', async () => {
  const { writes, lines } = recording();
  lines.write('held\n');
  lines.flush();
  assert.deepEqual(writes, ['held\n']);
  await nextTurn();
  assert.deepEqual(writes, ['held\n']);
});

it('a pino logger on it writes complete JSON lines', async () => {
  const { default: pino } = await import('pino');
  const { writes, lines } = recording();
  const logger = pino({ base: null }, lines);
  for (let index = 0; index < 5; index++) logger.info({ index }, 'issued');
  await nextTurn();
  assert.equal(writes.length, 1);
  const parsed = (writes[0] as string)
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { index: number });
  assert.deepEqual(
    parsed.map((line) => line.index),
    [0, 1, 2, 3, 4],
  );
});
