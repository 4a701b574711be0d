import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { InvalidTokenError, TokenExpiredError } from '../../src/errors.js';
import { VerifiedTokens } from '../../src/token/verified-tokens.js';

describe('VerifiedTokens', () => {
  it('returns a remembered value until its exp second, then refuses it as expired', () => {
    let now = 1_000_000_000_000; // ms
    const cache = new VerifiedTokens<{ claims: { exp: number } }>(10, () => now);
    const value = { claims: { exp: now / 1000 + 2 } };
    cache.set('t', value);
    assert.equal(cache.get('t'), value);
    now += 1999;
    assert.equal(cache.get('t'), value);
    now += 1;
    assert.throws(() => cache.get('t'), TokenExpiredError);
    assert.equal(cache.get('t'), undefined, 'an expired entry is forgotten');
  });

  it('remembers nothing when its size is 0, and at most size entries otherwise', () => {
    const off = new VerifiedTokens<{ claims: { exp: number } }>(0, () => 0);
    off.set('t', { claims: { exp: 10 } });
    assert.equal(off.get('t'), undefined);
    const two = new VerifiedTokens<{ claims: { exp: number } }>(2, () => 0);
    for (const key of ['a', 'b', 'c']) two.set(key, { claims: { exp: 10 } });
    assert.equal(two.get('a'), undefined);
    assert.notEqual(two.get('c'), undefined);
  });

  it('answers only for the very token remembered, not another with the same signature segment', () => {
    const cache = new VerifiedTokens<{ claims: { exp: number } }>(10, () => 0);
    const value = { claims: { exp: 10 } };
    cache.set('header.payload.signature', value);
    assert.equal(cache.get('header.payload.signature'), value);
    assert.equal(cache.get('header.altered.signature'), undefined);
    assert.equal(cache.get('signature'), undefined);
    assert.equal(cache.get('header.payload.signature'), value, 'a miss leaves the entry alone');
  });
});

describe('createAuth().verify with the cache', () => {
  const options = (now: () => number, verifyCacheSize?: number) => ({
    secretKey: 'k'.repeat(32),
    ldap: { url: 'ldap://127.0.0.1:1', topDn: 'dc=example,dc=org' },
    token: { verifyCacheSize },
    now,
  });

  it('refuses a cached token once it expires, exactly as an uncached one', async () => {
    let now = 1_700_000_000_000;
    const issuer = createAuth(options(() => now, 0));
    const { token } = await signWith(issuer, 2, () => now);
    for (const size of [0, 100]) {
      const auth = createAuth(options(() => now, size));
      assert.equal((await auth.verify(token)).username, 'alice');
      assert.equal((await auth.verify(token)).username, 'alice');
      now += 2000;
      await assert.rejects(auth.verify(token), TokenExpiredError);
      now -= 2000;
      await auth.close();
    }
    await issuer.close();
  });

  it('still refuses an altered token that differs from a cached one', async () => {
    const auth = createAuth(options(Date.now));
    const { token } = await signWith(auth, 60, Date.now);
    await auth.verify(token);
    const altered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    await assert.rejects(auth.verify(altered), InvalidTokenError);
    // The cached token's signature on another payload: looked up, not found, and verified.
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { sub: string };
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
    await assert.rejects(auth.verify(`${header}.${forged}.${signature}`), InvalidTokenError);
    assert.equal((await auth.verify(token)).username, 'alice');
    await auth.close();
  });
});

/** A token for alice signed with the auth's key, without a directory. */
async function signWith(auth: ReturnType<typeof createAuth>, seconds: number, now: () => number) {
  const { TokenSigner } = await import('../../src/token/tokens.js');
  const signer = new TokenSigner(auth.options.secretKey, now);
  return signer.sign({ username: 'alice', dn: 'uid=alice,dc=example,dc=org' }, seconds);
}
