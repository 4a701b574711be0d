// The revocation store and the login limiter, in memory and on a real redis-server: the same
// behaviour from both, shared between instances through Redis, and the outage policies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import {
  DirectoryUnavailableError,
  RateLimitedError,
  StoreUnavailableError,
} from '../../src/errors.js';
import type { Logger } from '../../src/shared/logger.js';
import { LoginLimiter, type LoginLimiterOptions } from '../../src/stores/login-limiter.js';
import { connectRedis, type RedisClient } from '../../src/stores/redis-client.js';
import { RedisRevocationStore } from '../../src/stores/redis-revocations.js';
import { MemoryRevocationStore, type RevocationStore } from '../../src/stores/revocations.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { settles, waitUntil } from '../helpers/timeouts.js';

const now = () => Math.floor(Date.now() / 1000);
const claims = (jti: string, sub = 'alice', iat = now()) => ({ jti, sub, iat, exp: iat + 600 });

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

describe('stores', () => {
  let redis: RedisServer;
  const clients: RedisClient[] = [];
  const client = async () => {
    const connected = await connectRedis({ url: redis.url }, recordingLogger().logger);
    clients.push(connected);
    if (connected.status !== 'ready')
      await new Promise((resolve) => connected.once('ready', resolve));
    return connected;
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const each of clients) each.disconnect();
    await redis.stop();
  });

  for (const kind of ['memory', 'redis'] as const) {
    describe(`revocations (${kind})`, () => {
      const store = async (): Promise<RevocationStore> =>
        kind === 'memory'
          ? new MemoryRevocationStore()
          : new RedisRevocationStore(await client(), `t${Math.random()}:`);

      it('denies a revoked jti and nothing else', async () => {
        const revocations = await store();
        await revocations.revoke(claims('a'));
        assert.equal(await revocations.isRevoked(claims('a')), true);
        assert.equal(await revocations.isRevoked(claims('b')), false);
      });

      it('claim: of concurrent claims of one jti exactly one wins, and the token is then revoked', async () => {
        const revocations = await store();
        const token = claims(`claimed-${kind}`);
        const results = await Promise.all([1, 2, 3, 4, 5].map(() => revocations.claim(token)));
        const won = results.filter((id) => id !== undefined);
        assert.equal(won.length, 1, `one claim id: ${results}`);
        assert.equal(await revocations.isRevoked(token), true);
        assert.equal(await revocations.claim(token), undefined, 'claimed already');
        const revoked = claims(`revoked-${kind}`);
        await revocations.revoke(revoked);
        assert.equal(
          await revocations.claim(revoked),
          undefined,
          'a revoked token cannot be claimed',
        );
      });

      it('release: undoes its own claim only, and never a revocation made since', async () => {
        const revocations = await store();
        const token = claims(`released-${kind}`);
        const id = (await revocations.claim(token))!;
        await revocations.release(token, 'another claim');
        assert.equal(await revocations.isRevoked(token), true, 'not by another id');
        await revocations.release(token, id);
        assert.equal(await revocations.isRevoked(token), false);
        assert.ok(await revocations.claim(token), 'claimable again');
        const revokedSince = claims(`revoked-since-${kind}`);
        const claimId = (await revocations.claim(revokedSince))!;
        await revocations.revoke(revokedSince);
        await revocations.release(revokedSince, claimId);
        assert.equal(await revocations.isRevoked(revokedSince), true, 'the revocation stays');
      });

      it('revokeAllFor denies the user’s tokens issued up to then, not later ones nor other users’', async () => {
        const revocations = await store();
        const at = now();
        await revocations.revokeAllFor('alice', at, 3600);
        assert.equal(await revocations.isRevoked(claims('x', 'alice', at - 100)), true);
        assert.equal(await revocations.isRevoked(claims('y', 'alice', at)), true);
        assert.equal(await revocations.isRevoked(claims('z', 'alice', at + 1)), false);
        assert.equal(await revocations.isRevoked(claims('w', 'bob', at - 100)), false);
      });
    });
  }

  it('a Redis revocation expires with its token, and is shared by two clients', async () => {
    const prefix = 'shared:';
    const one = new RedisRevocationStore(await client(), prefix);
    const other = new RedisRevocationStore(await client(), prefix);
    const token = claims('shared-jti');
    await one.revoke(token);
    assert.equal(await other.isRevoked(token), true);
    const ttl = await clients.at(-1)!.ttl(`${prefix}revoked:shared-jti`);
    assert.ok(ttl > 590 && ttl <= 600, `ttl ${ttl}`);
  });

  for (const kind of ['memory', 'redis'] as const) {
    describe(`login limiter (${kind})`, () => {
      const limiter = async (overrides: Partial<LoginLimiterOptions> = {}) =>
        new LoginLimiter({
          perUsername: { failures: 5, windowSeconds: 900, lockoutSeconds: 900 },
          perAddress: { failures: 8, windowSeconds: 900, lockoutSeconds: 60 },
          redis: kind === 'redis' ? await client() : undefined,
          keyPrefix: `l${Math.random()}:`,
          onStoreFailure: 'open',
          logger: recordingLogger().logger,
          ...overrides,
        });

      it('allows exactly `failures` attempts for a username key, then refuses with Retry-After', async () => {
        const limits = await limiter();
        // Each attempt takes its point up front and keeps it (a wrong password).
        for (let attempt = 1; attempt <= 5; attempt++)
          await (await limits.begin('alice', `10.0.0.${attempt}`)).failed();
        const refusal = await limits.begin('alice', '10.0.0.9').catch((error: unknown) => error);
        assert.ok(refusal instanceof RateLimitedError, String(refusal));
        assert.ok(
          refusal.retryAfterSeconds > 890 && refusal.retryAfterSeconds <= 900,
          String(refusal.retryAfterSeconds),
        );
        await (await limits.begin('bob', '10.0.0.9')).failed(); // another user is not affected
      });

      it('of concurrent wrong attempts, exactly `failures` are let through', async () => {
        const limits = await limiter();
        const results = await Promise.allSettled(
          Array.from({ length: 30 }, async () => {
            const attempt = await limits.begin('frank', undefined);
            await setImmediate();
            await attempt.failed();
          }),
        );
        assert.equal(results.filter((result) => result.status === 'fulfilled').length, 5);
        for (const result of results) {
          if (result.status === 'rejected') assert.ok(result.reason instanceof RateLimitedError);
        }
      });

      it('a burst of right passwords for one name waits for the attempts in progress: none refused', async () => {
        const limits = await limiter();
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, async () => {
            const attempt = await limits.begin('ivan', '192.0.2.40');
            await setImmediate();
            await attempt.succeeded();
          }),
        );
        assert.deepEqual(
          results.map((result) => result.status),
          Array(12).fill('fulfilled'),
        );
        // And none of it counted: five wrong passwords are still allowed.
        for (let attempt = 0; attempt < 5; attempt++) {
          await (await limits.begin('ivan', '192.0.2.40')).failed();
        }
        await assert.rejects(limits.begin('ivan', '192.0.2.40'), RateLimitedError);
      });

      it('attempts waiting behind ones that were no guess (account state) get their turn', async () => {
        const limits = await limiter();
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, async () => {
            const attempt = await limits.begin('judy', undefined);
            await setImmediate();
            await attempt.notAGuess();
          }),
        );
        assert.equal(results.filter((result) => result.status === 'fulfilled').length, 12);
        for (let attempt = 0; attempt < 5; attempt++)
          await (await limits.begin('judy', undefined)).failed();
        await assert.rejects(limits.begin('judy', undefined), RateLimitedError);
      });

      it('attempts waiting behind one the directory could not answer are answered unavailable at once', async () => {
        const limits = await limiter();
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, async () => {
            const attempt = await limits.begin('kate', undefined);
            await setImmediate();
            await attempt.unavailable();
            return 'asked';
          }),
        );
        const asked = results.filter((result) => result.status === 'fulfilled');
        assert.equal(asked.length, 5, 'only the first five asked the directory');
        for (const result of results) {
          if (result.status === 'rejected') {
            assert.ok(result.reason instanceof DirectoryUnavailableError, String(result.reason));
          }
        }
        // None of it counted.
        for (let attempt = 0; attempt < 5; attempt++) {
          await (await limits.begin('kate', undefined)).failed();
        }
        await assert.rejects(limits.begin('kate', undefined), RateLimitedError);
      });

      it('a success clears the username’s count', async () => {
        const limits = await limiter();
        for (let attempt = 0; attempt < 4; attempt++)
          await (await limits.begin('carol', undefined)).failed();
        await (await limits.begin('carol', undefined)).succeeded();
        for (let attempt = 0; attempt < 5; attempt++)
          await (await limits.begin('carol', undefined)).failed();
        await assert.rejects(limits.begin('carol', undefined), RateLimitedError);
      });

      it('an attempt that was no guess gives back every point it took', async () => {
        const limits = await limiter();
        for (let attempt = 0; attempt < 20; attempt++) {
          await (await limits.begin('grace', '192.0.2.20')).notAGuess();
        }
        for (let attempt = 0; attempt < 5; attempt++)
          await (await limits.begin('grace', '192.0.2.20')).failed();
        await assert.rejects(limits.begin('grace', '192.0.2.21'), RateLimitedError);
      });

      it('counts failures per address across usernames', async () => {
        const limits = await limiter();
        for (let attempt = 0; attempt < 8; attempt++)
          await (await limits.begin(`user${attempt}`, '192.0.2.7')).failed();
        await assert.rejects(limits.begin('someone-new', '192.0.2.7'), RateLimitedError);
        await (await limits.begin('someone-new', '192.0.2.8')).failed();
      });

      it('an attempt refused for its username gives the address its point back', async () => {
        const limits = await limiter();
        for (let attempt = 0; attempt < 5; attempt++)
          await (await limits.begin('heidi', undefined)).failed();
        for (let attempt = 0; attempt < 20; attempt++) {
          await assert.rejects(limits.begin('heidi', '192.0.2.30'), RateLimitedError);
        }
        // All 8 of the address's points are still there.
        for (let attempt = 0; attempt < 8; attempt++)
          await (await limits.begin(`other${attempt}`, '192.0.2.30')).failed();
        await assert.rejects(limits.begin('other-9', '192.0.2.30'), RateLimitedError);
      });
    });
  }

  it('two limiters on one Redis share counts and lockouts', async () => {
    const options = {
      perUsername: { failures: 3, windowSeconds: 900, lockoutSeconds: 900 },
      perAddress: { failures: 100, windowSeconds: 900, lockoutSeconds: 900 },
      keyPrefix: 'two-instances:',
      onStoreFailure: 'closed' as const,
      logger: recordingLogger().logger,
    };
    const one = new LoginLimiter({ ...options, redis: await client() });
    const other = new LoginLimiter({ ...options, redis: await client() });
    await (await one.begin('dave', undefined)).failed();
    await (await other.begin('dave', undefined)).failed();
    await (await one.begin('dave', undefined)).failed();
    await assert.rejects(other.begin('dave', undefined), RateLimitedError);
  });

  describe('when Redis is down', () => {
    it('fail open: limits are skipped and a warning logged; fail closed: 503 material', async () => {
      const outage = await startRedis();
      try {
        const redisClient = await connectRedis({ url: outage.url }, recordingLogger().logger);
        clients.push(redisClient);
        await new Promise((resolve) => redisClient.once('ready', resolve));
        const open = recordingLogger();
        const rules = { failures: 1, windowSeconds: 900, lockoutSeconds: 900 };
        const failOpen = new LoginLimiter({
          perUsername: rules,
          perAddress: rules,
          redis: redisClient,
          onStoreFailure: 'open',
          logger: open.logger,
        });
        const failClosed = new LoginLimiter({
          perUsername: rules,
          perAddress: rules,
          redis: redisClient,
          onStoreFailure: 'closed',
          logger: recordingLogger().logger,
        });
        await outage.kill();
        await waitUntil(() => redisClient.status !== 'ready', 'the client to see Redis go');
        // Redis stays down from here on: a call that waited for it would never settle.
        const attempt = await settles(failOpen.begin('erin', '10.1.1.1'), 'the fail-open attempt');
        await settles(attempt.notAGuess(), 'the fail-open attempt given back');
        assert.ok(
          open.lines.some(
            (line) => line.level === 'warn' && line.fields.event === 'store_unavailable',
          ),
        );
        await assert.rejects(
          settles(failClosed.begin('erin', '10.1.1.1'), 'the fail-closed attempt'),
          StoreUnavailableError,
        );
      } finally {
        await outage.stop().catch(() => {});
      }
    });
  });
});
