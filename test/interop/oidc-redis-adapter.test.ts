// The storage of oidc-provider's models: the adapter contract (upsert, find, the uid and user
// code indexes, consume, destroy, revokeByGrantId, expiry) as one list of cases, run against the
// memory adapter, a real redis-server and a three-node Redis Cluster. Then what only Redis does:
// two instances' adapters see one store, keys sit under the stores' prefix with TTLs.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { storageAdapter } from '../../src/oidc/storage.js';
import type { Logger } from '../../src/shared/logger.js';
import { connectRedis, type RedisClient } from '../../src/stores/redis-client.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-topologies.js';
import { waitUntil } from '../helpers/timeouts.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const uniqueId = () => randomUUID().replaceAll('-', '');

/** A token as oidc-provider saves one: its payload carries its kind, jti and grant. */
function token(kind: string, grantId: string, extra: AdapterPayload = {}): AdapterPayload {
  return { kind, jti: uniqueId(), grantId, clientId: 'app', accountId: 'alice', ...extra };
}

async function upsertToken(Adapter: AdapterConstructor, kind: string, grantId: string) {
  const payload = token(kind, grantId);
  await new Adapter(kind).upsert(payload.jti!, payload, 600);
  return payload.jti!;
}

const contract: [string, (Adapter: AdapterConstructor) => Promise<void>][] = [
  [
    'finds what it stored, per model, and nothing else',
    async (Adapter) => {
      const payload = token('AccessToken', 'g1', { scope: 'openid', amr: [], claims: {} });
      await new Adapter('AccessToken').upsert(payload.jti!, payload, 600);
      assert.deepEqual(await new Adapter('AccessToken').find(payload.jti!), payload);
      assert.equal(await new Adapter('RefreshToken').find(payload.jti!), undefined, 'other model');
      assert.equal(await new Adapter('AccessToken').find('unknown'), undefined);
    },
  ],
  [
    'an upsert replaces the payload',
    async (Adapter) => {
      const adapter = new Adapter('Interaction');
      await adapter.upsert('i1', { kind: 'Interaction', jti: 'i1', returnTo: 'a' }, 600);
      await adapter.upsert('i1', { kind: 'Interaction', jti: 'i1', returnTo: 'b' }, 600);
      assert.equal((await adapter.find('i1'))?.returnTo, 'b');
    },
  ],
  [
    'a model expires after expiresIn seconds, and one saved without it stays',
    async (Adapter) => {
      const adapter = new Adapter('Interaction');
      await adapter.upsert('short', { kind: 'Interaction', jti: 'short' }, 1);
      await adapter.upsert('kept', { kind: 'Interaction', jti: 'kept' });
      assert.ok(await adapter.find('short'));
      await waitUntil(async () => (await adapter.find('short')) === undefined, 'the expiry');
      assert.ok(await adapter.find('kept'));
    },
  ],
  [
    'findByUid finds a session by its uid, and not by a uid it no longer has',
    async (Adapter) => {
      const sessions = new Adapter('Session');
      const session = { kind: 'Session', jti: uniqueId(), uid: uniqueId(), accountId: 'alice' };
      await sessions.upsert(session.jti, session, 600);
      assert.deepEqual(await sessions.findByUid(session.uid), session);
      const renewed = { ...session, uid: uniqueId() };
      await sessions.upsert(session.jti, renewed, 600);
      assert.equal(await sessions.findByUid(session.uid), undefined, 'the old uid');
      assert.deepEqual(await sessions.findByUid(renewed.uid), renewed);
      await sessions.destroy(session.jti);
      assert.equal(await sessions.findByUid(renewed.uid), undefined, 'destroyed');
      assert.equal(await sessions.findByUid('unknown'), undefined);
    },
  ],
  [
    'findByUserCode finds a device code by its user code',
    async (Adapter) => {
      const codes = new Adapter('DeviceCode');
      const code = token('DeviceCode', 'g2', { userCode: 'ABCD-EFGH' });
      await codes.upsert(code.jti!, code, 600);
      assert.deepEqual(await codes.findByUserCode('ABCD-EFGH'), code);
      assert.equal(await codes.findByUserCode('WXYZ-WXYZ'), undefined);
    },
  ],
  [
    'consume marks the model consumed; a second consume is refused as invalid_grant',
    async (Adapter) => {
      const codes = new Adapter('AuthorizationCode');
      const code = token('AuthorizationCode', uniqueId());
      await codes.upsert(code.jti!, code, 60);
      await codes.consume(code.jti!);
      const consumed = await codes.find(code.jti!);
      assert.equal(typeof consumed?.consumed, 'number');
      assert.ok(Math.abs((consumed?.consumed as number) - Date.now() / 1000) < 60);
      await assert.rejects(codes.consume(code.jti!), { message: 'invalid_grant', statusCode: 400 });
    },
  ],
  [
    'of concurrent consumes of one code exactly one wins, and the losing replay revokes the grant',
    async (Adapter) => {
      const grantId = uniqueId();
      await new Adapter('Grant').upsert(grantId, { kind: 'Grant', jti: grantId }, 600);
      const code = token('AuthorizationCode', grantId);
      await new Adapter('AuthorizationCode').upsert(code.jti!, code, 60);
      const issued = await upsertToken(Adapter, 'AccessToken', grantId);
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map(() => new Adapter('AuthorizationCode').consume(code.jti!)),
      );
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      for (const result of results) {
        if (result.status === 'rejected') assert.equal(result.reason.error, 'invalid_grant');
      }
      assert.equal(await new Adapter('AccessToken').find(issued), undefined, 'revoked token');
      assert.equal(await new Adapter('Grant').find(grantId), undefined, 'revoked grant');
    },
  ],
  [
    'consuming a model that is gone is refused',
    async (Adapter) => {
      await assert.rejects(new Adapter('RefreshToken').consume('gone'), { error: 'invalid_grant' });
    },
  ],
  [
    'a consumed refresh token saved again keeps its consumed mark',
    async (Adapter) => {
      const refresh = token('RefreshToken', uniqueId(), { consumed: 1_700_000_000 });
      await new Adapter('RefreshToken').upsert(refresh.jti!, refresh, 600);
      assert.equal((await new Adapter('RefreshToken').find(refresh.jti!))?.consumed, 1_700_000_000);
    },
  ],
  [
    'destroy deletes one model',
    async (Adapter) => {
      const grantId = uniqueId();
      const [one, two] = [
        await upsertToken(Adapter, 'AccessToken', grantId),
        await upsertToken(Adapter, 'AccessToken', grantId),
      ];
      await new Adapter('AccessToken').destroy(one);
      assert.equal(await new Adapter('AccessToken').find(one), undefined);
      assert.ok(await new Adapter('AccessToken').find(two));
    },
  ],
  [
    'revokeByGrantId deletes every model of the grant and none of another grant',
    async (Adapter) => {
      const [grant, other] = [uniqueId(), uniqueId()];
      const kinds = ['AccessToken', 'RefreshToken', 'AuthorizationCode'];
      const revoked = await Promise.all(kinds.map((kind) => upsertToken(Adapter, kind, grant)));
      const kept = await Promise.all(kinds.map((kind) => upsertToken(Adapter, kind, other)));
      await new Adapter('AccessToken').revokeByGrantId(grant);
      for (const [index, kind] of kinds.entries()) {
        assert.equal(await new Adapter(kind).find(revoked[index]!), undefined, kind);
        assert.ok(await new Adapter(kind).find(kept[index]!), `${kind} of the other grant`);
      }
      await new Adapter('RefreshToken').revokeByGrantId(grant);
      await new Adapter('RefreshToken').revokeByGrantId('unknown');
    },
  ],
];

function runContract(name: string, adapterOf: () => AdapterConstructor) {
  describe(`oidc storage contract (${name})`, () => {
    for (const [title, body] of contract) it(title, () => body(adapterOf()));
  });
}

async function connected(options: Parameters<typeof connectRedis>[0], clients: RedisClient[]) {
  const client = await connectRedis(options, quiet);
  clients.push(client);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

runContract('memory', () => storageAdapter(undefined, 'unused:'));

describe('oidc storage on one redis-server', () => {
  let redis: RedisServer;
  const clients: RedisClient[] = [];
  let one: RedisClient;
  let two: RedisClient;
  before(async () => {
    redis = await startRedis();
    one = await connected({ url: redis.url }, clients);
    two = await connected({ url: redis.url }, clients);
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  runContract('redis', () => storageAdapter(one, `t${uniqueId()}:`));

  it('two instances on one Redis share the models, the indexes and the consumed mark', async () => {
    const [A, B] = [storageAdapter(one, 'shared:'), storageAdapter(two, 'shared:')];
    const code = token('AuthorizationCode', uniqueId());
    await new A('AuthorizationCode').upsert(code.jti!, code, 60);
    await new B('AuthorizationCode').consume(code.jti!);
    assert.equal(typeof (await new A('AuthorizationCode').find(code.jti!))?.consumed, 'number');
    await assert.rejects(new A('AuthorizationCode').consume(code.jti!), { error: 'invalid_grant' });
    const session = { kind: 'Session', jti: uniqueId(), uid: uniqueId() };
    await new B('Session').upsert(session.jti, session, 600);
    assert.deepEqual(await new A('Session').findByUid(session.uid), session);
  });

  it('keys sit under the stores prefix + oidc:, each with a TTL', async () => {
    const prefix = `p${uniqueId()}:`;
    const Adapter = storageAdapter(one, prefix);
    const session = { kind: 'Session', jti: uniqueId(), uid: uniqueId() };
    await new Adapter('Session').upsert(session.jti, session, 600);
    await upsertToken(Adapter, 'AccessToken', uniqueId());
    const keys = await one.keys(`${prefix}*`);
    assert.equal(keys.length, 4, keys.join(' '));
    for (const key of keys) {
      assert.ok(key.startsWith(`${prefix}oidc:`), key);
      const ttl = await one.pttl(key);
      assert.ok(ttl > 0 && ttl <= 600_000, `${key}: ${ttl}`);
    }
  });
});

describe('oidc storage on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const clients: RedisClient[] = [];
  let client: RedisClient;
  before(async () => {
    cluster = await startRedisCluster();
    client = await connected({ clusterNodes: cluster.nodes }, clients);
  });
  after(async () => {
    for (const each of clients) each.disconnect();
    await cluster?.stop();
  });

  runContract('cluster', () => storageAdapter(client, `c${uniqueId()}:`));
});
