// What must never let anyone in: malformed Authorization headers and tokens forged, altered or
// expired.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { before, describe, it } from 'node:test';
import {
  assertHello,
  assertTokenIssued,
  assertUnauthorized,
} from '../helpers/conformance-answers.js';
import { aliceClaims, basic, forge, SECRET, USERS } from '../helpers/conformance-fixtures.js';
import type { Suite } from './suite.js';

function base64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** Replaces the character at `index` with another one of the base64url alphabet. */
function flip(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

export function untrustedCredentialCases(suite: Suite): void {
  const { tokenUrl, requestToken, hello, counters } = suite;
  describe('malformed Authorization headers: 401 on both endpoints, never a 500', () => {
    let token: string;
    before(async () => {
      const answer = await requestToken(basic('alice', 'wonderland'));
      token = assertTokenIssued(answer, USERS.alice);
    });

    const malformed = (): [string, string][] => [
      ['empty', ''],
      ['Basic', 'Basic'],
      ['Basic !!!', 'Basic !!!'],
      ['Bearer', 'Bearer'],
      ['Bearer with two words', 'Bearer abc def'],
      ['Digest x', 'Digest x'],
      ['Digest with parameters', 'Digest username="alice", realm="x", response="y"'],
      ['a bare word', 'alice'],
      ['Basic without a colon', `Basic ${Buffer.from('alice').toString('base64')}`],
      ['Basic, not UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')}`],
      ['Basic of 10 kB', `Basic ${Buffer.from(`alice:${'x'.repeat(10_000)}`).toString('base64')}`],
      ['Bearer of 10 kB', `Bearer ${'a'.repeat(10_240)}`],
      ['Basic <token> without base64 or colon', `Basic ${token}`],
      ['Basic base64(<token>) without a colon', `Basic ${Buffer.from(token).toString('base64')}`],
    ];

    it('GET / answers each with the seed 401', async () => {
      for (const [label, authorization] of malformed()) {
        const answer = await hello(authorization);
        assert.notEqual(answer.status, 500, label);
        assertUnauthorized(answer, tokenUrl());
      }
    });

    it('the token endpoint answers each with the seed 401, without a bind', async () => {
      const before = counters();
      for (const [label, authorization] of malformed()) {
        const answer = await requestToken(authorization);
        assert.notEqual(answer.status, 500, label);
        assertUnauthorized(answer, tokenUrl());
      }
      assert.equal(suite.directory.stats.binds, before.binds);
    });

    it('the token endpoint refuses a Bearer token instead of a password: 401', async () => {
      assertUnauthorized(await requestToken(`Bearer ${token}`), tokenUrl());
    });

    it('the token endpoint refuses a token as username with no password: 401', async () => {
      assertUnauthorized(await requestToken(basic(token, '')), tokenUrl());
    });
  });

  describe('tokens that must not be accepted', () => {
    let token: string;
    before(async () => {
      token = assertTokenIssued(await requestToken(basic('alice', 'wonderland')), USERS.alice);
    });

    /** Presents `candidate` both ways a protected route accepts, expecting hello or the 401. */
    async function present(candidate: string, admitted: boolean): Promise<void> {
      for (const authorization of [`Bearer ${candidate}`, basic(candidate, '')]) {
        const answer = await hello(authorization);
        if (admitted) assertHello(answer);
        else assertUnauthorized(answer, tokenUrl());
      }
    }

    it('a token the suite forges with the right key is accepted (the control case)', async () => {
      await present(await forge(aliceClaims()), true);
    });

    it('a character flipped in the signature: 401', async () => {
      const [header, payload, signature] = token.split('.') as [string, string, string];
      await present(`${header}.${payload}.${flip(signature, 10)}`, false);
    });

    it('a character flipped in the payload: 401', async () => {
      const [header, payload, signature] = token.split('.') as [string, string, string];
      await present(`${header}.${flip(payload, 12)}.${signature}`, false);
    });

    it('the payload rewritten to another user, the signature kept: 401', async () => {
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const forged = base64url(JSON.stringify({ ...claims, sub: 'bob', dn: USERS.bob.dn }));
      await present(`${header}.${forged}.${signature}`, false);
    });

    it('the signature removed: 401', async () => {
      const [header, payload] = token.split('.') as [string, string, string];
      await present(`${header}.${payload}.`, false);
    });

    it('signed with another key: 401', async () => {
      await present(await forge(aliceClaims(), 'another-secret-another-secret-another'), false);
    });

    it('signed with the right key but another HMAC algorithm (HS512): 401', async () => {
      await present(await forge(aliceClaims(), SECRET, 'HS512'), false);
    });

    it('alg: none: 401', async () => {
      const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      await present(`${header}.${base64url(JSON.stringify(aliceClaims()))}.`, false);
    });

    it('expired, with the right key: 401', async () => {
      const now = Math.floor(Date.now() / 1000);
      await present(await forge(aliceClaims({ iat: now - 120, exp: now - 60 })), false);
    });

    it('without a dn claim, with the right key: 401', async () => {
      await present(await forge(aliceClaims({ dn: undefined })), false);
    });

    it('not a JWT at all: 401', async () => {
      await present('not.a.jwt', false);
      await present('abc', false);
    });
  });
}
