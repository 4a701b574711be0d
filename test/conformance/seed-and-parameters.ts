// The seed's transcript and the token endpoint's query parameters: token_duration and
// search_criteria.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import {
  assertHello,
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
} from '../helpers/conformance-answers.js';
import { basic, MAX_DURATION, USERS } from '../helpers/conformance-fixtures.js';
import type { Suite } from './suite.js';

export function seedAndParameterCases(suite: Suite): void {
  const { tokenUrl, requestToken, hello, counters } = suite;
  describe('the seed transcript', () => {
    let token: string;

    it('GET / without a token: 401, the seed body, the challenge and the token URL', async () => {
      const answer = await hello();
      assertUnauthorized(answer, tokenUrl());
      assert.match(tokenUrl(), /^http:\/\/127\.0\.0\.1:\d+\//);
    });

    it('POST the token endpoint with Basic alice:wonderland: 200 and a token', async () => {
      const answer = await requestToken(basic('alice', 'wonderland'));
      const accessToken = assertTokenIssued(answer, USERS.alice);
      token = (JSON.parse(answer.body) as { token: string }).token;
      assert.equal(token, `${accessToken}:`);
    });

    it('GET / with the token as the Basic username and no password: hello, world', async () => {
      assertHello(await hello(`Basic ${Buffer.from(token).toString('base64')}`));
    });

    it('GET / with the token as a Bearer token: hello, world', async () => {
      assertHello(await hello(`Bearer ${token.slice(0, -1)}`));
    });

    it('GET / with the token as the Basic username and any password: hello, world', async () => {
      assertHello(await hello(basic(token.slice(0, -1), 'ignored')));
    });
  });

  describe('token_duration', () => {
    const badDuration = 'token_duration must be a positive whole number of seconds';

    it('token_duration=60: expires_in 60 and exp - iat = 60', async () => {
      const answer = await requestToken(basic('alice', 'wonderland'), '?token_duration=60');
      const token = assertTokenIssued(answer, { ...USERS.alice, expiresIn: 60 });
      assertHello(await hello(`Bearer ${token}`));
    });

    it(`token_duration=${MAX_DURATION}, the configured cap itself, is allowed`, async () => {
      const answer = await requestToken(
        basic('alice', 'wonderland'),
        `?token_duration=${MAX_DURATION}`,
      );
      assertTokenIssued(answer, { ...USERS.alice, expiresIn: MAX_DURATION });
    });

    for (const value of ['0', '-5', 'abc', '1.5', '', '1e3', ' 60']) {
      it(`token_duration=${JSON.stringify(value)}: 400 bad_request`, async () => {
        const before = counters();
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          `?token_duration=${encodeURIComponent(value)}`,
        );
        assertProblem(answer, 400, 'bad_request', badDuration);
        assert.deepEqual(counters(), before, 'refused before the directory is asked');
      });
    }

    it('token_duration above the configured cap: 400 naming the cap', async () => {
      const answer = await requestToken(
        basic('alice', 'wonderland'),
        `?token_duration=${MAX_DURATION + 1}`,
      );
      assertProblem(
        answer,
        400,
        'bad_request',
        `token_duration must be at most ${MAX_DURATION} seconds`,
      );
    });

    it('token_duration given twice: 400', async () => {
      const answer = await requestToken(
        basic('alice', 'wonderland'),
        '?token_duration=60&token_duration=120',
      );
      assertProblem(answer, 400, 'bad_request', 'token_duration must be given once');
    });
  });

  describe('search_criteria', () => {
    it('search_criteria=cn with the username "Alice Liddell": 200, subject the uid', async () => {
      const answer = await requestToken(
        basic('Alice Liddell', 'wonderland'),
        '?search_criteria=cn',
      );
      // The subject is the entry's uid, never the name typed (issue 14).
      const token = assertTokenIssued(answer, { username: 'alice', dn: USERS.alice.dn });
      assertHello(await hello(`Bearer ${token}`));
    });

    it('search_criteria=cn with a non-ASCII name: 200', async () => {
      const answer = await requestToken(
        basic('Józef Piłsudski', USERS.jozef.password),
        '?search_criteria=cn',
      );
      assertTokenIssued(answer, { username: 'jozef', dn: USERS.jozef.dn });
    });

    it('search_criteria=mail: 200', async () => {
      const answer = await requestToken(
        basic('alice@example.org', 'wonderland'),
        '?search_criteria=mail',
      );
      assertTokenIssued(answer, { username: 'alice', dn: USERS.alice.dn });
    });

    it('search_criteria=cn with the uid as username: 401', async () => {
      const answer = await requestToken(basic('alice', 'wonderland'), '?search_criteria=cn');
      assertUnauthorized(answer, tokenUrl());
    });

    for (const value of ['userPassword', 'description', 'uid)(cn=*', '']) {
      it(`search_criteria=${JSON.stringify(value)}: 400 bad_request`, async () => {
        const before = counters();
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          `?search_criteria=${encodeURIComponent(value)}`,
        );
        assertProblem(answer, 400, 'bad_request', 'search_criteria must be one of: uid, cn, mail');
        assert.deepEqual(counters(), before, 'refused before the directory is asked');
      });
    }
  });
}
