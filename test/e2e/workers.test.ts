// `ldap-token-auth serve --workers 2` from the built package: every store shared through a real
// redis-server (a revocation, a refresh exchange and a login limit hold whichever worker
// answers), the refusal to start without Redis, and one SIGTERM to the primary stopping it and
// both workers while a request held up by a paused slapd still gets its answer.
// Each request below opens its own connection: the primary hands connections to the workers in
// turn, so consecutive requests reach both (the audit lines' pids show it), where a kept-alive
// connection would stay with one worker.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { basic, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { isPidAlive, type ManagedProcess, runCommand, startProcess } from '../helpers/process.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';
import { waitUntil } from '../helpers/timeouts.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'dist/cli.js';
const SECRET = 'workers-e2e-secret-of-more-than-32-bytes-0123';
const GRACE_MS = 20_000;

/** Every variable the CLI reads is set ('' counts as unset): nothing leaks in from the machine. */
function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

function logLines(process_: ManagedProcess): Record<string, unknown>[] {
  const text = process_.stderr;
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Reply {
  status: number;
  body: string;
}

/** One request on a connection of its own (no keep-alive agent). */
function send(url: string, method: string, authorization?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method, agent: false, headers: authorization ? { authorization } : {} },
      (incoming) => {
        let body = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => {
          body += chunk;
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const pidsOf = (lines: Record<string, unknown>[], event: string) =>
  new Set(lines.filter((line) => line.event === event).map((line) => line.pid as number));

it('--workers 2 without Redis: exit 2, one line naming REDIS_URL and why', async () => {
  const result = await runCommand(process.execPath, [CLI, 'serve', '--workers', '2'], {
    cwd: ROOT,
    env: cliEnv({
      SECRET_KEY: SECRET,
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: TOP_DN,
    }),
  });
  assert.equal(result.exitCode, 2, result.stderr);
  const lines = result.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /--workers 2 needs REDIS_URL/);
  assert.match(lines[0]!, /login limits \(LOGIN_LIMITS\)/);
  assert.match(lines[0]!, /per-worker memory would split revocations and multiply limits/);
  assert.doesNotMatch(result.stderr, /listening|workers_started/, 'no worker was started');
});

describe('serve --workers 2 sharing a redis-server', () => {
  let slapd: SlapdServer;
  let redis: RedisServer;
  let primary: ManagedProcess;
  let base: string;

  before(async () => {
    [slapd, redis] = await Promise.all([startSlapd({ anonymousSearch: true }), startRedis()]);
    const port = await freePort();
    primary = await startProcess({
      name: 'ldap-token-auth serve --workers 2',
      command: process.execPath,
      args: [CLI, 'serve', '--workers', '2', '--port', String(port)],
      cwd: ROOT,
      env: cliEnv({
        SECRET_KEY: SECRET,
        LDAP_AUTH_SERVER: slapd.url,
        LDAP_TOP_DN: TOP_DN,
        LDAP_TIMEOUT_MS: '15000',
        REDIS_URL: redis.url,
        TOKEN_REVOCATION: 'true',
        LOGIN_MAX_FAILURES_PER_USER: '3',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
      }),
      ready: { port },
    });
    base = `http://127.0.0.1:${port}`;
    // The primary accepts connections as soon as the first worker listens.
    await waitFor('both workers to listen', () =>
      pidsOf(logLines(primary), 'listening').size === 2 ? true : undefined,
    );
  });
  after(async () => {
    slapd?.resume();
    await primary?.stop(GRACE_MS);
    await redis?.stop();
    await slapd?.stop();
  });

  const token = async (username: string, password: string) => {
    const reply = await send(`${base}/auth/request-token`, 'POST', basic(username, password));
    assert.equal(reply.status, 200, reply.body);
    return (JSON.parse(reply.body) as { access_token: string }).access_token;
  };

  it('a token revoked through one worker is refused by both, cached or not', async () => {
    const revoked = await token(USERS.alice.username, USERS.alice.password);
    const bearer = `Bearer ${revoked}`;
    for (let round = 0; round < 8; round++) {
      assert.equal((await send(`${base}/`, 'GET', bearer)).status, 200, 'verified, so cached');
    }
    assert.equal((await send(`${base}/auth/revoke`, 'POST', bearer)).status, 200);
    const statuses = [];
    for (let round = 0; round < 8; round++)
      statuses.push((await send(`${base}/`, 'GET', bearer)).status);
    assert.deepEqual(statuses, Array(8).fill(401));
  });

  it('one token refreshed three times at once: exactly one new token', async () => {
    const bearer = `Bearer ${await token(USERS.alice.username, USERS.alice.password)}`;
    const replies = await Promise.all(
      [1, 2, 3].map(() => send(`${base}/auth/refresh`, 'POST', bearer)),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    assert.deepEqual(statuses, [200, 401, 401], replies.map((reply) => reply.body).join('\n'));
  });

  it('the login limit holds across workers: 3 failures counted by both, then 429 on both', async () => {
    for (let round = 0; round < 3; round++) {
      assert.equal(
        (await send(`${base}/auth/request-token`, 'POST', basic('bob', 'wrong'))).status,
        401,
      );
    }
    // A worker writes its audit line after its answer: wait for the lines, not for a time.
    const refusedBy = () =>
      new Set(
        logLines(primary)
          .filter((line) => line.event === 'token_refused' && line.username === 'bob')
          .map((line) => line.pid),
      );
    await waitUntil(() => refusedBy().size === 2, 'both workers logged a refusal of bob');
    // Now locked on both: each request, whichever worker takes it, is a 429, until both have
    // answered one (connections are dealt round-robin, so a few requests are enough).
    for (let round = 0; round < 10; round++) {
      const locked = await send(
        `${base}/auth/request-token`,
        'POST',
        basic(USERS.bob.username, USERS.bob.password),
      );
      assert.equal(locked.status, 429, locked.body);
      const limitedBy = pidsOf(logLines(primary), 'token_rate_limited');
      if (round >= 1 && limitedBy.size === 2) break;
    }
    await waitUntil(
      () => pidsOf(logLines(primary), 'token_rate_limited').size === 2,
      'both workers refused the locked username',
    );
  });

  it('a port already taken: the workers fail to listen and every process exits 1, no restart loop', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runCommand(
        process.execPath,
        [CLI, 'serve', '--workers', '2', '--port', String(port)],
        {
          cwd: ROOT,
          env: cliEnv({
            SECRET_KEY: SECRET,
            LDAP_AUTH_SERVER: slapd.url,
            LDAP_TOP_DN: TOP_DN,
            REDIS_URL: redis.url,
          }),
          // A guard against a hang (killed with SIGKILL), not a speed test.
          timeoutMs: 60_000,
        },
      );
      assert.equal(result.exitCode, 1, result.stderr);
      assert.match(result.stderr, /EADDRINUSE/);
      assert.match(result.stderr, /"event":"worker_failed_to_start"/);
      assert.doesNotMatch(result.stderr, /"event":"worker_exit"/, 'no worker was restarted');
    } finally {
      taken.close();
    }
  });

  it('a worker that dies while serving is replaced, and the stores it wrote outlive it', async () => {
    const bearer = `Bearer ${await token(USERS.alice.username, USERS.alice.password)}`;
    assert.equal((await send(`${base}/auth/revoke`, 'POST', bearer)).status, 200);
    const [victim] = [...pidsOf(logLines(primary), 'listening')];
    process.kill(victim!, 'SIGKILL');
    await waitFor('a third worker to listen', () =>
      pidsOf(logLines(primary), 'listening').size === 3 ? true : undefined,
    );
    assert.ok(logLines(primary).some((line) => line.event === 'worker_exit'));
    const statuses = [];
    for (let round = 0; round < 4; round++) {
      statuses.push((await send(`${base}/`, 'GET', bearer)).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401], 'still revoked on the new worker');
  });

  it('one SIGTERM to the primary: the request in flight is answered, then every process exits 0', async () => {
    const workers = [...pidsOf(logLines(primary), 'listening')].filter(isPidAlive);
    assert.equal(workers.length, 2);
    await slapd.pause();
    const inFlight = send(
      `${base}/auth/request-token`,
      'POST',
      basic(USERS.alice.username, USERS.alice.password),
    );
    // The request is in flight once its search holds a directory connection of one worker; the
    // scrapes alternate between the workers, so one of them soon shows it.
    await waitFor('the token request to reach the directory', async () => {
      const metrics = await send(`${base}/metrics`, 'GET');
      return /ldap_token_auth_ldap_connections\{pool="searches",state="busy"\} [1-9]/.test(
        metrics.body,
      )
        ? true
        : undefined;
    });
    process.kill(primary.pid, 'SIGTERM');
    await waitFor('both workers to stop accepting', () =>
      pidsOf(logLines(primary), 'stopping').size === 2 ? true : undefined,
    );
    assert.ok(primary.running, 'still running while the request is in flight');
    slapd.resume();
    const answer = await inFlight;
    assert.equal(answer.status, 200, answer.body);
    // A guard against a hang, not a speed test: the workers' grace plus the primary's margin.
    assert.ok(await primary.waitForExit(GRACE_MS + 10_000), 'the primary exited');
    assert.deepEqual(primary.exitStatus, { code: 0, signal: null }, primary.stderr);
    for (const pid of workers) assert.equal(isPidAlive(pid), false, `worker ${pid} is gone`);
    assert.equal(pidsOf(logLines(primary), 'stopped').size, 2, 'both workers stopped cleanly');
    assert.equal(
      logLines(primary).filter((line) => line.event === 'stopping').length,
      2,
      'the signal was passed on once to each worker',
    );
  });
});
