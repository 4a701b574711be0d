// The directory hangs or dies under load, through the standalone service: token requests answer
// 503 with Retry-After within the configured timeouts, tokens already issued keep opening the
// protected route (verification never asks the directory), and once slapd is back the same
// process serves tokens again. Every request of each load is accounted for: no 500, none hung.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuth } from '../../src/auth.js';
import type { LdapOptions } from '../../src/config.js';
import { serve } from '../../src/server/serve.js';
import { basicAuth, type Outcome, recordingLogger, runLoad, tally } from '../helpers/load.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const TOP_DN = 'ou=people,dc=example,dc=org';
const USERS = [
  ['alice', 'wonderland'],
  ['bob', 'can-we-fix-it'],
] as const;

async function startService(slapd: SlapdServer, ldap: Partial<LdapOptions>) {
  const recorder = recordingLogger();
  const core = createAuth({
    secretKey: 'ldap-outage-test-secret-0123456789abcdef',
    ldap: { url: slapd.url, topDn: TOP_DN, poolSize: 4, ...ldap },
    logger: recorder.logger,
  });
  const service = await serve(core, { host: '127.0.0.1', port: 0 });
  const login = (index: number, signal?: AbortSignal) => {
    const [username, password] = USERS[index % 2]!;
    return fetch(`${service.url}/auth/request-token`, {
      method: 'POST',
      headers: { authorization: basicAuth(username, password) },
      signal,
    });
  };
  const hello = (token: string, signal?: AbortSignal) =>
    fetch(`${service.url}/`, { headers: { authorization: basicAuth(token, '') }, signal });
  const token = async (index: number) => {
    const answer = await login(index);
    assert.equal(answer.status, 200);
    return ((await answer.json()) as { access_token: string }).access_token;
  };
  return { ...service, core, login, hello, token, recorder };
}

/** Every request answered, each 200 or 503 (with Retry-After), none hung, none a 500. */
function assertAccounted(outcomes: readonly Outcome[]): void {
  assert.deepEqual(
    outcomes.map((outcome) => outcome.index),
    outcomes.map((_, index) => index),
  );
  for (const outcome of outcomes) {
    assert.ok(outcome.status === 200 || outcome.status === 503, JSON.stringify(outcome));
    if (outcome.status === 503) assert.match(outcome.retryAfter ?? '', /^[1-9]\d*$/);
  }
}

const slowest = (outcomes: readonly Outcome[]) => Math.max(...outcomes.map((o) => o.ms));

describe('real slapd that hangs (SIGSTOP)', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startSlapd();
  });
  after(() => slapd?.stop());

  it('token requests: 503 with Retry-After within the timeout; issued tokens: 200 throughout; then back', async (t) => {
    const timeoutMs = 600;
    const service = await startService(slapd, { timeoutMs, connectTimeoutMs: 400 });
    try {
      const tokens = await Promise.all([service.token(0), service.token(1)]);
      await slapd.pause();
      let during: Outcome[];
      let verified: Outcome[];
      try {
        [during, verified] = await Promise.all([
          runLoad({ concurrency: 16, count: 48 }, service.login),
          runLoad({ concurrency: 4, durationMs: 1000 }, (index, signal) =>
            service.hello(tokens[index % 2]!, signal),
          ),
        ]);
      } finally {
        slapd.resume();
      }
      assertAccounted(during);
      assert.deepEqual(tally(during), { 503: 48 });
      // One operation timeout, a few ms of HTTP: never two timeouts in a row for one request.
      assert.ok(slowest(during) < timeoutMs + 300, `a 503 after ${slowest(during)} ms`);
      // The first wave waited for the timeout; a request that queued behind it may be answered
      // sooner, when the timeout shows the directory hangs.
      assert.ok(
        during.slice(0, 16).every((outcome) => outcome.ms >= timeoutMs - 50),
        'no 503 before the timeout in the first wave',
      );
      assert.deepEqual(tally(verified), { 200: verified.length });
      assert.ok(verified.length > 100, `${verified.length} protected requests`);
      assert.ok(service.recorder.events().includes('directory_timeout'));

      // Resumed: the next requests are served by the same process and pools.
      const back = await runLoad({ concurrency: 8, count: 64 }, service.login);
      assert.deepEqual(tally(back), { 200: 64 });
      t.diagnostic(
        `SIGSTOP: 48/48 token requests 503 in ${Math.round(Math.min(...during.map((o) => o.ms)))}-${Math.round(slowest(during))} ms (timeout ${timeoutMs}); ${verified.length} protected requests 200`,
      );
    } finally {
      await service.close();
    }
  });
});

describe('real slapd killed during a load, then restarted', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startSlapd();
  });
  after(() => slapd?.stop());

  it('503 during the outage, 200 after the restart, no 500, none hung, same process', async (t) => {
    const timeoutMs = 1000;
    const connectTimeoutMs = 500;
    const service = await startService(slapd, { timeoutMs, connectTimeoutMs });
    try {
      const token = await service.token(0);
      const load = runLoad({ concurrency: 16, durationMs: 3000 }, service.login);
      await sleep(600);
      const killedAt = performance.now();
      await slapd.kill();
      await sleep(800);
      const restartAt = performance.now();
      // Issued tokens keep working with the directory gone.
      assert.equal((await service.hello(token)).status, 200);
      await slapd.restart();
      const upAt = performance.now();
      const outcomes = await load;
      assertAccounted(outcomes);

      const loadStart = killedAt - 600;
      const before = outcomes.filter((o) => o.startedMs + o.ms < killedAt - loadStart);
      const outage = outcomes.filter(
        (o) =>
          o.startedMs > killedAt - loadStart + 50 && o.startedMs + o.ms < restartAt - loadStart,
      );
      const afterUp = outcomes.filter((o) => o.startedMs > upAt - loadStart + 100);
      assert.deepEqual(tally(before), { 200: before.length }, 'before the kill');
      assert.ok(before.length > 50, `${before.length} requests before the kill`);
      assert.deepEqual(tally(outage), { 503: outage.length }, 'while slapd is down');
      assert.ok(outage.length > 10, `${outage.length} requests during the outage`);
      assert.deepEqual(tally(afterUp), { 200: afterUp.length }, 'after the restart');
      assert.ok(afterUp.length > 50, `${afterUp.length} requests after the restart`);
      assert.ok(
        slowest(outcomes) < timeoutMs + connectTimeoutMs,
        `slowest ${slowest(outcomes)} ms`,
      );
      const counts = tally(outcomes);
      t.diagnostic(
        `kill/restart: ${outcomes.length} requests, ${counts[200]} x 200, ${counts[503]} x 503, 0 other, slowest ${Math.round(slowest(outcomes))} ms`,
      );
    } finally {
      await service.close();
    }
  });
});
