// The signing options end to end through createAuth and fromEnv: algorithm, keys, issuer,
// audience and clock tolerance; the key set itself is tested in keys.test.ts.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { createAuth } from '../../src/core/create-auth.js';
import { ConfigurationError, InvalidTokenError, TokenExpiredError } from '../../src/errors.js';
import { fromEnv } from '../../src/options/from-env.js';
import { type AuthOptions, resolveOptions } from '../../src/options/resolve.js';
import { VerifiedTokens } from '../../src/token/verified-tokens.js';

const LDAP = { url: 'ldap://127.0.0.1:1', topDn: 'ou=people,dc=example,dc=org' };
const SUBJECT = { username: 'alice', dn: `uid=alice,${LDAP.topDn}` };

function pem(type: 'ed25519' | 'ec' | 'rsa') {
  const pair =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  return {
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey,
  };
}

function refusedOption(options: unknown, option: string): void {
  assert.throws(
    () => resolveOptions(options as AuthOptions),
    (error: unknown) =>
      error instanceof ConfigurationError && error.option === option && error.message.length > 0,
  );
}

const ed = pem('ed25519');
const ec = pem('ec');

describe('token.algorithm and the keys', () => {
  it('HS256 stays the default and needs secretKey; the asymmetric ones need signingKey only', () => {
    assert.equal(
      resolveOptions({ secretKey: 's'.repeat(32), ldap: LDAP }).token.algorithm,
      'HS256',
    );
    refusedOption({ ldap: LDAP }, 'secretKey');
    refusedOption({ ldap: LDAP, token: { algorithm: 'EdDSA' } }, 'token.signingKey');
    const resolved = resolveOptions({
      ldap: LDAP,
      token: { algorithm: 'EdDSA', signingKey: ed.privatePem },
    });
    assert.equal(resolved.token.algorithm, 'EdDSA');
    assert.equal(resolved.token.clockToleranceSeconds, 0);
    refusedOption({ ldap: LDAP, token: { algorithm: 'HS512' } }, 'token.algorithm');
  });

  it('a key that does not fit the algorithm, or cannot be read, stops start-up naming it', () => {
    refusedOption(
      { ldap: LDAP, token: { algorithm: 'EdDSA', signingKey: ec.privatePem } },
      'token.signingKey',
    );
    refusedOption(
      { ldap: LDAP, token: { algorithm: 'ES256', signingKey: 'not a key' } },
      'token.signingKey',
    );
    refusedOption(
      {
        ldap: LDAP,
        token: { algorithm: 'EdDSA', signingKey: ed.privatePem, verificationKeys: ['{"kty":'] },
      },
      'token.verificationKeys',
    );
    refusedOption(
      {
        ldap: LDAP,
        token: { algorithm: 'EdDSA', signingKey: ed.privatePem, clockToleranceSeconds: -1 },
      },
      'token.clockToleranceSeconds',
    );
  });

  it('auth.jwks(): the signing key and the verification keys, public members only; empty for HS256', () => {
    const hs = createAuth({ secretKey: 'k'.repeat(32), ldap: LDAP });
    assert.deepEqual(hs.jwks(), { keys: [] });
    const auth = createAuth({
      ldap: LDAP,
      token: { algorithm: 'EdDSA', signingKey: ed.privatePem, verificationKeys: ec.publicPem },
    });
    const { keys } = auth.jwks();
    assert.deepEqual(
      keys.map((key) => [key.kty, key.alg, 'd' in key]),
      [
        ['OKP', 'EdDSA', false],
        ['EC', 'ES256', false],
      ],
    );
  });
});

describe('issuer, audience and clock tolerance in createAuth', () => {
  const options = (now: () => number, token: AuthOptions['token'] = {}): AuthOptions => ({
    ldap: LDAP,
    token: { algorithm: 'ES256', signingKey: ec.privatePem, ...token },
    now,
  });
  const sign = (claims: Record<string, unknown>, kid: string) =>
    new SignJWT({ sub: 'alice', dn: SUBJECT.dn, jti: 'j', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid })
      .sign(ec.privateKey);
  const kidOf = (auth: ReturnType<typeof createAuth>) => auth.jwks().keys[0]!.kid;

  it('requires the configured iss and aud', async () => {
    const now = 1_800_000_000_000;
    const auth = createAuth(options(() => now, { issuer: 'us', audience: 'them' }));
    const iat = now / 1000;
    const base = { iat, nbf: iat, exp: iat + 60 };
    const kid = kidOf(auth);
    const good = await sign({ ...base, iss: 'us', aud: 'them' }, kid);
    assert.equal((await auth.verify(good)).username, 'alice');
    assert.equal(decodeProtectedHeader(good).kid, kid);
    for (const claims of [
      { ...base, aud: 'them' },
      { ...base, iss: 'us' },
      { ...base, iss: 'other', aud: 'them' },
      { ...base, iss: 'us', aud: 'other' },
    ]) {
      await assert.rejects(auth.verify(await sign(claims, kid)), InvalidTokenError);
    }
  });

  it('tolerates the configured skew on exp and nbf, in the cache too; none by default', async () => {
    let now = 1_800_000_000_000;
    const strict = createAuth(options(() => now));
    const lenient = createAuth(options(() => now, { clockToleranceSeconds: 30 }));
    const iat = now / 1000;
    const expiring = await sign({ iat, nbf: iat, exp: iat + 2 }, kidOf(strict));
    const early = await sign({ iat, nbf: iat + 20, exp: iat + 60 }, kidOf(strict));
    await assert.rejects(strict.verify(early), InvalidTokenError);
    assert.equal((await lenient.verify(early)).username, 'alice');
    assert.equal((await strict.verify(expiring)).username, 'alice'); // now cached
    assert.equal((await lenient.verify(expiring)).username, 'alice');
    now += 2000; // exactly exp: expired without tolerance, cached or not
    await assert.rejects(strict.verify(expiring), TokenExpiredError);
    assert.equal((await lenient.verify(expiring)).username, 'alice', 'the cache honours the skew');
    now += 29_000; // exp + 29 s
    assert.equal((await lenient.verify(expiring)).username, 'alice');
    now += 1000; // exp + 30 s
    await assert.rejects(lenient.verify(expiring), TokenExpiredError);
  });

  it('VerifiedTokens: a hit is valid while exp + tolerance is later than now', () => {
    let now = 1_000_000_000_000;
    const cache = new VerifiedTokens<{ claims: { exp: number } }>(10, () => now, 5);
    cache.set('t', { claims: { exp: now / 1000 } });
    now += 4999;
    assert.ok(cache.get('t'));
    now += 1;
    assert.throws(() => cache.get('t'), TokenExpiredError);
  });
});

describe('fromEnv: TOKEN_* variables', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ldap-token-auth-keys-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  };
  const BASE = { LDAP_AUTH_SERVER: LDAP.url, LDAP_TOP_DN: LDAP.topDn };

  it('an asymmetric algorithm with key files needs no SECRET_KEY', () => {
    const options = fromEnv({
      ...BASE,
      TOKEN_ALGORITHM: 'EdDSA',
      TOKEN_SIGNING_KEY_FILE: file('signing.pem', ed.privatePem),
      TOKEN_VERIFICATION_KEYS_FILE: file('previous.pem', ec.publicPem),
      TOKEN_ISSUER: 'https://tokens.example.org',
      TOKEN_AUDIENCE: 'inventory',
      TOKEN_CLOCK_SKEW_SECONDS: '5',
    });
    assert.equal(options.secretKey, undefined);
    assert.deepEqual(options.token, {
      algorithm: 'EdDSA',
      signingKey: ed.privatePem,
      verificationKeys: ec.publicPem,
      issuer: 'https://tokens.example.org',
      audience: 'inventory',
      clockToleranceSeconds: 5,
    });
    assert.equal(createAuth(options).jwks().keys.length, 2);
  });

  it('names SECRET_KEY with HS256, TOKEN_SIGNING_KEY_FILE without a key, a bad TOKEN_ALGORITHM', () => {
    const variableOf = (env: Record<string, string>) => {
      try {
        fromEnv(env);
      } catch (error) {
        assert.ok(error instanceof ConfigurationError);
        assert.ok(error.message.includes(error.variable!), error.message);
        return error.variable;
      }
      assert.fail('accepted');
    };
    assert.equal(variableOf({ ...BASE }), 'SECRET_KEY');
    assert.equal(variableOf({ ...BASE, TOKEN_ALGORITHM: 'HS256' }), 'SECRET_KEY');
    assert.equal(variableOf({ ...BASE, TOKEN_ALGORITHM: 'EdDSA' }), 'TOKEN_SIGNING_KEY_FILE');
    assert.equal(variableOf({ ...BASE, TOKEN_ALGORITHM: 'none' }), 'TOKEN_ALGORITHM');
    assert.equal(
      variableOf({
        ...BASE,
        TOKEN_ALGORITHM: 'RS256',
        TOKEN_SIGNING_KEY_FILE: file('ed.pem', ed.privatePem),
      }),
      'TOKEN_SIGNING_KEY_FILE',
    );
    assert.equal(
      variableOf({ ...BASE, SECRET_KEY: 's'.repeat(32), TOKEN_CLOCK_SKEW_SECONDS: '1.5' }),
      'TOKEN_CLOCK_SKEW_SECONDS',
    );
  });
});
