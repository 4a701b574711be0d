// Groups and attributes read from the directory, refreshing a token and revoking one.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { startTestDirectory, type TestDirectory } from '../../src/testing/index.js';
import {
  assertHello,
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
  call,
  describeAnswer,
} from '../helpers/conformance-answers.js';
import {
  basic,
  type ConformanceServer,
  conformanceOptions,
  groupFixtureLdif,
  USERS,
} from '../helpers/conformance-fixtures.js';
import type { Suite } from './suite.js';

export function groupRefreshRevocationCases(suite: Suite): void {
  const { tokenUrl, requestToken, hello, withServer } = suite;
  describe('groups and attributes from the directory (memberOf)', () => {
    let groupDirectory: TestDirectory;
    before(async () => {
      groupDirectory = await startTestDirectory({ ldif: groupFixtureLdif() });
    });
    after(() => groupDirectory?.close());
    const FORBIDDEN_ROUTE = 'You are not allowed to access this resource';
    const token = async (target: ConformanceServer, username: string, password: string) => {
      const answer = await call(`${target.baseUrl}${target.tokenPath}`, {
        method: 'POST',
        authorization: basic(username, password),
      });
      assert.equal(answer.status, 200, describeAnswer(answer));
      return (JSON.parse(answer.body) as { access_token: string }).access_token;
    };

    it('a member of the route group is admitted with a real token, a valid non-member gets 403', async () => {
      await withServer(conformanceOptions(groupDirectory.url), async (other) => {
        const alice = await token(other, 'alice', 'wonderland');
        const claims = decodeJwt(alice);
        assert.deepEqual(claims.groups, ['admins', 'staff']);
        assert.equal(claims.name, 'Alice Liddell');
        assert.equal(claims.email, 'alice@example.org');
        if (other.users) other.users.length = 0;
        const admitted = await call(`${other.baseUrl}${other.staffPath}`, {
          authorization: `Bearer ${alice}`,
        });
        assert.ok(admitted.status >= 200 && admitted.status < 300, describeAnswer(admitted));
        if (suite.handler) {
          const user = other.users?.[0];
          assert.deepEqual(user?.groups, ['admins', 'staff']);
          assert.deepEqual(user?.attributes, {
            cn: 'Alice Liddell',
            mail: 'alice@example.org',
            displayName: 'Alice Liddell',
          });
        }
        const bob = await token(other, 'bob', 'can-we-fix-it');
        const refused = await call(`${other.baseUrl}${other.staffPath}`, {
          authorization: `Bearer ${bob}`,
        });
        assertProblem(refused, 403, 'forbidden', FORBIDDEN_ROUTE);
      });
    });

    it('a required group: a member gets a token; a valid non-member 403 forbidden and no token; a wrong password 401', async () => {
      const required = conformanceOptions(groupDirectory.url);
      required.auth.groups = { required: 'staff' };
      await withServer(required, async (other) => {
        const url = `${other.baseUrl}${other.tokenPath}`;
        await token(other, 'alice', 'wonderland');
        const refused = await call(url, {
          method: 'POST',
          authorization: basic('bob', 'can-we-fix-it'),
        });
        assertProblem(refused, 403, 'forbidden', 'You are not allowed to obtain a token');
        assertUnauthorized(
          await call(url, { method: 'POST', authorization: basic('bob', 'wrong') }),
          url,
        );
        const refreshed = await call(url.replace(/request-token$/, 'refresh'), {
          method: 'POST',
          authorization: `Bearer ${await token(other, 'alice', 'wonderland')}`,
        });
        assert.equal(refreshed.status, 200, describeAnswer(refreshed));
        const again = (JSON.parse(refreshed.body) as { access_token: string }).access_token;
        assert.deepEqual(decodeJwt(again).groups, ['admins', 'staff']);
      });
    });
  });

  describe('refresh', () => {
    it('POST {mount}/refresh with a valid token: 200 and a new token that works; without: 401', async () => {
      const login = await requestToken(basic('alice', 'wonderland'));
      const first = (JSON.parse(login.body) as { access_token: string }).access_token;
      const refreshUrl = tokenUrl().replace(/request-token$/, 'refresh');
      const refreshed = await call(`${refreshUrl}?token_duration=60`, {
        method: 'POST',
        authorization: `Bearer ${first}`,
      });
      const second = assertTokenIssued(refreshed, { ...USERS.alice, expiresIn: 60 });
      assert.notEqual(second, first);
      assert.equal(decodeJwt(second).exp! - decodeJwt(second).iat!, 60);
      assertHello(await hello(`Bearer ${second}`));
      assertUnauthorized(await call(refreshUrl, { method: 'POST' }), tokenUrl());
      assertProblem(
        await call(refreshUrl),
        405,
        'method_not_allowed',
        'Use POST for this endpoint',
      );
    });
  });

  describe('revocation', () => {
    it('POST {mount}/revoke without revocation enabled: 404', async () => {
      const { token: issued } = JSON.parse(
        (await requestToken(basic('alice', 'wonderland'))).body,
      ) as { token: string };
      const answer = await call(tokenUrl().replace(/request-token$/, 'revoke'), {
        method: 'POST',
        authorization: `Bearer ${issued.slice(0, -1)}`,
      });
      assertProblem(answer, 404, 'not_found', 'There is nothing here');
    });

    it('with revocation enabled: a revoked token is refused, at once and from the cache', async () => {
      const revoking = conformanceOptions(suite.directory.url);
      revoking.auth.revocation = { enabled: true };
      await withServer(revoking, async (other) => {
        const base = `${other.baseUrl}${other.tokenPath}`;
        const revokeUrl = base.replace(/request-token$/, 'revoke');
        const issue = async () =>
          (
            JSON.parse(
              (await call(base, { method: 'POST', authorization: basic('alice', 'wonderland') }))
                .body,
            ) as { access_token: string }
          ).access_token;
        const [token, kept] = [await issue(), await issue()];
        assertHello(await call(`${other.baseUrl}/`, { authorization: `Bearer ${token}` }));
        assertUnauthorized(await call(revokeUrl, { method: 'POST' }), base);
        const revoked = await call(revokeUrl, {
          method: 'POST',
          authorization: `Bearer ${token}`,
        });
        assert.equal(revoked.status, 200, describeAnswer(revoked));
        assert.deepEqual(JSON.parse(revoked.body), { revoked: true });
        const basicToken = `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
        for (const authorization of [`Bearer ${token}`, basicToken]) {
          assertUnauthorized(await call(`${other.baseUrl}/`, { authorization }), base);
        }
        assertHello(await call(`${other.baseUrl}/`, { authorization: `Bearer ${kept}` }));
      });
    });
  });
}
