// Who gets a token: authenticated_search and the service account, failed logins and their
// cost to the directory, usernames and passwords beyond ASCII letters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertHello,
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
  assertUnavailable,
  call,
} from '../helpers/conformance-answers.js';
import {
  basic,
  conformanceOptions,
  SERVICE_ACCOUNT,
  startFixtureDirectory,
  USERS,
  WRONG_PASSWORD,
} from '../helpers/conformance-fixtures.js';
import type { Suite } from './suite.js';

export function loginCases(suite: Suite): void {
  const { tokenUrl, requestToken, hello, counters, withServer } = suite;
  describe('authenticated_search', () => {
    it('authenticated_search=true without a service account: 400', async () => {
      const answer = await requestToken(basic('alice', 'wonderland'), '?authenticated_search=true');
      assertProblem(
        answer,
        400,
        'bad_request',
        'authenticated_search=true needs a service account, and none is configured',
      );
    });

    it('authenticated_search=false without a service account: 200', async () => {
      const answer = await requestToken(
        basic('alice', 'wonderland'),
        '?authenticated_search=false',
      );
      assertTokenIssued(answer, USERS.alice);
    });

    for (const value of ['maybe', 'truthy', '2']) {
      it(`authenticated_search=${value}: 400`, async () => {
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          `?authenticated_search=${value}`,
        );
        assertProblem(answer, 400, 'bad_request', 'authenticated_search must be true or false');
      });
    }

    it('authenticated_search=true with a service account configured: 200', async () => {
      const options = conformanceOptions(suite.directory.url, { serviceAccount: SERVICE_ACCOUNT });
      await withServer(options, async (other) => {
        const url = `${other.baseUrl}${other.tokenPath}`;
        for (const query of ['?authenticated_search=true', '?authenticated_search=1', '']) {
          const answer = await call(`${url}${query}`, {
            method: 'POST',
            authorization: basic('bob', 'can-we-fix-it'),
          });
          assertTokenIssued(answer, USERS.bob);
        }
      });
    });

    it('a directory refusing anonymous search: 503 without the service account (a setup problem, not a wrong password), 200 with it', async () => {
      const closed = await startFixtureDirectory(false);
      try {
        await withServer(conformanceOptions(closed.url), async (other) => {
          const answer = await call(`${other.baseUrl}${other.tokenPath}`, {
            method: 'POST',
            authorization: basic('alice', 'wonderland'),
          });
          assertProblem(
            answer,
            503,
            'service_unavailable',
            'The directory is unavailable; try again later',
          );
          assert.ok(Number(answer.headers.get('retry-after')) > 0);
        });
        const options = conformanceOptions(closed.url, { serviceAccount: SERVICE_ACCOUNT });
        await withServer(options, async (other) => {
          const answer = await call(
            `${other.baseUrl}${other.tokenPath}?authenticated_search=true`,
            { method: 'POST', authorization: basic('alice', 'wonderland') },
          );
          assertTokenIssued(answer, USERS.alice);
        });
      } finally {
        await closed.close();
      }
    });

    it('a service account that cannot bind: 503, not a wrong password', async () => {
      const options = conformanceOptions(suite.directory.url, {
        serviceAccount: { username: SERVICE_ACCOUNT.username, password: WRONG_PASSWORD },
      });
      await withServer(options, async (other) => {
        const answer = await call(`${other.baseUrl}${other.tokenPath}`, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        assertUnavailable(answer);
      });
    });
  });

  describe('failed logins', () => {
    const refused: [string, string, string][] = [
      ['wrong password', 'alice', WRONG_PASSWORD],
      ['unknown user', 'nobody', 'wonderland'],
      ["another user's password", 'alice', 'can-we-fix-it'],
      ['the password in capitals', 'alice', 'WONDERLAND'],
    ];
    for (const [label, username, password] of refused) {
      it(`${label}: 401 with the seed body`, async () => {
        assertUnauthorized(await requestToken(basic(username, password)), tokenUrl());
      });
    }

    it('a wrong password reaches a bind (the counters below mean something)', async () => {
      const before = counters();
      assertUnauthorized(await requestToken(basic('alice', WRONG_PASSWORD)), tokenUrl());
      assert.ok(suite.directory.stats.binds > before.binds, 'the password was checked by a bind');
    });

    for (const [label, username, password] of [
      ['empty password', 'alice', ''],
      ['empty username', '', 'wonderland'],
      ['empty username and password', '', ''],
    ] as const) {
      it(`${label}: 401, and the directory never sees a bind`, async () => {
        const before = counters();
        assertUnauthorized(await requestToken(basic(username, password)), tokenUrl());
        assert.deepEqual(counters(), before);
      });
    }

    for (const username of ['*', 'alice)(uid=*', '*)(|(uid=*', 'al*', 'alice\\2a', '(uid=*)']) {
      it(`username ${JSON.stringify(username)}: 401, no injection, one (decoy) bind`, async () => {
        const before = counters();
        assertUnauthorized(await requestToken(basic(username, 'wonderland')), tokenUrl());
        // Nobody was found: the one bind is the decoy's, as long as a wrong password's (a
        // spliced filter would have found alice, and her password would have let it in).
        assert.equal(suite.directory.stats.binds, before.binds + 1);
      });
    }

    it('failures from one address, whatever the usernames, lock it out (X-Forwarded-For ignored by default)', async () => {
      const limited = conformanceOptions(suite.directory.url);
      limited.auth.loginLimits = {
        perUsername: { failures: 100 },
        perAddress: { failures: 3, windowSeconds: 60, lockoutSeconds: 60 },
      };
      await withServer(limited, async (other) => {
        const url = `${other.baseUrl}${other.tokenPath}`;
        const post = async (authorization: string, forwardedFor: string) => {
          const response = await fetch(url, {
            method: 'POST',
            headers: { authorization, 'x-forwarded-for': forwardedFor },
          });
          await response.arrayBuffer();
          return response.status;
        };
        const statuses = [];
        for (const [index, username] of ['alice', 'bob', 'nobody'].entries()) {
          statuses.push(await post(basic(username, WRONG_PASSWORD), `198.51.100.${index}`));
        }
        const before = counters();
        statuses.push(await post(basic('bob', USERS.bob.password), '198.51.100.9'));
        assert.deepEqual(statuses, [401, 401, 401, 429]);
        assert.deepEqual(counters(), before, 'a locked address costs the directory nothing');
      });
    });

    it('a username longer than any real one: 401 without asking the directory', async () => {
      const before = counters();
      assertUnauthorized(await requestToken(basic('a'.repeat(300), 'wonderland')), tokenUrl());
      assert.deepEqual(counters(), before);
    });
  });

  describe('usernames and passwords beyond ASCII letters', () => {
    it("a username with an apostrophe (o'brien): 200", async () => {
      const answer = await requestToken(basic("o'brien", 'late-night'));
      const token = assertTokenIssued(answer, USERS.obrien);
      assertHello(await hello(`Bearer ${token}`));
    });

    it('a non-ASCII password (jozef): 200', async () => {
      const answer = await requestToken(basic('jozef', USERS.jozef.password));
      assertTokenIssued(answer, USERS.jozef);
    });
  });
}
