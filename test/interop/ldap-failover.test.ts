// Failover between two real slapd instances serving the same data: a new connection goes to the
// first server that answers, and when the first one stops, is killed, or hangs in the middle of a
// load, the requests go on at the second one: none fails, nothing is a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import type { LdapOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import { basicAuth, type Outcome, recordingLogger, runLoad, tally } from '../helpers/load.js';
import { freePort } from '../helpers/ports.js';
import { SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';
import { assertEndedBeforeTimeout, deferred, GENEROUS_MS } from '../helpers/timeouts.js';

const TOP_DN = 'ou=people,dc=example,dc=org';
const USERS = [
  ['alice', 'wonderland'],
  ['bob', 'can-we-fix-it'],
] as const;

async function startService(ldap: Partial<LdapOptions> & { url: LdapOptions['url'] }) {
  const recorder = recordingLogger();
  const core: Auth = createAuth({
    secretKey: 'ldap-failover-test-secret-0123456789abcdef',
    // Timeouts a loaded machine never reaches with a server that answers.
    ldap: { topDn: TOP_DN, timeoutMs: 5000, connectTimeoutMs: 5000, poolSize: 4, ...ldap },
    // These slapd have no memberof overlay, and the log is read for failover events only: no
    // groups, so no first-login note that memberOf is missing.
    groups: { strategy: 'none' },
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
  return { ...service, core, login, recorder };
}

/** Connections each server accepted while `action` ran. */
async function connectionsTo(
  servers: readonly SlapdServer[],
  action: () => Promise<void>,
): Promise<number[]> {
  const monitors = await Promise.all(servers.map((server) => SlapdMonitor.open(server)));
  try {
    const before = await Promise.all(monitors.map((monitor) => monitor.connectionCounts()));
    await action();
    const after = await Promise.all(monitors.map((monitor) => monitor.connectionCounts()));
    return after.map((counts, index) => counts.total - before[index]!.total);
  } finally {
    await Promise.all(monitors.map((monitor) => monitor.close()));
  }
}

function describeFailures(outcomes: readonly Outcome[]): string {
  return JSON.stringify(outcomes.filter((outcome) => outcome.status !== 200).slice(0, 5));
}

const CONCURRENCY = 16;
/** Requests completed before the fault, while the others are in flight. */
const FAULT_AFTER = 64;
/** Requests certain to start once the fault is in place. */
const AFTER_FAULT = 96;

interface FaultLoad {
  outcomes: Outcome[];
  /** Requests sent and not yet answered when the fault was set off. */
  inFlightAtFault: number;
  /** How long the service took for the slowest request (a wait for the fault not counted). */
  slowestMs: number;
}

/**
 * A load of logins driven by counts, never by time: `fault` is set off when the FAULT_AFTER-th
 * request completes, with the other requests in flight; the AFTER_FAULT last ones wait until the
 * fault is in place, so however slow the machine, requests meet the fault both in flight and after.
 */
async function loadThroughFault(
  login: (index: number, signal: AbortSignal) => Promise<Response>,
  fault: () => Promise<void>,
): Promise<FaultLoad> {
  const inPlace = deferred();
  const gated = FAULT_AFTER + CONCURRENCY;
  let sent = 0;
  let completed = 0;
  let inFlightAtFault = 0;
  let slowestMs = 0;
  const outcomes = await runLoad(
    { concurrency: CONCURRENCY, count: gated + AFTER_FAULT },
    async (index, signal) => {
      if (index >= gated) await inPlace.promise;
      sent++;
      const begin = performance.now();
      try {
        return await login(index, signal);
      } finally {
        slowestMs = Math.max(slowestMs, performance.now() - begin);
        if (++completed === FAULT_AFTER) {
          inFlightAtFault = sent - completed;
          fault().then(inPlace.resolve, inPlace.reject);
        }
      }
    },
  );
  await inPlace.promise;
  return { outcomes, inFlightAtFault, slowestMs };
}

describe('failover between two real slapd', () => {
  let second: SlapdServer;
  before(async () => {
    second = await startSlapd({ monitor: true });
  });
  after(() => second?.stop());

  it('uses the first server while it answers, and never the second', async () => {
    const first = await startSlapd({ monitor: true });
    try {
      const service = await startService({ url: `${first.url} ${second.url}` });
      const seen = await connectionsTo([first, second], async () => {
        const outcomes = await runLoad({ concurrency: 8, count: 200 }, service.login);
        assert.deepEqual(tally(outcomes), { 200: 200 });
        await service.close();
      });
      assert.deepEqual(seen, [8, 0]);
    } finally {
      await first.stop();
    }
  });

  it('skips a server that refuses connections, logging which and what comes next', async () => {
    const nothing = `ldap://127.0.0.1:${await freePort()}`;
    const service = await startService({ url: [nothing, second.url] });
    try {
      const outcomes = await runLoad({ concurrency: 4, count: 40 }, service.login);
      assert.deepEqual(tally(outcomes), { 200: 40 });
      const line = service.recorder.lines.find(
        (l) => l.fields.event === 'directory_connect_failed',
      );
      assert.equal(line?.fields.url, nothing);
      assert.equal(line?.fields.next, second.url);
      assert.match(line?.message ?? '', /ECONNREFUSED.*trying/);
      // The refusing server cools down: not every new connection tries it again.
      const attempts = service.recorder.events().filter((e) => e === 'directory_connect_failed');
      assert.ok(attempts.length <= 4, `${attempts.length} attempts on the dead server`);
    } finally {
      await service.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`the first server ${signal === 'SIGTERM' ? 'stopped' : 'killed'} in the middle of a load: every request succeeds`, async (t) => {
      const first = await startSlapd({ monitor: true });
      const service = await startService({ url: `${first.url} ${second.url}` });
      try {
        let load: FaultLoad | undefined;
        const seen = await connectionsTo([second], async () => {
          load = await loadThroughFault(service.login, () => first.kill(signal));
        });
        const { outcomes, inFlightAtFault, slowestMs } = load!;
        assert.ok(inFlightAtFault > 0, 'no request was in flight when slapd went away');
        assert.deepEqual(tally(outcomes), { 200: outcomes.length }, describeFailures(outcomes));
        // Every request after the fault went to the second server, on at most both pools' worth.
        assert.ok(seen[0]! >= 1 && seen[0]! <= 8, `${seen[0]} connections to the second server`);
        t.diagnostic(
          `${signal}: ${outcomes.length} requests (${inFlightAtFault} in flight at the fault), all 200; slowest ${Math.round(slowestMs)} ms`,
        );
      } finally {
        await service.close();
        await first.stop();
      }
    });
  }

  it('the first server hangs (SIGSTOP) in the middle of a load: every request succeeds, after at most one timeout', async (t) => {
    // Long enough that a loaded machine's own delays stay well under one more timeout.
    const timeoutMs = 5000;
    const first = await startSlapd({ monitor: true });
    const service = await startService({
      url: `${first.url} ${second.url}`,
      timeoutMs,
      connectTimeoutMs: timeoutMs,
    });
    try {
      const { outcomes, inFlightAtFault, slowestMs } = await loadThroughFault(service.login, () =>
        first.pause(),
      );
      assert.ok(inFlightAtFault > 0, 'no request was in flight when slapd hung');
      assert.deepEqual(tally(outcomes), { 200: outcomes.length }, describeFailures(outcomes));
      // Each operation caught on the hung server is logged as it moves on, and nothing else: it
      // was the operation timeout that freed it.
      const events = new Set(service.recorder.events());
      assert.deepEqual([...events], ['directory_connection_lost']);
      for (const line of service.recorder.lines) {
        assert.equal(line.fields.url, first.url);
        assert.match(line.message, /timed out/);
      }
      // One operation timeout on the hung server, then the retry on the second one: a request
      // that met two timeouts in a row would take twice the timeout at least.
      assert.ok(
        slowestMs < 2 * timeoutMs,
        `slowest request ${Math.round(slowestMs)} ms: more than one ${timeoutMs} ms timeout`,
      );
      t.diagnostic(
        `SIGSTOP: ${outcomes.length} requests (${inFlightAtFault} in flight at the fault), all 200; ${service.recorder.lines.length} operations timed out on the hung server; slowest ${Math.round(slowestMs)} ms (timeout ${timeoutMs})`,
      );
    } finally {
      first.resume();
      await service.close();
      await first.stop();
    }
  });

  it('no server answers: 503 with Retry-After at once, the log naming each server', async () => {
    const urls = [`ldap://127.0.0.1:${await freePort()}`, `ldap://127.0.0.1:${await freePort()}`];
    // Timeouts far beyond anything a loaded machine takes: a refusal must not wait for them.
    const timeoutMs = 4 * GENEROUS_MS;
    const service = await startService({ url: urls, timeoutMs, connectTimeoutMs: timeoutMs });
    try {
      const started = performance.now();
      const answer = await service.login(0);
      assert.equal(answer.status, 503);
      assert.match(answer.headers.get('retry-after') ?? '', /^\d+$/);
      assertEndedBeforeTimeout(performance.now() - started, timeoutMs, 'the 503');
      const line = service.recorder.lines.find((l) => l.fields.event === 'directory_unreachable');
      for (const url of urls) assert.ok(line?.message.includes(url), line?.message);
    } finally {
      await service.close();
    }
  });
});
