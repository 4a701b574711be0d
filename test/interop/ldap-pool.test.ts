// Connection reuse against a real slapd, counted by slapd itself (cn=Monitor): a bounded number
// of connections for any load, one bind per login (the bind connections carry nothing else, so
// they are never reset), idle ones retired, dropped ones replaced (re-bound as the service
// account), and none left open after close().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import type { AuthOptions, LdapOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import { basicAuth, runLoad, tally } from '../helpers/load.js';
import { SLAPD_ROOT_DN, SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';
import { assertEndedByTimeout, waitUntil } from '../helpers/timeouts.js';

const TOP_DN = 'ou=people,dc=example,dc=org';
const BOT_DN = `uid=search-bot,${TOP_DN}`;
const USERS = [
  { username: 'alice', password: 'wonderland', dn: `uid=alice,${TOP_DN}` },
  { username: 'bob', password: 'can-we-fix-it', dn: `uid=bob,${TOP_DN}` },
] as const;

function options(slapd: SlapdServer, ldap: Partial<LdapOptions> = {}): AuthOptions {
  return {
    secretKey: 'ldap-pool-test-secret-0123456789abcdef',
    ldap: {
      url: slapd.url,
      topDn: TOP_DN,
      // The closed flavour: a search on a connection that lost its service-account bind fails.
      serviceAccount: { username: 'search-bot', password: 'bot-secret' },
      // Not what these tests are about: far beyond what a loaded machine takes.
      timeoutMs: 10_000,
      connectTimeoutMs: 10_000,
      ...ldap,
    },
    // One request in ten below is a wrong password on purpose: these tests are about the pools.
    loginLimits: { enabled: false },
  };
}

async function startService(core: Auth) {
  const service = await serve(core, { host: '127.0.0.1', port: 0 });
  const tokenUrl = `${service.url}/auth/request-token`;
  const login = (username: string, password: string, signal?: AbortSignal) =>
    fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: basicAuth(username, password) },
      signal,
    });
  return { ...service, tokenUrl, login };
}

/** DNs slapd's connections are bound as, other than the monitor's own and anonymous ones. */
async function boundAs(monitor: SlapdMonitor): Promise<string[]> {
  const connections = await monitor.connections();
  return connections
    .map((connection) => connection.authzDn)
    .filter((dn) => dn && dn !== SLAPD_ROOT_DN)
    .sort();
}

describe('real slapd: the connection pools', () => {
  let slapd: SlapdServer;
  let monitor: SlapdMonitor;
  before(async () => {
    slapd = await startSlapd({ anonymousSearch: false, monitor: true });
    monitor = await SlapdMonitor.open(slapd);
  });
  after(async () => {
    await monitor?.close();
    await slapd?.stop();
  });

  it('2,000 token requests at concurrency 16: at most 2 x poolSize connections, one bind each, none left after close()', async (t) => {
    const poolSize = 4;
    const core = createAuth(options(slapd, { poolSize }));
    const service = await startService(core);
    const before = await monitor.connectionCounts();
    assert.equal(before.current, 1, 'only the monitor is connected');
    const operationsBefore = await monitor.operations();

    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await monitor.connectionCounts()).current - 1);
        await sleep(25);
      }
    })();
    const outcomes = await runLoad({ concurrency: 16, count: 2000 }, (index, signal) => {
      const user = USERS[index % 2]!;
      // One request in ten has a wrong password: a failed bind must not spoil its connection.
      return service.login(user.username, index % 10 === 9 ? 'wrong' : user.password, signal);
    });
    sampling = false;
    await sampler;

    assert.equal(outcomes.length, 2000);
    assert.deepEqual(tally(outcomes), { 200: 1800, 401: 200 });
    const during = await monitor.connectionCounts();
    // The monitor and its sampler use one connection, opened before `before`.
    const opened = during.total - before.total;
    assert.ok(opened <= 2 * poolSize, `slapd saw ${opened} connections for 2,000 requests`);
    assert.ok(peak <= 2 * poolSize, `${peak} connections open at once`);

    // One bind per login, wrong passwords included, plus the service account's on each search
    // connection opened: no connection is ever reset to anonymous.
    const operations = await monitor.operations();
    const searchConnections = core.directoryStats().searches.open;
    assert.equal(operations.binds - operationsBefore.binds, 2000 + searchConnections);
    // Resting bind connections may still be bound as alice or bob: harmless, since they carry
    // nothing but the next login's bind (test/interop/bind-connection-use.test.ts).
    const people = new Set<string>(USERS.map((user) => user.dn));
    const bound = await boundAs(monitor);
    assert.equal(bound.filter((dn) => dn === BOT_DN).length, poolSize);
    assert.ok(
      bound.every((dn) => dn === BOT_DN || people.has(dn)),
      bound.join(', '),
    );
    assert.deepEqual(core.directoryStats(), {
      searches: { open: poolSize, busy: 0 },
      binds: { open: poolSize, busy: 0 },
    });

    await service.close();
    assert.equal(await monitor.waitForCurrent(1), 1, 'connections left open after close()');
    assert.deepEqual(core.directoryStats(), {
      searches: { open: 0, busy: 0 },
      binds: { open: 0, busy: 0 },
    });
    t.diagnostic(
      `2,000 requests: slapd saw ${opened} connections (pool size ${poolSize} x 2), peak ${peak} open, 0 after close()`,
    );
  });

  it('a quiet pool reuses the bind connection without a reset; a wrong password leaves it anonymous', async () => {
    const service = await startService(createAuth(options(slapd)));
    try {
      const operations = await monitor.operations();
      for (const user of USERS) {
        const answer = await service.login(user.username, user.password);
        assert.equal(answer.status, 200);
        // The one bind connection rests as the person who just logged in, until the next bind.
        assert.deepEqual(await boundAs(monitor), [BOT_DN, user.dn].sort());
      }
      // The two logins: the service account's bind, then one bind each, and no other.
      const after = await monitor.operations();
      assert.equal(after.binds - operations.binds, 3);
      assert.equal((await monitor.connectionCounts()).current, 3, 'one connection per pool');
      assert.equal((await service.login('alice', 'not-her-password')).status, 401);
      assert.deepEqual(await boundAs(monitor), [BOT_DN], 'a failed bind leaves it anonymous');
    } finally {
      await service.close();
    }
  });

  it('idle connections are closed after idleTimeoutMs, and new ones opened when needed', async () => {
    const idleTimeoutMs = 300;
    const core = createAuth(options(slapd, { idleTimeoutMs }));
    try {
      const before = await monitor.connectionCounts();
      // Before the request: the connections were last used after this.
      const started = performance.now();
      await core.requestToken(USERS[0]);
      assert.equal((await monitor.connectionCounts()).current, 3);
      assert.equal(await monitor.waitForCurrent(1), 1, 'idle connections still open');
      assertEndedByTimeout(performance.now() - started, idleTimeoutMs, 'the idle connections');
      await core.requestToken(USERS[1]);
      const after = await monitor.connectionCounts();
      assert.equal(after.total - before.total, 4, 'two connections, then two new ones');
    } finally {
      await core.close();
    }
    assert.equal(await monitor.waitForCurrent(1), 1);
  });
});

describe('real slapd: connections dropped by the server', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startSlapd({ anonymousSearch: false, monitor: true });
  });
  after(() => slapd?.stop());

  it('killed and restarted while the pool is idle: the next request is served, re-bound as the service account', async () => {
    const core = createAuth(options(slapd));
    const service = await startService(core);
    try {
      assert.equal((await service.login('alice', 'wonderland')).status, 200);
      assert.deepEqual(core.directoryStats().searches, { open: 1, busy: 0 });
      // SIGKILL: the kernel resets the pooled sockets; no error may escape as an exception.
      await slapd.kill();
      await waitUntil(
        () => core.directoryStats().searches.open === 0,
        'the pool to drop the connection slapd’s death closed',
      );
      assert.deepEqual(core.directoryStats().searches, { open: 0, busy: 0 });
      await slapd.restart();
      // The closed flavour answers an anonymous search with 50, which would be a 503 here.
      for (const user of USERS) {
        assert.equal((await service.login(user.username, user.password)).status, 200);
      }
      const monitor = await SlapdMonitor.open(slapd);
      try {
        // The new search connection as the service account; the bind connection rests as the
        // last person who logged in (it carries nothing but binds).
        assert.deepEqual(await boundAs(monitor), [BOT_DN, USERS[1].dn].sort());
      } finally {
        await monitor.close();
      }
    } finally {
      await service.close();
    }
  });

  it('slapd closing idle connections itself (idletimeout): requests keep being served', async () => {
    const dropping = await startSlapd({
      anonymousSearch: false,
      monitor: true,
      globalConfig: ['idletimeout 1'],
    });
    const service = await startService(createAuth(options(dropping)));
    try {
      assert.equal((await service.login('alice', 'wonderland')).status, 200);
      const monitor = await SlapdMonitor.open(dropping);
      try {
        // slapd checks idle connections every idletimeout/2 seconds; the monitor's own stays busy.
        assert.equal(await monitor.waitForCurrent(1), 1, 'slapd dropped ours');
        assert.equal((await service.login('bob', 'can-we-fix-it')).status, 200);
        assert.deepEqual(await boundAs(monitor), [BOT_DN, USERS[1].dn].sort());
      } finally {
        await monitor.close();
      }
    } finally {
      await service.close();
      await dropping.stop();
    }
  });
});
