// Brute-force protection against a real slapd, counted by slapd itself (cn=Monitor): 20 wrong
// passwords in a row for one user are refused from the 6th on with 429 and Retry-After, and only
// 5 of them ever reach the directory; the right password is refused too until the lockout ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { basic, TOP_DN } from '../helpers/conformance-fixtures.js';
import { SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';
import { GENEROUS_MS } from '../helpers/timeouts.js';

const LOCKOUT_SECONDS = 2;

describe('login limits against slapd', () => {
  let slapd: SlapdServer;
  let monitor: SlapdMonitor;
  let service: RunningService;
  const login = async (password: string) => {
    const response = await fetch(`${service.url}/auth/request-token`, {
      method: 'POST',
      headers: { authorization: basic('alice', password) },
    });
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  /**
   * Bind operations slapd has started. The logins here go one at a time, and a login's one bind
   * has ended before its answer: nothing is left to settle.
   */
  const binds = async () => (await monitor.operations()).binds;

  before(async () => {
    slapd = await startSlapd({ anonymousSearch: true, monitor: true });
    monitor = await SlapdMonitor.open(slapd);
    const auth = createAuth({
      secretKey: 'login-limits-test-secret-0123456789abcdef',
      ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 2000, connectTimeoutMs: 1000 },
      loginLimits: {
        perUsername: { failures: 5, windowSeconds: 60, lockoutSeconds: LOCKOUT_SECONDS },
      },
    });
    service = await serve(auth, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await service?.close();
    await monitor?.close();
    await slapd?.stop();
  });

  it('20 wrong passwords: 401 five times, then 429 with Retry-After; slapd saw 5 binds', async () => {
    const start = await binds();
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 20; attempt++) {
      const answer = await login(`wrong-${attempt}`);
      statuses.push(answer.status);
      if (answer.status === 429) {
        const retryAfter = Number(answer.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= LOCKOUT_SECONDS, String(retryAfter));
        assert.deepEqual(JSON.parse(answer.body), {
          error: 'too_many_requests',
          message: 'Too many failed attempts; try again later',
          status: 429,
        });
      }
    }
    assert.deepEqual(statuses, [...Array(5).fill(401), ...Array(15).fill(429)]);
    assert.equal((await binds()) - start, 5, 'binds reaching slapd');
  });

  it('the right password is refused too until the lockout ends, without a bind; then 200', async () => {
    const start = await binds();
    // Locked again here (on a busy machine the lockout of the test above may be over by now):
    // wrong passwords until the first 429, and the right one straight after it.
    let wrong = 0;
    while (wrong <= 5 && (await login(`wrong-${wrong}`)).status === 401) wrong++;
    assert.ok(wrong <= 5, `${wrong} wrong passwords reached the directory`);
    const locked = await login('wonderland');
    assert.equal(locked.status, 429);
    assert.equal((await binds()) - start, wrong, 'the right password made no bind');
    const lockedAt = performance.now();
    let answer = locked;
    while (answer.status === 429) {
      // Five times the lockout and then some is a lockout that never ends, not a slow machine.
      assert.ok(
        performance.now() - lockedAt < 5 * LOCKOUT_SECONDS * 1000 + GENEROUS_MS,
        'the lockout never ended',
      );
      await sleep(100);
      answer = await login('wonderland');
    }
    assert.equal(answer.status, 200, answer.body);
    // A success starts the username afresh: the next wrong password is a 401 again.
    assert.equal((await login('wrong-again')).status, 401);
  });
});
