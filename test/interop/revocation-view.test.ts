// Revocations on Redis read from each instance's view in memory: two Auth objects (two
// instances) on one real redis-server. A revocation at one reaches the other, every time; while
// the other's subscription is down it reads Redis instead of its view, and a Redis that is gone
// is answered as STORE_FAILURE says. Waits end on an event or a poll with a guard, never a sleep.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { StoreUnavailableError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import {
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';
import { recordingLogger } from '../helpers/load.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { waitUntil } from '../helpers/timeouts.js';

const REVOCATIONS = 100;

function instance(
  directory: TestDirectory,
  redis: RedisServer,
  log = recordingLogger(),
  storeFailure: 'open' | 'closed' = 'closed',
): Auth {
  const options: AuthOptions = {
    ...conformanceOptions(directory.url).auth,
    logger: log.logger,
    redis: { url: redis.url, keyPrefix: 'view-test:' },
    revocation: { enabled: true },
    storeFailure,
  };
  return createAuth(options);
}

/** Whether `auth` refuses the token as revoked; any other failure is the test's. */
async function refused(auth: Auth, token: string): Promise<boolean> {
  try {
    await auth.verify(token);
    return false;
  } catch (error) {
    if (error instanceof Error && /revoked/.test(error.message)) return true;
    throw error;
  }
}

/** Resolves once `log` has recorded `event` more than `seen` times. */
function logged(log: ReturnType<typeof recordingLogger>, event: string, seen = 0) {
  const count = () => log.events().filter((name) => name === event).length;
  return waitUntil(() => count() > seen, `the event ${event}`);
}

function countOf(log: ReturnType<typeof recordingLogger>, event: string): number {
  return log.events().filter((name) => name === event).length;
}

/** How many MGET and GET commands Redis has run so far. */
async function readsSent(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  let total = 0;
  for (const match of stats.matchAll(/^cmdstat_(?:mget|get):calls=(\d+)/gm))
    total += Number(match[1]);
  return total;
}

describe('revocation views on one redis-server', () => {
  let directory: TestDirectory;
  let redis: RedisServer;
  let admin: Redis;
  let a: Auth;
  let b: Auth;
  const logB = recordingLogger();

  before(async () => {
    directory = await startFixtureDirectory();
    redis = await startRedis();
    admin = new Redis(redis.url);
    a = instance(directory, redis);
    b = instance(directory, redis, logB);
    // Both views subscribed and loaded: the first verification waits for the connection.
    const { token } = await a.requestToken(USERS.alice);
    await b.verify(token);
    await waitUntil(
      async () => (await admin.pubsub('NUMSUB', 'view-test:revocations'))[1] === 2,
      'both views subscribed',
    );
  });
  after(async () => {
    await Promise.all([a, b].map((auth) => auth?.close()));
    admin?.disconnect();
    await redis?.stop();
    await directory?.close();
  });

  it(`a token revoked at A is refused at B, ${REVOCATIONS} times out of ${REVOCATIONS}`, async () => {
    let refusedAtB = 0;
    for (let round = 0; round < REVOCATIONS; round++) {
      const { token } = await a.requestToken(USERS.alice);
      assert.equal((await b.verify(token)).username, 'alice', 'good at B before, so cached there');
      await a.revoke(token);
      assert.equal(
        await refused(a, token),
        true,
        'refused at once by the instance that revoked it',
      );
      await waitUntil(() => refused(b, token), `revocation ${round} reaching B`);
      refusedAtB++;
    }
    assert.equal(refusedAtB, REVOCATIONS);
  });

  it('while its view is current, a verification at B sends no command to Redis', async () => {
    const { token } = await a.requestToken(USERS.alice);
    const before = await readsSent(admin);
    for (let i = 0; i < 50; i++) assert.equal((await b.verify(token)).username, 'alice');
    assert.equal(await readsSent(admin), before);
  });

  it("a revokeAllFor at A refuses the user's older tokens at B, not the newer", async () => {
    const { token: older } = await a.requestToken(USERS.bob);
    assert.equal((await b.verify(older)).username, 'bob');
    await a.revokeAllFor('bob');
    await waitUntil(() => refused(b, older), 'the cut-off reaching B');
    // A token issued in the same second as the cut-off is refused too (iat <= cut-off): the next.
    await waitUntil(async () => {
      const { token } = await a.requestToken(USERS.bob);
      return !(await refused(b, token));
    }, 'a token issued after the cut-off accepted at B');
  });

  it('subscription killed: B reads Redis until it is back and re-loaded', async () => {
    const stale = countOf(logB, 'revocation_view_stale');
    const current = countOf(logB, 'revocation_view_current');
    const { token } = await a.requestToken(USERS.jozef);
    assert.equal((await b.verify(token)).username, 'jozef');
    // No room for a new connection: the killed subscribers cannot come back until we say so.
    const clients = Number(/connected_clients:(\d+)/.exec(await admin.info('clients'))![1]);
    const [, maxclients] = (await admin.config('GET', 'maxclients')) as string[];
    await admin.config('SET', 'maxclients', String(clients - 2));
    try {
      assert.equal(Number(await admin.client('KILL', 'TYPE', 'pubsub')), 2);
      await logged(logB, 'revocation_view_stale', stale);
      // Written while B hears nothing: only Redis knows, so a refusal at B is Redis's answer.
      await a.revoke(token);
      assert.equal(await refused(b, token), true, 'refused at B while its view is stale');
      const { token: other } = await a.requestToken(USERS.jozef);
      assert.equal((await b.verify(other)).username, 'jozef', "the user's other token is good");
    } finally {
      await admin.config('SET', 'maxclients', maxclients!);
    }
    await logged(logB, 'revocation_view_current', current);
    assert.equal(await refused(b, token), true, 're-loaded from the snapshot: still refused');
    const { token: later } = await a.requestToken(USERS.jozef);
    assert.equal((await b.verify(later)).username, 'jozef');
    await a.revoke(later);
    await waitUntil(() => refused(b, later), 'a revocation after the re-sync reaching B');
  });

  it('Redis stopped: B refuses with 503 (fail closed), an instance failing open accepts', async () => {
    const logOpen = recordingLogger();
    const open = instance(directory, redis, logOpen, 'open');
    try {
      const { token } = await a.requestToken(USERS.alice);
      assert.equal((await b.verify(token)).username, 'alice');
      assert.equal((await open.verify(token)).username, 'alice');
      const stale = countOf(logB, 'revocation_view_stale');
      await redis.kill();
      await logged(logB, 'revocation_view_stale', stale);
      await assert.rejects(b.verify(token), StoreUnavailableError);
      await logged(logOpen, 'revocation_view_stale');
      assert.equal((await open.verify(token)).username, 'alice');
      assert.ok(logOpen.events().includes('store_unavailable'), 'fail open is logged');
    } finally {
      await open.close();
      await redis.restart();
    }
  });
});
