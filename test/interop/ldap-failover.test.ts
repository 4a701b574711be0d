// Failover between two real slapd instances serving the same data: a new connection goes to the
// first server that answers, and when the first one stops, is killed, or hangs in the middle of a
// load, the requests go on at the second one: none fails, nothing is a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Auth, createAuth } from '../../src/auth.js';
import type { LdapOptions } from '../../src/config.js';
import { serve } from '../../src/server/serve.js';
import { basicAuth, type Outcome, recordingLogger, runLoad, tally } from '../helpers/load.js';
import { freePort } from '../helpers/ports.js';
import { SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const TOP_DN = 'ou=people,dc=example,dc=org';
const USERS = [
  ['alice', 'wonderland'],
  ['bob', 'can-we-fix-it'],
] as const;

async function startService(ldap: Partial<LdapOptions> & { url: LdapOptions['url'] }) {
  const recorder = recordingLogger();
  const core: Auth = createAuth({
    secretKey: 'ldap-failover-test-secret-0123456789abcdef',
    ldap: { topDn: TOP_DN, timeoutMs: 500, connectTimeoutMs: 500, poolSize: 4, ...ldap },
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
        let seen: number[] = [];
        const outcomes: Outcome[] = [];
        seen = await connectionsTo([second], async () => {
          const load = runLoad({ concurrency: 16, durationMs: 1500 }, service.login);
          await sleep(500);
          await first.kill(signal);
          outcomes.push(...(await load));
        });
        const atKill = outcomes.filter((outcome) => outcome.startedMs < 500).length;
        assert.ok(atKill > 50 && outcomes.length - atKill > 50, `${atKill} / ${outcomes.length}`);
        assert.deepEqual(tally(outcomes), { 200: outcomes.length }, describeFailures(outcomes));
        assert.ok(seen[0]! >= 1 && seen[0]! <= 8, `${seen[0]} connections to the second server`);
        t.diagnostic(
          `${signal}: ${outcomes.length} requests, all 200; slowest ${Math.round(Math.max(...outcomes.map((o) => o.ms)))} ms`,
        );
      } finally {
        await service.close();
        await first.stop();
      }
    });
  }

  it('the first server hangs (SIGSTOP) in the middle of a load: every request succeeds, within about one timeout', async (t) => {
    const first = await startSlapd({ monitor: true });
    const service = await startService({ url: `${first.url} ${second.url}` });
    try {
      const load = runLoad({ concurrency: 16, durationMs: 1500 }, service.login);
      await sleep(400);
      await first.pause();
      const outcomes = await load;
      assert.deepEqual(tally(outcomes), { 200: outcomes.length }, describeFailures(outcomes));
      const slowest = Math.max(...outcomes.map((outcome) => outcome.ms));
      // One operation timeout on the hung server, then the retry on the second one.
      assert.ok(slowest < 500 + 500 + 400, `slowest request ${slowest} ms`);
      // Each operation caught on the hung server is logged as it moves on, and nothing else.
      const events = new Set(service.recorder.events());
      assert.deepEqual([...events], ['directory_connection_lost']);
      const line = service.recorder.lines[0]!;
      assert.equal(line.fields.url, first.url);
      assert.match(line.message, /timed out/);
      t.diagnostic(
        `SIGSTOP: ${outcomes.length} requests, all 200; slowest ${Math.round(slowest)} ms`,
      );
    } finally {
      first.resume();
      await service.close();
      await first.stop();
    }
  });

  it('no server answers: 503 with Retry-After at once, the log naming each server', async () => {
    const urls = [`ldap://127.0.0.1:${await freePort()}`, `ldap://127.0.0.1:${await freePort()}`];
    const service = await startService({ url: urls });
    try {
      const started = Date.now();
      const answer = await service.login(0);
      assert.equal(answer.status, 503);
      assert.match(answer.headers.get('retry-after') ?? '', /^\d+$/);
      assert.ok(Date.now() - started < 500);
      const line = service.recorder.lines.find((l) => l.fields.event === 'directory_unreachable');
      for (const url of urls) assert.ok(line?.message.includes(url), line?.message);
    } finally {
      await service.close();
    }
  });
});
