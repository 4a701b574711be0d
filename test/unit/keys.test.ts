import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { ConfigurationError, InvalidTokenError, TokenExpiredError } from '../../src/errors.js';
import { KeySet, thumbprint } from '../../src/token/keys.js';
import { TokenSigner } from '../../src/token/tokens.js';

const SUBJECT = { username: 'alice', dn: 'uid=alice,ou=people,dc=example,dc=org' };
const NOW = 1_700_000_000_000;

function pem(type: 'ed25519' | 'ec' | 'rsa', bits = 2048) {
  const pair =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: bits })
        : generateKeyPairSync('ed25519');
  return {
    privatePem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateJwk: JSON.stringify(pair.privateKey.export({ format: 'jwk' })),
  };
}

describe('KeySet and asymmetric tokens', () => {
  for (const [algorithm, type] of [
    ['EdDSA', 'ed25519'],
    ['ES256', 'ec'],
    ['RS256', 'rsa'],
  ] as const) {
    it(`${algorithm}: signs with a kid, verifies, and an independent jose verifier accepts it through the JWKS`, async () => {
      const keys = KeySet.fromPrivateKey(algorithm, pem(type).privatePem);
      const signer = new TokenSigner(keys, () => NOW);
      const { token, claims } = await signer.sign(SUBJECT, 60);
      const [header] = token.split('.');
      assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), {
        alg: algorithm,
        typ: 'JWT',
        kid: keys.kid,
      });
      assert.deepEqual(await signer.verify(token), claims);
      const jwks = keys.jwks();
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        currentDate: new Date(NOW),
      });
      assert.equal(payload.sub, 'alice');
    });
  }

  it('publishes only public members, with kid = the RFC 7638 thumbprint jose computes', async () => {
    for (const type of ['ed25519', 'ec', 'rsa'] as const) {
      const algorithm = type === 'ed25519' ? 'EdDSA' : type === 'ec' ? 'ES256' : 'RS256';
      const keys = KeySet.fromPrivateKey(algorithm, pem(type).privateJwk);
      const [jwk] = keys.jwks().keys;
      assert.ok(jwk);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        assert.equal(secret in jwk, false, secret);
      assert.equal(
        jwk.kid,
        await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]),
      );
      assert.equal(jwk.kid, thumbprint(keys.signingKey));
      assert.equal(jwk.use, 'sig');
      assert.equal(jwk.alg, algorithm);
    }
  });

  it('HS256 publishes no key at all', () => {
    assert.deepEqual(KeySet.fromSecret(Buffer.alloc(32, 1)).jwks(), { keys: [] });
  });

  it('rotation: a token of the previous key verifies while that key is listed, and not after', async () => {
    const previous = pem('ed25519');
    const current = pem('ed25519');
    const old = new TokenSigner(KeySet.fromPrivateKey('EdDSA', previous.privatePem), () => NOW);
    const { token } = await old.sign(SUBJECT, 60);
    const during = new TokenSigner(
      KeySet.fromPrivateKey('EdDSA', current.privatePem, [previous.publicPem]),
      () => NOW,
    );
    assert.equal((await during.verify(token)).sub, 'alice');
    assert.equal(
      KeySet.fromPrivateKey('EdDSA', current.privatePem, [previous.publicPem]).jwks().keys.length,
      2,
    );
    const after = new TokenSigner(KeySet.fromPrivateKey('EdDSA', current.privatePem), () => NOW);
    await assert.rejects(after.verify(token), InvalidTokenError);
  });

  it('refuses a token whose alg is not its key’s, or that has no kid', async () => {
    const keys = KeySet.fromPrivateKey('ES256', pem('ec').privatePem);
    const signer = new TokenSigner(keys, () => NOW);
    const hs = await new SignJWT({ sub: 'alice', dn: SUBJECT.dn, jti: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: keys.kid! })
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 60)
      .sign(Buffer.from(keys.jwks().keys[0]!.x!));
    await assert.rejects(signer.verify(hs), InvalidTokenError);
    const noKid = await new SignJWT({ sub: 'alice', dn: SUBJECT.dn, jti: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 60)
      .sign(keys.signingKey);
    await assert.rejects(signer.verify(noKid), InvalidTokenError);
  });

  it('refuses keys that do not fit the algorithm, and unreadable keys, at construction', () => {
    assert.throws(() => KeySet.fromPrivateKey('EdDSA', pem('ec').privatePem), ConfigurationError);
    assert.throws(() => KeySet.fromPrivateKey('ES256', pem('rsa').privatePem), ConfigurationError);
    assert.throws(() => KeySet.fromPrivateKey('RS256', pem('rsa', 1024).privatePem), /2048/);
    assert.throws(() => KeySet.fromPrivateKey('EdDSA', 'not a key'), ConfigurationError);
    assert.throws(
      () => KeySet.fromPrivateKey('EdDSA', pem('ed25519').publicPem),
      ConfigurationError,
    );
  });
});

describe('claim rules', () => {
  const secret = Buffer.alloc(32, 7);

  it('sets iss and aud and refuses tokens for another issuer or audience', async () => {
    const rules = { issuer: 'https://auth.example.org', audience: 'api' };
    const signer = new TokenSigner(secret, () => NOW, rules);
    const { token, claims } = await signer.sign(SUBJECT, 60);
    assert.equal(claims.iss, rules.issuer);
    assert.equal(claims.aud, 'api');
    assert.equal((await signer.verify(token)).sub, 'alice');
    const other = new TokenSigner(secret, () => NOW, { ...rules, audience: 'other' });
    await assert.rejects(other.verify(token), InvalidTokenError);
    const plain = await new TokenSigner(secret, () => NOW).sign(SUBJECT, 60);
    await assert.rejects(signer.verify(plain.token), InvalidTokenError);
  });

  it('honours nbf, and a clock tolerance stretches nbf and exp by exactly that much', async () => {
    let now = NOW;
    const { token } = await new TokenSigner(secret, () => NOW + 10_000).sign(SUBJECT, 60);
    const strict = new TokenSigner(secret, () => now);
    await assert.rejects(strict.verify(token), InvalidTokenError); // not yet valid: nbf in 10 s
    const tolerant = new TokenSigner(secret, () => now, { clockToleranceSeconds: 10 });
    assert.equal((await tolerant.verify(token)).sub, 'alice');
    now = NOW + 10_000 + 60_000; // exactly at exp
    await assert.rejects(strict.verify(token), TokenExpiredError);
    assert.equal((await tolerant.verify(token)).sub, 'alice');
    now += 10_000;
    await assert.rejects(tolerant.verify(token), TokenExpiredError);
  });
});
