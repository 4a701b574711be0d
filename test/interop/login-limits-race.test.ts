// Login limits that hold (issue 14, item 2), against a real slapd, in memory and on a real
// redis-server: concurrent wrong passwords cannot race the count (the counters are consumed
// before the bind, atomically, by rate-limiter-flexible), and every spelling slapd's matching
// rules equate (case, surrounding spaces, full-width letters) is the same counter. Binds are
// counted by slapd itself (cn=Monitor); failures from one address by the errors they end in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { InvalidCredentialsError, RateLimitedError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const FAILURES = 5;
const ADDRESS_FAILURES = 10;
const CONCURRENT = 40;

/** How each of a batch of attempts ended: 401, 429, or anything else (which fails the test). */
async function outcomes(attempts: Promise<unknown>[]): Promise<{ 401: number; 429: number }> {
  const counts = { 401: 0, 429: 0 };
  for (const result of await Promise.allSettled(attempts)) {
    if (result.status === 'fulfilled') assert.fail('a wrong password got a token');
    if (result.reason instanceof RateLimitedError) counts[429]++;
    else if (result.reason instanceof InvalidCredentialsError) counts[401]++;
    else throw result.reason;
  }
  return counts;
}

describe('login limits that hold, against slapd', () => {
  let slapd: SlapdServer;
  let monitor: SlapdMonitor;
  let redis: RedisServer;
  before(async () => {
    [slapd, redis] = await Promise.all([
      startSlapd({ anonymousSearch: true, monitor: true }),
      startRedis(),
    ]);
    monitor = await SlapdMonitor.open(slapd);
  });
  after(async () => {
    await monitor?.close();
    await slapd?.stop();
    await redis?.stop();
  });

  /** Bind operations slapd has started, once the pool's delayed resets have settled. */
  const binds = async () => {
    await sleep(300);
    return (await monitor.operations()).binds;
  };

  for (const store of ['memory', 'redis'] as const) {
    describe(`(${store})`, () => {
      let auth: Auth;
      before(() => {
        const options: AuthOptions = {
          secretKey: 'login-limits-race-secret-0123456789abcdef',
          ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 5000, poolSize: 8 },
          loginLimits: {
            perUsername: { failures: FAILURES, windowSeconds: 600, lockoutSeconds: 600 },
            perAddress: { failures: ADDRESS_FAILURES, windowSeconds: 600, lockoutSeconds: 600 },
          },
          ...(store === 'redis'
            ? { redis: { url: redis.url, keyPrefix: `race-${Math.random()}:` } }
            : {}),
        };
        auth = createAuth(options);
      });
      after(async () => {
        await auth?.close();
      });

      it(`${CONCURRENT} concurrent wrong passwords for one user: ${FAILURES} binds reach slapd, the rest are 429`, async () => {
        const start = await binds();
        const attempts = Array.from({ length: CONCURRENT }, (_, index) =>
          auth.requestToken({ username: 'bob', password: `wrong-${index}` }),
        );
        assert.deepEqual(await outcomes(attempts), { 401: FAILURES, 429: CONCURRENT - FAILURES });
        assert.equal((await binds()) - start, FAILURES, 'binds reaching slapd');
      });

      it('once locked, no spelling slapd equates gets another guess: ALICE, " alice", full-width', async () => {
        for (let attempt = 0; attempt < FAILURES; attempt++) {
          await assert.rejects(
            auth.requestToken({ username: 'alice', password: `wrong-${attempt}` }),
            InvalidCredentialsError,
          );
        }
        const start = await binds();
        for (const username of ['alice', 'ALICE', ' alice', 'alice ', 'Alice', 'ａｌｉｃｅ']) {
          await assert.rejects(
            auth.requestToken({ username, password: 'wonderland' }),
            RateLimitedError,
            JSON.stringify(username),
          );
        }
        assert.equal((await binds()) - start, 0, 'binds reaching slapd once locked');
      });

      it('a lockout holds whatever attribute the person is found by: uid, mail, cn', async () => {
        const wrong = async (username: string, searchCriteria: string) =>
          assert.rejects(
            auth.requestToken({ username, password: 'wrong' }, { searchCriteria }),
            InvalidCredentialsError,
          );
        const locked = async (username: string, password: string, searchCriteria: string) =>
          assert.rejects(
            auth.requestToken({ username, password }, { searchCriteria }),
            RateLimitedError,
            `${searchCriteria}=${username}`,
          );
        // Locked by uid: mail and cn get no more guesses, nor a bind.
        for (let attempt = 0; attempt < FAILURES; attempt++) await wrong('jozef', 'uid');
        let start = await binds();
        await locked('jozef@example.org', USERS.jozef.password, 'mail');
        await locked('Józef Piłsudski', USERS.jozef.password, 'cn');
        assert.equal((await binds()) - start, 0);
        // Locked by mail: the uid is locked too.
        for (let attempt = 0; attempt < FAILURES; attempt++) {
          await wrong('conan@example.org', 'mail');
        }
        start = await binds();
        await locked("o'brien", USERS.obrien.password, 'uid');
        assert.equal((await binds()) - start, 0);
      });

      it(`${CONCURRENT} concurrent wrong logins from one address: ${ADDRESS_FAILURES} reach the directory, the rest are 429`, async () => {
        const attempts = Array.from({ length: CONCURRENT }, (_, index) =>
          auth.requestToken(
            { username: `nobody-${index}`, password: 'wrong' },
            {},
            { address: '192.0.2.14' },
          ),
        );
        assert.deepEqual(await outcomes(attempts), {
          401: ADDRESS_FAILURES,
          429: CONCURRENT - ADDRESS_FAILURES,
        });
      });
    });
  }
});
