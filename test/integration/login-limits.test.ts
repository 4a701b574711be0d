// Brute-force protection through the core and the service, on the embedded directory: the
// client address behind trusted proxies, the switch, and the options read from the environment.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import {
  ConfigurationError,
  DirectoryUnavailableError,
  InvalidCredentialsError,
  RateLimitedError,
} from '../../src/errors.js';
import { fromEnv } from '../../src/options/from-env.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import {
  basic,
  conformanceOptions,
  startFixtureDirectory,
  TOP_DN,
  USERS,
} from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';

describe('login limits', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(async () => {
    await directory?.close();
  });
  const options = (extra: Partial<AuthOptions>): AuthOptions => ({
    ...conformanceOptions(directory.url).auth,
    ...extra,
  });

  it('requestToken: the 6th attempt is refused before any bind, per username, case-insensitively', async () => {
    const auth = createAuth(options({}));
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        await assert.rejects(
          auth.requestToken({ username: attempt % 2 ? 'ALICE' : 'alice', password: 'no' }),
          InvalidCredentialsError,
        );
      }
      const binds = directory.stats.binds;
      await assert.rejects(auth.requestToken(USERS.alice), (error: unknown) => {
        assert.ok(error instanceof RateLimitedError);
        assert.ok(error.retryAfterSeconds > 800 && error.retryAfterSeconds <= 900);
        return true;
      });
      assert.equal(directory.stats.binds, binds);
      // Another user from the same (unknown) address is not affected.
      assert.equal((await auth.requestToken(USERS.bob)).user.username, 'bob');
    } finally {
      await auth.close();
    }
  });

  it('a directory that cannot answer costs no point: 503s never turn into 429', async () => {
    const port = await freePort(); // nothing listens there
    const auth = createAuth({
      ...options({ loginLimits: { perUsername: { failures: 2 }, perAddress: { failures: 2 } } }),
      ldap: { url: `ldap://127.0.0.1:${port}`, topDn: TOP_DN, connectTimeoutMs: 500 },
    });
    try {
      for (let attempt = 0; attempt < 6; attempt++) {
        await assert.rejects(
          auth.requestToken({ username: 'alice', password: 'no' }, {}, { address: '192.0.2.5' }),
          DirectoryUnavailableError,
        );
      }
    } finally {
      await auth.close();
    }
  });

  it('the name is counted as the directory matches it: case, spaces and full-width alike', async () => {
    const auth = createAuth(options({ loginLimits: { perUsername: { failures: 3 } } }));
    try {
      for (const username of ['ALICE', ' alice', 'ａｌｉｃｅ']) {
        await assert.rejects(
          auth.requestToken({ username, password: 'no' }),
          InvalidCredentialsError,
        );
      }
      await assert.rejects(auth.requestToken(USERS.alice), RateLimitedError);
    } finally {
      await auth.close();
    }
  });

  it('loginLimits.enabled = false: every attempt reaches the directory', async () => {
    const auth = createAuth(options({ loginLimits: { enabled: false } }));
    try {
      for (let attempt = 0; attempt < 8; attempt++) {
        await assert.rejects(
          auth.requestToken({ username: 'alice', password: 'no' }, {}, { address: '192.0.2.1' }),
          InvalidCredentialsError,
        );
      }
      assert.equal((await auth.requestToken(USERS.alice)).user.username, 'alice');
    } finally {
      await auth.close();
    }
  });

  it('behind a trusted proxy, X-Forwarded-For names the client; the limit is per that address', async () => {
    const auth = createAuth(
      options({
        trustedProxies: ['loopback'],
        loginLimits: { perUsername: { failures: 100 }, perAddress: { failures: 2 } },
      }),
    );
    const service = await serve(auth, { host: '127.0.0.1', port: 0 });
    try {
      const post = async (username: string, password: string, forwardedFor: string) => {
        const response = await fetch(`${service.url}/auth/request-token`, {
          method: 'POST',
          headers: { authorization: basic(username, password), 'x-forwarded-for': forwardedFor },
        });
        await response.arrayBuffer();
        return response.status;
      };
      assert.equal(await post('alice', 'no', '203.0.113.1'), 401);
      assert.equal(await post('bob', 'no', '203.0.113.1'), 401);
      assert.equal(await post('bob', USERS.bob.password, '203.0.113.1'), 429);
      // A client spoofing the header behind the proxy is still the proxy's rightmost entry.
      assert.equal(await post('bob', USERS.bob.password, '203.0.113.2, 203.0.113.1'), 429);
      assert.equal(await post('bob', USERS.bob.password, '203.0.113.2'), 200);
    } finally {
      await service.close();
    }
  });

  it('fromEnv: LOGIN_* and TRUSTED_PROXIES', () => {
    const base = {
      SECRET_KEY: 'login-limits-env-secret-0123456789abcdef',
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: 'dc=x',
    };
    const read = fromEnv({
      ...base,
      LOGIN_MAX_FAILURES_PER_USER: '3',
      LOGIN_USER_LOCKOUT_SECONDS: '60',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '50',
      TRUSTED_PROXIES: '10.0.0.0/8, loopback',
    });
    assert.deepEqual(read.loginLimits, {
      perUsername: { failures: 3, lockoutSeconds: 60 },
      perAddress: { failures: 50 },
    });
    assert.deepEqual(read.trustedProxies, ['10.0.0.0/8', 'loopback']);
    assert.equal(fromEnv({ ...base, LOGIN_LIMITS: 'off' }).loginLimits?.enabled, false);
    for (const [name, value] of [
      ['TRUSTED_PROXIES', 'not-an-address'],
      ['LOGIN_MAX_FAILURES_PER_USER', '0'],
      ['LOGIN_LIMITS', 'maybe'],
    ] as const) {
      assert.throws(
        () => fromEnv({ ...base, [name]: value }),
        (error: unknown) => error instanceof ConfigurationError && error.variable === name,
      );
    }
  });
});
