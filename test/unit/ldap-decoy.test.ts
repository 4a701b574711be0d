// The decoy an unknown username binds as, and the wait that covers what the decoy cannot imitate,
// driven by a fake clock: what is asserted is how long it ASKS to wait, never how long it took.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Clock, decoyDn, LoginTimes } from '../../src/ldap/decoy.js';
import { rdnValue } from '../../src/ldap/rdn.js';

const TOP_DN = 'ou=people,dc=example,dc=org';

/**
 * A clock that moves only when told to; its sleeps move it by what they ask plus `late`, a turn
 * of the event loop by 0.05 ms.
 */
function fakeClock(late = 0): Clock & { at: number; asked: number[]; turns: number } {
  const clock = {
    at: 1000,
    asked: [] as number[],
    turns: 0,
    now: () => clock.at,
    sleep: async (milliseconds: number) => {
      clock.asked.push(milliseconds);
      clock.at += milliseconds + late;
    },
    nextTurn: async () => {
      clock.turns++;
      clock.at += 0.05;
    },
  };
  return clock;
}

/** A login that started `took` ms before the clock's present. */
const startedBefore = (clock: { at: number }, took: number) => clock.at - took;

describe('decoyDn', () => {
  it('is one entry below the top DN, named by 128 random bits in hex', () => {
    const dn = decoyDn(TOP_DN);
    assert.ok(dn.endsWith(`,${TOP_DN}`));
    assert.match(rdnValue(dn, 'cn') ?? '', /^ldap-token-auth-decoy-[0-9a-f]{32}$/);
  });

  it('is the same for every login of the process (one DN the directory learns nothing from)', () => {
    assert.equal(decoyDn(TOP_DN), decoyDn(TOP_DN));
    assert.equal(decoyDn('dc=other').split(',')[0], decoyDn(TOP_DN).split(',')[0]);
  });
});

describe('LoginTimes', () => {
  it('holds nothing before it has seen a wrong password', async () => {
    const clock = fakeClock();
    const times = new LoginTimes(10_000, clock);
    await times.unknownUser(startedBefore(clock, 1));
    assert.deepEqual(clock.asked, []);
  });

  it('holds an unknown user by the gap between the medians', async () => {
    const clock = fakeClock();
    const times = new LoginTimes(10_000, clock);
    for (const took of [40, 50, 60]) times.wrongPassword(startedBefore(clock, took));
    await times.unknownUser(startedBefore(clock, 10));
    assert.deepEqual(clock.asked, [40]);
  });

  it('holds a gap below a timer resolution by turns of the event loop, not a timer', async () => {
    const clock = fakeClock();
    const times = new LoginTimes(10_000, clock);
    times.wrongPassword(startedBefore(clock, 10.6));
    const before = clock.at;
    await times.unknownUser(startedBefore(clock, 10));
    assert.deepEqual(clock.asked, []);
    assert.ok(clock.at - before >= 0.6, `held ${clock.at - before} ms of a 0.6 ms gap`);
    assert.ok(clock.at - before < 0.6 + 0.05 + 1e-9, 'no turn past the gap');
  });

  it('holds nothing when unknown users are as slow or slower', async () => {
    const clock = fakeClock();
    const slow = new LoginTimes(10_000, clock);
    slow.wrongPassword(startedBefore(clock, 5));
    await slow.unknownUser(startedBefore(clock, 30));
    const same = new LoginTimes(10_000, clock);
    same.wrongPassword(startedBefore(clock, 7));
    await same.unknownUser(startedBefore(clock, 7));
    assert.deepEqual(clock.asked, []);
    assert.equal(clock.turns, 0);
  });

  it('asks a timer that fired late for less the next time', async () => {
    const clock = fakeClock(3);
    const times = new LoginTimes(10_000, clock);
    times.wrongPassword(startedBefore(clock, 50));
    await times.unknownUser(startedBefore(clock, 10)); // waits 40, the timer fires 3 ms late
    await times.unknownUser(startedBefore(clock, 10));
    assert.deepEqual(clock.asked, [40, 37]);
  });

  it('never waits longer than the cap, nor a negative time, whatever the samples', async () => {
    const duration = fc.integer({ min: 0, max: 100_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(duration, { minLength: 1 }),
        fc.array(duration),
        async (wrong, unknown) => {
          const clock = fakeClock();
          const times = new LoginTimes(5000, clock);
          for (const took of wrong) times.wrongPassword(startedBefore(clock, took));
          for (const took of unknown) await times.unknownUser(startedBefore(clock, took));
          for (const asked of clock.asked) assert.ok(asked > 0 && asked <= 5000, String(asked));
        },
      ),
    );
  });
});
