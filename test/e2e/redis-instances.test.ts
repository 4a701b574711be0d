// Two (and a third, failing open) instances of `ldap-token-auth serve`, separate processes on
// separate ports, sharing nothing but a real redis-server and the directory: a token revoked
// through one is refused by the other; failed logins count across both and a lockout holds on
// both; with Redis killed, fail-closed answers 503 and fail-open logs and carries on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { basic, startFixtureDirectory, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, startProcess } from '../helpers/process.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { GUARD_MS } from '../helpers/timeouts.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Instance {
  process: ManagedProcess;
  url: string;
}

async function startInstance(
  name: string,
  directory: TestDirectory,
  redis: RedisServer,
  extra: Record<string, string> = {},
): Promise<Instance> {
  const port = await freePort();
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  const process_ = await startProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port)],
    cwd: ROOT,
    env: {
      ...env,
      SECRET_KEY: 'redis-instances-secret-0123456789abcdef0123',
      LDAP_AUTH_SERVER: directory.url,
      LDAP_TOP_DN: TOP_DN,
      REDIS_URL: redis.url,
      TOKEN_REVOCATION: 'true',
      LOGIN_MAX_FAILURES_PER_USER: '3',
      LOGIN_USER_LOCKOUT_SECONDS: '60',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    ready: { port },
  });
  return { process: process_, url: `http://127.0.0.1:${port}` };
}

async function login(instance: Instance, username: string, password: string) {
  const response = await fetch(`${instance.url}/auth/request-token`, {
    method: 'POST',
    headers: { authorization: basic(username, password) },
  });
  const body = (await response.json()) as { access_token?: string };
  return { status: response.status, token: body.access_token, headers: response.headers };
}

async function hello(instance: Instance, token: string): Promise<number> {
  const response = await fetch(`${instance.url}/`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

async function revoke(instance: Instance, token: string): Promise<number> {
  const response = await fetch(`${instance.url}/auth/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe('instances sharing a redis-server', () => {
  let directory: TestDirectory;
  let redis: RedisServer;
  let one: Instance;
  let two: Instance;
  let open: Instance;

  before(async () => {
    directory = await startFixtureDirectory();
    redis = await startRedis();
    [one, two, open] = await Promise.all([
      startInstance('serve one', directory, redis),
      startInstance('serve two', directory, redis),
      startInstance('serve open', directory, redis, { STORE_FAILURE: 'open' }),
    ]);
  });
  after(async () => {
    await Promise.all([one, two, open].map((instance) => instance?.process.stop()));
    await redis?.stop();
    await directory?.close();
  });

  it('a token revoked through one instance is refused by the other, cached or not', async () => {
    const { token } = await login(one, USERS.alice.username, USERS.alice.password);
    assert.ok(token);
    const other = (await login(two, USERS.alice.username, USERS.alice.password)).token!;
    assert.equal(await hello(two, token), 200, 'verified once, so cached on two');
    assert.equal(await hello(one, token), 200);
    assert.equal(await revoke(one, token), 200);
    assert.equal(await hello(two, token), 401);
    assert.equal(await hello(one, token), 401);
    assert.equal(await revoke(two, token), 401, 'already revoked');
    assert.equal(await hello(two, other), 200, "the user's other token is still good");
    assert.equal(await revoke(two, 'not.a.token'), 401);
  });

  it('concurrent refreshes of one token through both instances: exactly one gets a new token', async () => {
    const { token } = await login(one, USERS.alice.username, USERS.alice.password);
    const refresh = async (instance: Instance) => {
      const response = await fetch(`${instance.url}/auth/refresh`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      await response.arrayBuffer();
      return response.status;
    };
    const statuses = await Promise.all([one, two, one, two].map(refresh));
    assert.deepEqual(
      [...statuses].sort(),
      [200, 401, 401, 401],
      `one exchange, three refusals: ${statuses}`,
    );
  });

  it('failed logins count across both, and a lockout on one holds on the other', async () => {
    const statuses = [];
    for (const instance of [one, two, one]) {
      statuses.push((await login(instance, 'bob', 'wrong')).status);
    }
    assert.deepEqual(statuses, [401, 401, 401]);
    const binds = directory.stats.binds;
    const locked = await login(two, USERS.bob.username, USERS.bob.password);
    assert.equal(locked.status, 429);
    assert.match(locked.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.equal((await login(one, USERS.bob.username, USERS.bob.password)).status, 429);
    assert.equal(directory.stats.binds, binds, 'no bind while locked');
  });

  it('Redis down: fail-closed answers 503, fail-open logs and carries on', async () => {
    const closedToken = (await login(one, USERS.jozef.username, USERS.jozef.password)).token!;
    const openToken = (await login(open, USERS.jozef.username, USERS.jozef.password)).token!;
    await redis.kill();
    const deadline = Date.now() + GUARD_MS;
    // ioredis notices the closed connection within a moment; until then a command may still go out.
    let closed = await login(one, USERS.jozef.username, USERS.jozef.password);
    while (closed.status !== 503 && Date.now() < deadline) {
      await sleep(100);
      closed = await login(one, USERS.jozef.username, USERS.jozef.password);
    }
    assert.equal(closed.status, 503);
    assert.match(closed.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    assert.equal(await hello(one, closedToken), 503, 'revocation cannot be checked');
    assert.equal((await login(open, USERS.jozef.username, USERS.jozef.password)).status, 200);
    assert.equal(await hello(open, openToken), 200);
    assert.match(open.process.stderr, /store_unavailable/);
    assert.match(open.process.stderr, /fail open/);
  });
});
