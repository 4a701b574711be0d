// The shared stores on Redis as it is deployed for several instances: through a Sentinel (and
// across a failover of the primary), and on a three-node Cluster, where a token's revocation key
// and its user's cut-off key live on different nodes. Two Auth objects stand for two instances.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { RateLimitedError, StoreUnavailableError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import type { RedisOptions } from '../../src/stores/redis-client.js';
import type { TestDirectory } from '../../src/testing/index.js';
import {
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';
import { recordingLogger } from '../helpers/load.js';
import {
  type RedisCluster,
  type SentinelSet,
  startRedisCluster,
  startSentinelSet,
} from '../helpers/redis-topologies.js';

function instances(
  directory: TestDirectory,
  redis: RedisOptions,
  logger = recordingLogger().logger,
): [Auth, Auth] {
  const options: AuthOptions = {
    ...conformanceOptions(directory.url).auth,
    logger,
    redis,
    revocation: { enabled: true },
    loginLimits: { perUsername: { failures: 3, windowSeconds: 60, lockoutSeconds: 60 } },
  };
  return [createAuth(options), createAuth(options)];
}

/** What every topology must share between instances: revocations, counts and lockouts. */
async function assertShared([one, two]: [Auth, Auth], username: 'alice' | 'bob') {
  const { token } = await one.requestToken(USERS[username]);
  assert.equal((await two.verify(token)).username, username);
  await two.revoke(token);
  await assert.rejects(one.verify(token), /revoked/);

  const { token: older } = await two.requestToken(USERS[username]);
  await one.revokeAllFor(username);
  await assert.rejects(two.verify(older), /revoked/);

  const wrong = { username, password: 'not-the-password' };
  await assert.rejects(one.requestToken(wrong), /Invalid username or password/);
  await assert.rejects(two.requestToken(wrong), /Invalid username or password/);
  await assert.rejects(one.requestToken(wrong), /Invalid username or password/);
  // Three failures counted across both instances: both refuse, even the right password.
  await assert.rejects(two.requestToken(USERS[username]), RateLimitedError);
  await assert.rejects(one.requestToken(USERS[username]), RateLimitedError);
}

describe('stores on Redis Sentinel', () => {
  let directory: TestDirectory;
  let sentinel: SentinelSet;
  let auths: [Auth, Auth];
  const log = recordingLogger();
  before(async () => {
    directory = await startFixtureDirectory();
    sentinel = await startSentinelSet();
    auths = instances(
      directory,
      {
        sentinels: { hosts: sentinel.sentinels, name: sentinel.name },
        keyPrefix: 'sentinel-test:',
      },
      log.logger,
    );
  });
  after(async () => {
    await Promise.all(auths?.map((auth) => auth.close()) ?? []);
    await sentinel?.stop();
    await directory?.close();
  });

  it('two instances share revocations, failure counts and lockouts', async () => {
    await assertShared(auths, 'alice');
  });

  it('after the Sentinel promotes the replica, the instances follow it and keep what was stored', async () => {
    const [one, two] = auths;
    const { token } = await one.requestToken(USERS.bob);
    await one.revoke(token);
    await sentinel.failOver();
    // ioredis asks the Sentinel again once the old primary is gone, each instance in its own
    // time: an instance may answer "store unavailable" until it has (a guard, not a measure).
    const fresh = (await untilReconnected(() => two.requestToken(USERS.bob))).token;
    // The revocation was replicated before the failover and is still honoured.
    await assert.rejects(two.verify(token), /revoked/);
    await untilReconnected(() => one.revoke(fresh));
    await assert.rejects(two.verify(fresh), /revoked/);
    // Each instance said once that it lost Redis and once that it is back, however many
    // reconnection attempts the failover took.
    const events = log.events();
    assert.equal(events.filter((event) => event === 'redis_connection_lost').length, 2);
    assert.equal(events.filter((event) => event === 'redis_connection_restored').length, 2);
  });
});

/** `operation()`, tried again while the shared store is unavailable, for at most 30 s. */
async function untilReconnected<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

describe('stores on Redis Cluster', () => {
  let directory: TestDirectory;
  let cluster: RedisCluster;
  let auths: [Auth, Auth];
  before(async () => {
    directory = await startFixtureDirectory();
    cluster = await startRedisCluster();
    auths = instances(directory, { clusterNodes: cluster.nodes, keyPrefix: 'cluster-test:' });
  });
  after(async () => {
    await Promise.all(auths?.map((auth) => auth.close()) ?? []);
    await cluster?.stop();
    await directory?.close();
  });

  it('two instances share revocations, failure counts and lockouts', async () => {
    await assertShared(auths, 'alice');
  });

  it('tokens of many users are checked whatever node their keys hash to', async () => {
    const [one, two] = auths;
    // Enough tokens that their revocation keys spread over all three nodes.
    const tokens = await Promise.all(
      Array.from({ length: 12 }, () => one.requestToken(USERS.bob).then((issued) => issued.token)),
    );
    await Promise.all(tokens.slice(0, 6).map((token) => two.revoke(token)));
    for (const [index, token] of tokens.entries()) {
      if (index < 6) await assert.rejects(one.verify(token), /revoked/);
      else assert.equal((await one.verify(token)).username, 'bob');
    }
  });
});
