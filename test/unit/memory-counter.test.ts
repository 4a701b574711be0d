// The login limits' memory counter counts as rate-limiter-flexible's memory limiter does, but
// on the Auth's clock.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { MemoryPointCounter } from '../../src/stores/memory-counter.js';

const rule = { points: 3, duration: 60, blockDuration: 120 };

/** What a counter's answer says, taken or refused. */
async function outcome(answer: Promise<unknown>) {
  const settle = (taken: boolean) => (res: unknown) => {
    assert.ok(res instanceof RateLimiterRes);
    return { taken, consumed: res.consumedPoints, remaining: res.remainingPoints };
  };
  return answer.then(settle(true), settle(false));
}

it('takes, refuses, gives back and forgets as the memory limiter does', async () => {
  const counter = new MemoryPointCounter(rule, Date.now);
  const library = new RateLimiterMemory(rule);
  const steps: ((c: MemoryPointCounter | RateLimiterMemory) => Promise<unknown>)[] = [
    ...Array.from(
      { length: 5 },
      () => (c: MemoryPointCounter | RateLimiterMemory) => c.consume('a'),
    ),
    (c) => c.reward('a'),
    (c) => c.consume('a'),
    (c) => c.reward('fresh'),
    (c) => c.consume('fresh'),
    (c) => c.delete('a').then(() => c.consume('a')),
  ];
  for (const step of steps) {
    assert.deepEqual(await outcome(step(counter)), await outcome(step(library)));
  }
});

it('windows and lockouts follow the injected clock', async () => {
  let now = 1_000_000;
  const counter = new MemoryPointCounter(rule, () => now);
  for (let i = 0; i < 3; i++) await counter.consume('a');
  const refused = await outcome(counter.consume('a'));
  assert.equal(refused.taken, false);
  now += 119_000;
  assert.equal((await outcome(counter.consume('a'))).taken, false, 'still locked');
  now += 121_000;
  assert.deepEqual(await outcome(counter.consume('a')), { taken: true, consumed: 1, remaining: 2 });
  now += 61_000;
  await counter.consume('b');
  now += 61_000;
  assert.deepEqual(await outcome(counter.consume('b')), { taken: true, consumed: 1, remaining: 2 });
});
