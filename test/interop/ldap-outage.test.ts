// The directory hangs or dies under load, through the standalone service: token requests answer
// 503 with Retry-After (a hang after the configured timeout, a dead slapd at once), tokens
// already issued keep opening the protected route (verification never asks the directory), and
// once slapd is back the same process serves tokens again. Every request of each load is
// accounted for: no 500, none hung. Loads are driven by counts and events, never by time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { LdapOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import { basicAuth, type Outcome, recordingLogger, runLoad, tally } from '../helpers/load.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';
import {
  assertEndedBeforeTimeout,
  assertEndedByTimeout,
  deferred,
  GENEROUS_MS,
  waitUntil,
} from '../helpers/timeouts.js';

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

  it('token requests: 503 with Retry-After, ended by the timeout; issued tokens: 200 throughout; then back', async (t) => {
    // Long enough that a loaded machine's own delays stay well under one more timeout.
    const timeoutMs = 5000;
    const service = await startService(slapd, { timeoutMs, connectTimeoutMs: timeoutMs });
    try {
      const tokens = await Promise.all([service.token(0), service.token(1)]);
      await slapd.pause();
      let during: Outcome[];
      let verified: Outcome[];
      try {
        // slapd is resumed only once both loads have settled: every answer below was given while
        // the directory hung.
        [during, verified] = await Promise.all([
          runLoad({ concurrency: 16, count: 48 }, service.login),
          runLoad({ concurrency: 4, count: 64 }, (index, signal) =>
            service.hello(tokens[index % 2]!, signal),
          ),
        ]);
      } finally {
        slapd.resume();
      }
      assertAccounted(during);
      assert.deepEqual(tally(during), { 503: 48 });
      // The first wave was sent before any operation reached slapd, so each of its 503s waited
      // for the operation timeout; a request that queued behind it may be answered sooner, when
      // that timeout shows the directory hangs. No request met two timeouts in a row.
      for (const outcome of during.slice(0, 16)) {
        assertEndedByTimeout(outcome.ms, timeoutMs, `request ${outcome.index} (first wave)`);
      }
      assert.ok(
        slowest(during) < 2 * timeoutMs,
        `a 503 after ${Math.round(slowest(during))} ms: more than one ${timeoutMs} ms timeout`,
      );
      assert.ok(service.recorder.events().includes('directory_timeout'));
      // Verification never asks the directory.
      assert.deepEqual(tally(verified), { 200: 64 });

      // Resumed: the next requests are served by the same process and pools.
      const back = await runLoad({ concurrency: 8, count: 64 }, service.login);
      assert.deepEqual(tally(back), { 200: 64 });
      t.diagnostic(
        `SIGSTOP: 48/48 token requests 503 in ${Math.round(Math.min(...during.map((o) => o.ms)))}-${Math.round(slowest(during))} ms (timeout ${timeoutMs}); 64/64 protected requests 200 meanwhile`,
      );
    } finally {
      await service.close();
    }
  });
});

type Phase = 'up' | 'killing' | 'down' | 'restarting' | 'back';

/** Requests that start and end within each steady phase before the next step is taken. */
const PER_PHASE = 48;

describe('real slapd killed during a load, then restarted', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startSlapd();
  });
  after(() => slapd?.stop());

  it('503 during the outage, 200 after the restart, no 500, none hung, same process', async (t) => {
    // Far beyond anything a loaded machine takes: a dead slapd refuses connections, and that
    // refusal, not a timeout, must answer each request.
    const timeoutMs = 2 * GENEROUS_MS;
    const service = await startService(slapd, { timeoutMs, connectTimeoutMs: timeoutMs });
    try {
      const token = await service.token(0);
      // The load is driven by counts of requests and by the fault's own events, never by time:
      // slapd is killed once PER_PHASE requests succeeded, with others in flight; restarted once
      // PER_PHASE requests met the outage (new requests wait for the restart, so that none of
      // the outage's is still in flight when slapd comes back); the load ends once PER_PHASE
      // requests were served after it.
      let phase: Phase = 'up';
      const steady = { up: 0, down: 0, back: 0 };
      /** Each request's phase as it was sent and answered, and how long the service took. */
      const phases = new Map<number, { started: Phase; ended: Phase; ms: number }>();
      let inFlight = 0;
      const restarted = deferred();
      let failure: unknown;
      let hello: number | undefined;
      const step = (action: () => Promise<void>) =>
        action().catch((error) => {
          failure = error;
          restarted.reject(error);
        });

      const outcomes = await runLoad(
        { concurrency: 16, until: () => failure !== undefined || steady.back >= PER_PHASE },
        async (index, signal) => {
          if (phase === 'restarting') await restarted.promise;
          const started = phase;
          const sent = performance.now();
          inFlight++;
          try {
            return await service.login(index, signal);
          } finally {
            inFlight--;
            const ended = phase;
            phases.set(index, { started, ended, ms: performance.now() - sent });
            if (started === ended && (ended === 'up' || ended === 'down' || ended === 'back')) {
              steady[ended]++;
            }
            if (phase === 'up' && steady.up === PER_PHASE) {
              phase = 'killing';
              void step(async () => {
                await slapd.kill();
                phase = 'down';
                // Issued tokens keep working with the directory gone.
                hello = (await service.hello(token)).status;
              });
            } else if (phase === 'down' && steady.down === PER_PHASE) {
              phase = 'restarting';
              void step(async () => {
                await waitUntil(() => inFlight === 0, 'the outage’s requests to settle');
                await slapd.restart();
                phase = 'back';
                restarted.resolve();
              });
            }
          }
        },
      );
      if (failure) throw failure;
      assertAccounted(outcomes);
      assert.equal(hello, 200, 'an issued token while slapd is down');
      const during = (phase: Phase) =>
        outcomes.filter((o) => {
          const seen = phases.get(o.index)!;
          return seen.started === phase && seen.ended === phase;
        });
      assert.deepEqual(tally(during('up')), { 200: PER_PHASE }, 'before the kill');
      const outage = during('down');
      assert.ok(outage.length >= PER_PHASE, `${outage.length} requests during the outage`);
      assert.deepEqual(tally(outage), { 503: outage.length }, 'while slapd is down');
      const afterUp = during('back');
      assert.ok(afterUp.length >= PER_PHASE, `${afterUp.length} requests after the restart`);
      assert.deepEqual(tally(afterUp), { 200: afterUp.length }, 'after the restart');
      // Those in flight at the kill are accounted for above (200 or 503); every request was
      // answered by the directory or its refusal, none by a timeout.
      for (const [index, { ms }] of phases) {
        assertEndedBeforeTimeout(ms, timeoutMs, `request ${index}`);
      }
      assert.ok(!service.recorder.events().includes('directory_timeout'));
      const counts = tally(outcomes);
      t.diagnostic(
        `kill/restart: ${outcomes.length} requests, ${counts[200]} x 200, ${counts[503]} x 503, 0 other, slowest ${Math.round(Math.max(...[...phases.values()].map((p) => p.ms)))} ms`,
      );
    } finally {
      await service.close();
    }
  });
});
