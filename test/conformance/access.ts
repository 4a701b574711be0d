// Past the 401: a group requirement's 403, the user a protected handler sees, the methods on
// the token endpoint and the JWKS beside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertHello,
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
  call,
  describeAnswer,
} from '../helpers/conformance-answers.js';
import { aliceClaims, basic, forge, SECRET, USERS } from '../helpers/conformance-fixtures.js';
import type { Suite } from './suite.js';

export function accessCases(suite: Suite): void {
  const { tokenUrl, requestToken, hello } = suite;
  describe('requirements: authenticated but not allowed is a 403', () => {
    // Groups come from the directory with issue 5; a token's `groups` claim is what is checked,
    // so tokens the suite forges with the right key stand in for them here.
    const staff = (authorization?: string) =>
      call(`${suite.server.baseUrl}${suite.server.staffPath}`, { authorization });
    const FORBIDDEN = 'You are not allowed to access this resource';

    it('no token: the seed 401, not a 403', async () => {
      assertUnauthorized(await staff(), tokenUrl());
      assertUnauthorized(await staff('Bearer not.a.token'), tokenUrl());
    });

    it('a valid token without the group: 403 forbidden, and the handler does not run', async () => {
      const issued = assertTokenIssued(
        await requestToken(basic('bob', 'can-we-fix-it')),
        USERS.bob,
      );
      const seen = suite.server.users?.length;
      for (const groups of [undefined, [], ['admins'], 'staff', [1, 2], ['staffs']]) {
        const token = groups === undefined ? issued : await forge(aliceClaims({ groups }));
        for (const authorization of [`Bearer ${token}`, basic(token, '')]) {
          assertProblem(await staff(authorization), 403, 'forbidden', FORBIDDEN);
        }
      }
      assert.equal(suite.server.users?.length, seen, 'the protected handler ran on a 403');
    });

    it('a valid token with the group (or among others, in any case): admitted', async () => {
      for (const groups of [['staff'], ['admins', 'staff'], ['Staff']]) {
        const answer = await staff(`Bearer ${await forge(aliceClaims({ groups }))}`);
        assert.ok(answer.status >= 200 && answer.status < 300, `${groups}: ${answer.status}`);
      }
    });
  });

  // The standalone service runs no handler of its own; every adapter does.
  if (suite.handler)
    describe('the user the protected handler sees', () => {
      const users = () => {
        assert.ok(suite.server.users, 'an adapter hello app must report its users');
        return suite.server.users;
      };
      it('is the token holder: username, dn and the claims', async () => {
        const answer = await requestToken(basic("o'brien", 'late-night'), '?token_duration=120');
        const token = assertTokenIssued(answer, { ...USERS.obrien, expiresIn: 120 });
        users().length = 0;
        assertHello(await hello(basic(token, '')));
        assert.equal(users().length, 1);
        const user = users()[0]!;
        assert.equal(user.username, "o'brien");
        assert.equal(user.dn, USERS.obrien.dn);
        assert.equal(user.claims.sub, "o'brien");
        assert.equal(user.claims.exp - user.claims.iat, 120);
        assert.equal(typeof user.claims.jti, 'string');
      });

      it('the handler does not run on a 401', async () => {
        users().length = 0;
        const expired = await forge(aliceClaims({ iat: 1_600_000_000, exp: 1_600_000_060 }));
        for (const authorization of [
          undefined,
          'Basic !!!',
          basic('alice', 'wonderland'),
          `Bearer ${expired}`,
        ]) {
          assertUnauthorized(await hello(authorization), tokenUrl());
        }
        assert.equal(users().length, 0, 'the protected handler ran');
      });
    });

  describe('methods on the token endpoint', () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      it(`${method}: 405 with Allow: POST`, async () => {
        const answer = await call(tokenUrl(), {
          method,
          authorization: basic('alice', 'wonderland'),
        });
        assertProblem(answer, 405, 'method_not_allowed', 'Use POST for this endpoint');
        assert.equal(answer.headers.get('allow'), 'POST');
      });
    }
  });

  describe('the JWKS beside the token endpoint', () => {
    const jwksUrl = () => tokenUrl().replace(/request-token$/, 'jwks.json');

    it('GET {mount}/jwks.json: 200, a JWK Set (empty with HS256: the secret is never published)', async () => {
      const answer = await call(jwksUrl());
      assert.equal(answer.status, 200, describeAnswer(answer));
      assert.match(answer.headers.get('content-type') ?? '', /^application\/jwk-set\+json/);
      assert.deepEqual(JSON.parse(answer.body), { keys: [] });
      assert.ok(!answer.body.includes(SECRET));
    });

    it('POST {mount}/jwks.json: 405 with Allow: GET', async () => {
      const answer = await call(jwksUrl(), { method: 'POST' });
      assertProblem(answer, 405, 'method_not_allowed', 'Use GET for this endpoint');
      assert.equal(answer.headers.get('allow'), 'GET');
    });
  });
}
