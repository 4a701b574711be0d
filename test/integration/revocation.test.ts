// Revocation in memory through the core: auth.revoke, auth.revokeAllFor, the synchronous hot
// path (knownUser) and the switch; the options read from the environment. Redis, and two
// instances sharing it, are tested in test/e2e/redis-instances.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { knownUser } from '../../src/core/auth-internals.js';
import { createAuth } from '../../src/core/create-auth.js';
import {
  ConfigurationError,
  DirectoryUnavailableError,
  InvalidTokenError,
} from '../../src/errors.js';
import { fromEnv } from '../../src/options/from-env.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import {
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

describe('revocation in memory', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(async () => {
    await directory?.close();
  });
  const options = (extra: Partial<AuthOptions> = {}): AuthOptions => ({
    ...conformanceOptions(directory.url).auth,
    revocation: { enabled: true },
    ...extra,
  });

  it('revoke(token): refused by verify and by the synchronous hot path, other tokens kept', async () => {
    const auth = createAuth(options());
    try {
      const { token } = await auth.requestToken(USERS.alice);
      const { token: kept } = await auth.requestToken(USERS.alice);
      await auth.verify(token);
      assert.equal(knownUser(auth, token)?.username, 'alice');
      await auth.revoke(token);
      assert.throws(() => knownUser(auth, token), InvalidTokenError);
      await assert.rejects(auth.verify(token), /revoked/);
      await assert.rejects(auth.revoke(token), InvalidTokenError);
      await assert.rejects(auth.revoke('not.a.token'), InvalidTokenError);
      assert.equal((await auth.verify(kept)).username, 'alice');
    } finally {
      await auth.close();
    }
  });

  it('refresh exchanges a token once: the token presented is revoked, the new one works', async () => {
    const auth = createAuth(options());
    try {
      const { token } = await auth.requestToken(USERS.alice);
      const refreshed = await auth.refresh(token);
      assert.equal((await auth.verify(refreshed.token)).username, 'alice');
      await assert.rejects(auth.verify(token), /revoked/);
      // A leaked copy refreshed after its owner gets nothing.
      await assert.rejects(auth.refresh(token), /revoked/);
      assert.equal((await auth.refresh(refreshed.token)).user.username, 'alice');
    } finally {
      await auth.close();
    }
  });

  it('concurrent refreshes of one token: exactly one succeeds, the rest are refused', async () => {
    const auth = createAuth(options());
    try {
      const { token } = await auth.requestToken(USERS.alice);
      const results = await Promise.allSettled([1, 2, 3].map(() => auth.refresh(token)));
      const issued = results.filter((result) => result.status === 'fulfilled');
      assert.equal(issued.length, 1, 'one new token for one token');
      for (const result of results) {
        if (result.status === 'rejected') assert.ok(result.reason instanceof InvalidTokenError);
      }
      assert.equal((await auth.verify(issued[0]!.value.token)).username, 'alice');
    } finally {
      await auth.close();
    }
  });

  it('a refresh the directory cannot answer releases the token: it stays valid', async () => {
    const down = await startFixtureDirectory();
    const auth = createAuth({
      ...options(),
      ldap: { ...conformanceOptions(down.url).auth.ldap, timeoutMs: 500, connectTimeoutMs: 500 },
    });
    try {
      const { token } = await auth.requestToken(USERS.alice);
      await down.close();
      await assert.rejects(auth.refresh(token), DirectoryUnavailableError);
      assert.equal((await auth.verify(token)).username, 'alice', 'not spent by the outage');
    } finally {
      await auth.close();
    }
  });

  it('with revocation off, refresh leaves the old token valid until it expires', async () => {
    const auth = createAuth({ ...options(), revocation: { enabled: false } });
    try {
      const { token } = await auth.requestToken(USERS.alice);
      await auth.refresh(token);
      assert.equal((await auth.verify(token)).username, 'alice');
    } finally {
      await auth.close();
    }
  });

  it("revokeAllFor(username): every token of that user issued up to now, not others'", async () => {
    let now = 1_900_000_000_000;
    const auth = createAuth(options({ now: () => now }));
    try {
      const alice = (await auth.requestToken(USERS.alice)).token;
      const bob = (await auth.requestToken(USERS.bob)).token;
      await auth.revokeAllFor('alice');
      await assert.rejects(auth.verify(alice), InvalidTokenError);
      assert.equal((await auth.verify(bob)).username, 'bob');
      now += 1000; // a login after the cut-off second is good
      assert.equal(
        (await auth.verify((await auth.requestToken(USERS.alice)).token)).username,
        'alice',
      );
    } finally {
      await auth.close();
    }
  });

  it('off by default: revoke is a TypeError, and verification never consults a store', async () => {
    const auth = createAuth(conformanceOptions(directory.url).auth);
    try {
      assert.equal(auth.options.revocation.enabled, false);
      const { token } = await auth.requestToken(USERS.alice);
      await assert.rejects(auth.revoke(token), TypeError);
      await assert.rejects(auth.revokeAllFor('alice'), TypeError);
      assert.equal((await auth.verify(token)).username, 'alice');
    } finally {
      await auth.close();
    }
  });

  it('fromEnv: REDIS_*, STORE_FAILURE and TOKEN_REVOCATION', () => {
    const base = {
      SECRET_KEY: 'revocation-env-secret-0123456789abcdef',
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: 'dc=x',
    };
    const read = fromEnv({
      ...base,
      REDIS_URL: 'redis://127.0.0.1:6390/2',
      REDIS_KEY_PREFIX: 'tokens:',
      STORE_FAILURE: 'open',
      TOKEN_REVOCATION: 'true',
    });
    assert.deepEqual(read.redis, { url: 'redis://127.0.0.1:6390/2', keyPrefix: 'tokens:' });
    assert.equal(read.storeFailure, 'open');
    assert.deepEqual(read.revocation, { enabled: true });
    assert.deepEqual(
      fromEnv({ ...base, REDIS_SENTINELS: 'a:26379, b:26379', REDIS_SENTINEL_NAME: 'main' }).redis,
      { sentinels: { hosts: ['a:26379', 'b:26379'], name: 'main' } },
    );
    for (const [env, name] of [
      [{ STORE_FAILURE: 'sometimes' }, 'STORE_FAILURE'],
      [{ TOKEN_REVOCATION: 'maybe' }, 'TOKEN_REVOCATION'],
      [{ REDIS_KEY_PREFIX: 'tokens:' }, 'REDIS_URL'],
      [{ REDIS_SENTINELS: 'a:26379' }, 'REDIS_SENTINEL_NAME'],
    ] as const) {
      assert.throws(
        () => fromEnv({ ...base, ...env }),
        (error: unknown) => error instanceof ConfigurationError && error.variable === name,
        name,
      );
    }
  });
});
