// The pool's rules with stand-in connections (no sockets): bounds, queueing, what a failure does
// to a connection, retries, resets, idle retirement and close. test/interop/ldap-pool.test.ts
// checks the same against slapd. Operations end when the test says so (deferreds), the queue timer
// runs on node:test's mock clock, and the delays that compare performance.now() are awaited as
// events and checked against their configured value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, InvalidCredentialsError } from 'ldapts';
import type { Connection } from '../../src/ldap/connection.js';
import type { Connector } from '../../src/ldap/connector.js';
import { ServerList } from '../../src/ldap/failover.js';
import { PoolTimeoutError } from '../../src/ldap/failures.js';
import { ConnectionPool, type PoolOptions, RESET_DELAY_MS } from '../../src/ldap/pool.js';
import { parseServerUrl } from '../../src/ldap/urls.js';
import { assertEndedByTimeout, deferred, stateOf, waitUntil } from '../helpers/timeouts.js';

interface Fake {
  id: number;
  server: string;
  alive: boolean;
  closed: boolean;
  resets: number;
  die(): void;
}

function harness(options: Partial<PoolOptions> = {}, urls = ['ldap://a']) {
  const servers = new ServerList(urls.map(parseServerUrl));
  const made: Fake[] = [];
  let failOpen: Error | undefined;
  const connector = {
    servers,
    async open() {
      if (failOpen) throw failOpen;
      await sleep(1);
      const server = servers.order()[0]!;
      let death: (() => void) | undefined;
      const fake: Fake = {
        id: made.length + 1,
        server: server.url,
        alive: true,
        closed: false,
        resets: 0,
        die() {
          fake.alive = false;
          death?.();
        },
      };
      made.push(fake);
      const connection = {
        client: fake as unknown as Client,
        server,
        lastUsed: performance.now(),
        prepared: false,
        needsReset: false,
        get alive() {
          return fake.alive;
        },
        onDeath(listener: () => void) {
          death = listener;
        },
        async close() {
          fake.alive = false;
          fake.closed = true;
        },
      };
      return connection as unknown as Connection;
    },
  } as unknown as Connector;
  const pool = new ConnectionPool({
    size: 2,
    // Far beyond any wait these tests make: only the test about the timeout sets its own, on a
    // mock clock, so a busy machine cannot turn a queued caller into a PoolTimeoutError.
    queueTimeoutMs: 30_000,
    idleTimeoutMs: 60_000,
    connector,
    ...options,
  });
  return {
    pool,
    made,
    servers,
    failOpens(error: Error | undefined) {
      failOpen = error;
    },
  };
}

const as = (client: Client) => client as unknown as Fake;
const hold = (ms: number) => async (client: Client) => {
  await sleep(ms);
  return as(client).id;
};

describe('ConnectionPool', () => {
  it('opens at most size connections and queues the rest in order', async () => {
    const { pool, made } = harness();
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        pool.use(async (client) => {
          await sleep(5);
          order.push(index);
          return as(client).id;
        }),
      ),
    );
    assert.equal(made.length, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(pool.stats, { open: 2, busy: 0 });
    await pool.close();
  });

  it('a caller waits queueTimeoutMs for a free connection, then fails with PoolTimeoutError', async (t) => {
    // The pool's timers on a mock clock; the stand-in connections still open on the real one.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const queueTimeoutMs = 200;
    const { pool } = harness({ size: 1, queueTimeoutMs });
    const release = deferred();
    const running = deferred();
    const long = pool.use(async (client) => {
      running.resolve();
      await release.promise;
      return as(client).id;
    });
    await running.promise;
    const waiting = pool.use(hold(0));
    t.mock.timers.tick(queueTimeoutMs - 1);
    assert.equal(await stateOf(waiting), 'pending', 'gave up before queueTimeoutMs');
    t.mock.timers.tick(1);
    await assert.rejects(waiting, PoolTimeoutError);
    assert.equal(await stateOf(long), 'pending', 'the connection was never given back');
    release.resolve();
    assert.equal(await long, 1);
    await pool.close();
  });

  it('an LDAP answer keeps the connection; a lost one is replaced and the operation retried once', async () => {
    const { pool, made } = harness({ size: 1 });
    await assert.rejects(
      pool.use(async () => {
        throw new InvalidCredentialsError();
      }),
      InvalidCredentialsError,
    );
    assert.equal(await pool.use(async (client) => as(client).id), 1, 'kept after an answer');
    let calls = 0;
    const id = await pool.use(async (client) => {
      calls++;
      if (calls === 1) {
        as(client).die();
        throw new Error('Connection closed before message response was received');
      }
      return as(client).id;
    });
    assert.deepEqual([calls, id, made[0]!.closed], [2, 2, true]);
    await assert.rejects(
      pool.use(async (client) => {
        as(client).die();
        throw new Error('socket hang up');
      }),
      /socket hang up/,
      'a second loss in a row is the caller’s',
    );
    await pool.close();
  });

  it('a timeout with no other server: no retry, and everyone queued is answered at once', async (t) => {
    // The mock clock never moves: an answer to the queued caller cannot be its queueTimeoutMs.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool } = harness({ size: 1, queueTimeoutMs: 5000 });
    let calls = 0;
    const running = deferred();
    const operationTimeout = deferred();
    const hung = pool.use(async () => {
      calls++;
      running.resolve();
      await operationTimeout.promise;
      throw new Error('SearchRequest: Operation timed out');
    });
    await running.promise;
    const queued = pool.use(hold(0));
    operationTimeout.resolve();
    await assert.rejects(hung, /timed out/);
    await assert.rejects(queued, /timed out/);
    assert.equal(calls, 1);
    await pool.close();
  });

  it('a timeout with another server: retried there', async () => {
    const { pool, made } = harness({ size: 1 }, ['ldap://a', 'ldap://b']);
    const server = await pool.use(async (client) => {
      if (as(client).server === 'ldap://a') throw new Error('BindRequest: Operation timed out');
      return as(client).server;
    });
    assert.equal(server, 'ldap://b');
    assert.deepEqual(
      made.map((fake) => [fake.server, fake.closed]),
      [
        ['ldap://a', true],
        ['ldap://b', false],
      ],
    );
    await pool.close();
  });

  it('after losing a connection to a server with another one available, leaves it: the retry and later callers go to the other', async () => {
    const { pool, made } = harness({ size: 3 }, ['ldap://a', 'ldap://b']);
    await Promise.all([pool.use(hold(5)), pool.use(hold(5)), pool.use(hold(5))]);
    assert.deepEqual(
      made.map((fake) => fake.server),
      ['ldap://a', 'ldap://a', 'ldap://a'],
    );
    // Still in use on a while the other operation loses its connection and is retried.
    const release = deferred();
    const long = pool.use(async (client) => {
      await release.promise;
      return as(client).id;
    });
    const server = await pool.use(async (client) => {
      if (as(client).server === 'ldap://a') {
        as(client).die();
        throw new Error('Connection closed before message response was received');
      }
      return as(client).server;
    });
    assert.equal(server, 'ldap://b', 'the retry did not take the other idle connection to a');
    assert.equal(made.filter((fake) => fake.server === 'ldap://a' && fake.closed).length, 2);
    release.resolve();
    await long;
    assert.ok(
      made.every((fake) => fake.server === 'ldap://b' || fake.closed),
      'a still in use',
    );
    assert.equal(await pool.use(async (client) => as(client).server), 'ldap://b');
    await pool.close();
  });

  it('when no server can be reached, the queued callers fail with the same error at once', async () => {
    const { pool, failOpens } = harness({ size: 1, queueTimeoutMs: 5000 });
    const first = pool.use(async (client) => {
      await sleep(10);
      as(client).die();
      throw new Error('socket closed');
    });
    const queued = pool.use(hold(0));
    failOpens(new Error('No directory server could be reached'));
    await assert.rejects(first, /No directory server/);
    await assert.rejects(queued, /No directory server/);
    await pool.close();
  });

  describe('reset (the bind pool back to anonymous)', () => {
    const reset = async (client: Client) => {
      as(client).resets++;
    };

    it('a quiet pool resets before the operation resolves', async () => {
      const { pool, made } = harness({ reset });
      await pool.use(hold(0));
      assert.equal(made[0]!.resets, 1);
      await pool.use(hold(0));
      assert.equal(made[0]!.resets, 2);
      await pool.close();
    });

    it('a waiting caller gets the connection as it is; the last of a burst is reset at once', async () => {
      const { pool, made } = harness({ size: 1, reset });
      await Promise.all([pool.use(hold(5)), pool.use(hold(5)), pool.use(hold(5))]);
      assert.equal(made.length, 1);
      assert.equal(made[0]!.resets, 1, 'two hand-overs without reset, then one');
      await pool.close();
    });

    it('released while others run: reset after RESET_DELAY_MS, unless taken again first', async () => {
      const { pool, made } = harness({ size: 2, reset });
      const first = deferred();
      let restingSince = 0;
      await Promise.all([
        pool.use(async (client) => {
          await first.promise;
          return as(client).id;
        }),
        pool.use(async (client) => {
          await sleep(5);
          // Given back while the other operation runs.
          restingSince = performance.now();
          first.resolve();
          return as(client).id;
        }),
      ]);
      assert.deepEqual(
        made.map((fake) => fake.resets),
        [0, 0],
      );
      // Taken again at once (the most recent first): its operation replaces the state, and,
      // the pool being quiet now, it is reset right after. (No timer runs in between.)
      assert.equal(await pool.use(async (client) => as(client).id), 1);
      assert.deepEqual(
        made.map((fake) => fake.resets),
        [1, 0],
      );
      await waitUntil(() => made[1]!.resets === 1, 'the other one to be reset once it had rested');
      assertEndedByTimeout(performance.now() - restingSince, RESET_DELAY_MS, 'the resting one');
      assert.deepEqual(
        made.map((fake) => fake.resets),
        [1, 1],
      );
      await pool.close();
    });

    it('a connection whose reset fails is closed, not reused', async () => {
      const { pool, made } = harness({
        reset: async () => {
          throw new Error('anonymous bind refused');
        },
      });
      await pool.use(hold(0));
      assert.equal(made[0]!.closed, true);
      assert.equal(await pool.use(hold(0)), 2);
      await pool.close();
    });
  });

  it('closes connections idle for idleTimeoutMs, and drops dead idle ones at once', async () => {
    const idleTimeoutMs = 100;
    const { pool, made } = harness({ idleTimeoutMs });
    // Before the operations: both connections were last used after this.
    const started = performance.now();
    await Promise.all([pool.use(hold(2)), pool.use(hold(2))]);
    assert.equal(pool.stats.open, 2);
    made[1]!.die();
    assert.equal(pool.stats.open, 1, 'a connection that died idle leaves the pool');
    await waitUntil(() => made[0]!.closed, 'the idle connection to be closed');
    assertEndedByTimeout(performance.now() - started, idleTimeoutMs, 'the idle connection');
    assert.equal(pool.stats.open, 0);
    assert.equal(await pool.use(hold(0)), 3, 'a new connection after retirement');
    await pool.close();
  });

  it('close(): idle connections at once, busy ones when given back, waiters refused', async () => {
    const { pool, made } = harness({ size: 1 });
    const running = deferred();
    const release = deferred();
    const busy = pool.use(async (client) => {
      running.resolve();
      await release.promise;
      return as(client).id;
    });
    const waiting = pool.use(hold(0));
    await running.promise;
    const closing = pool.close();
    await assert.rejects(waiting, /closed/);
    assert.equal(made[0]!.closed, false);
    assert.equal(await stateOf(closing), 'pending', 'close() waits for the busy connection');
    release.resolve();
    await closing;
    assert.equal(await busy, 1);
    assert.equal(made[0]!.closed, true);
    assert.deepEqual(pool.stats, { open: 0, busy: 0 });
    await assert.rejects(pool.use(hold(0)), /closed/);
  });
});
