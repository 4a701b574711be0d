import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { DirectoryUnavailableError } from '../../src/errors.js';
import type { LdapOperationEvent, TokenRequestEvent } from '../../src/shared/events.js';
import { startTestDirectory, type TestDirectory } from '../../src/testing/index.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'directory.ldif');

describe('events, readiness and pool statistics', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startTestDirectory({ ldifFile: FIXTURE });
  });
  after(() => directory.close());

  function recordingAuth() {
    const operations: LdapOperationEvent[] = [];
    const requests: TokenRequestEvent[] = [];
    const auth = createAuth({
      secretKey: 'k'.repeat(32),
      ldap: {
        url: directory.url,
        topDn: 'ou=people,dc=example,dc=org',
        // Not what these tests are about: far beyond what a loaded machine takes.
        timeoutMs: 5000,
        connectTimeoutMs: 5000,
      },
      events: {
        ldapOperation: (event) => operations.push(event),
        tokenRequest: (event) => requests.push(event),
      },
    });
    return { auth, operations, requests };
  }

  it('reports each token request with its outcome, and never a password', async () => {
    const { auth, requests } = recordingAuth();
    await auth.requestToken({ username: 'alice', password: 'wonderland' });
    await auth.requestToken(
      { username: 'alice@example.org', password: 'wonderland' },
      { searchCriteria: 'mail' },
    );
    await assert.rejects(auth.requestToken({ username: 'alice', password: 'nope' }));
    await assert.rejects(
      auth.requestToken({ username: 'alice', password: 'wonderland' }, { tokenDuration: 0 }),
    );
    assert.deepEqual(requests, [
      { outcome: 'issued', username: 'alice', subject: 'alice', expiresIn: 3600 },
      // What was typed, and whom the directory says it is.
      { outcome: 'issued', username: 'alice@example.org', subject: 'alice', expiresIn: 3600 },
      { outcome: 'refused', username: 'alice', code: 'ERR_INVALID_CREDENTIALS' },
      { outcome: 'invalid_parameter', username: 'alice', code: 'ERR_INVALID_PARAMETER' },
    ]);
    assert.ok(!JSON.stringify(requests).includes('wonderland'));
    await auth.close();
  });

  it('reports each LDAP operation: a search and a bind per login, a refused bind as refused', async () => {
    const { auth, operations } = recordingAuth();
    // The first login also reads the root DSE once (is the password-policy control known?).
    await auth.requestToken({ username: 'alice', password: 'wonderland' });
    assert.deepEqual(
      operations.map(({ operation }) => operation),
      ['search', 'search', 'bind'],
    );
    operations.length = 0;
    const started = performance.now();
    await auth.requestToken({ username: 'alice', password: 'wonderland' });
    await assert.rejects(auth.requestToken({ username: 'alice', password: 'nope' }));
    const spent = performance.now() - started;
    assert.deepEqual(
      operations.map(({ operation, outcome }) => `${operation}:${outcome}`),
      ['search:success', 'bind:success', 'search:success', 'bind:refused'],
    );
    // Each duration is measured, and within the calls that made it (a check of sense, not speed).
    for (const { operation, durationMs } of operations) {
      assert.ok(
        durationMs >= 0 && durationMs <= spent,
        `${operation}: ${durationMs} ms of ${spent}`,
      );
    }
    await auth.close();
  });

  it('checkDirectory resolves while the directory answers, and is a 503 error once it is gone', async () => {
    const other = await startTestDirectory({ ldifFile: FIXTURE });
    const auth = createAuth({
      secretKey: 'k'.repeat(32),
      ldap: {
        url: other.url,
        topDn: 'ou=people,dc=example,dc=org',
        timeoutMs: 5000,
        connectTimeoutMs: 5000,
      },
    });
    await auth.checkDirectory();
    await other.close();
    await assert.rejects(auth.checkDirectory(), DirectoryUnavailableError);
    await auth.close();
  });

  it('directoryStats counts open and busy connections per pool', async () => {
    const { auth } = recordingAuth();
    assert.deepEqual(auth.directoryStats(), {
      searches: { open: 0, busy: 0 },
      binds: { open: 0, busy: 0 },
    });
    await Promise.all(
      Array.from({ length: 3 }, () =>
        auth.requestToken({ username: 'alice', password: 'wonderland' }),
      ),
    );
    const stats = auth.directoryStats();
    assert.equal(stats.searches.busy, 0);
    assert.equal(stats.binds.busy, 0);
    assert.ok(stats.searches.open >= 1 && stats.searches.open <= 3, JSON.stringify(stats));
    await auth.close();
  });
});
