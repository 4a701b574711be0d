// Keys other services verify with: an independent verifier, in a process of its own and knowing
// only a JWKS URL (jose's createRemoteJWKSet), accepts our EdDSA tokens and refuses a token whose
// key was rotated out. The rotating instance is `ldap-token-auth serve` configured through its
// environment only (TOKEN_* files, no SECRET_KEY), as an operator would run it.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { createAuth } from '../../src/core/create-auth.js';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { basic, startFixtureDirectory, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, runCommand, startProcess } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERIFIER = fileURLToPath(new URL('../fixtures/verify-with-jwks.mjs', import.meta.url));
const ISSUER = 'https://tokens.example.org';
const AUDIENCE = 'inventory';

interface Verdict {
  ok: boolean;
  sub?: string;
  alg?: string;
  code?: string;
}

/** Runs the independent verifier in its own Node process. */
async function verifyElsewhere(jwksUrl: string, token: string): Promise<Verdict> {
  const result = await runCommand(process.execPath, [VERIFIER, jwksUrl, token, ISSUER, AUDIENCE], {
    cwd: ROOT,
    timeoutMs: 15_000,
  });
  const verdict = JSON.parse(result.stdout) as Verdict;
  assert.equal(result.exitCode, verdict.ok ? 0 : 1, result.stderr);
  return verdict;
}

function ed25519() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    privateKey,
  };
}

async function tokenFrom(base: string): Promise<string> {
  const response = await fetch(`${base}/auth/request-token`, {
    method: 'POST',
    headers: { authorization: basic(USERS.alice.username, USERS.alice.password) },
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function helloStatus(base: string, token: string): Promise<number> {
  const response = await fetch(`${base}/`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('EdDSA tokens verified elsewhere through the JWKS, across a key rotation', () => {
  const oldKey = ed25519();
  const newKey = ed25519();
  const folder = mkdtempSync(join(tmpdir(), 'ldap-token-auth-jwks-'));
  let directory: TestDirectory;
  let before_: RunningService; // signs with the old key
  let rotating: ManagedProcess; // signs with the new key, still accepts the old one
  let rotatingUrl: string;
  let after_: RunningService; // the old key removed
  let oldToken: string;
  let newToken: string;

  const options = (signingKey: string): AuthOptions => ({
    ldap: { url: directory.url, topDn: TOP_DN },
    token: { algorithm: 'EdDSA', signingKey, issuer: ISSUER, audience: AUDIENCE },
  });

  before(async () => {
    directory = await startFixtureDirectory();
    before_ = await serve(createAuth(options(oldKey.privatePem)), { host: '127.0.0.1', port: 0 });
    after_ = await serve(createAuth(options(newKey.privatePem)), { host: '127.0.0.1', port: 0 });
    writeFileSync(join(folder, 'signing.pem'), newKey.privatePem);
    writeFileSync(join(folder, 'previous.jwk'), oldKey.publicJwk);
    const port = await freePort();
    const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
    for (const variable of ENVIRONMENT) env[variable.name] = '';
    rotating = await startProcess({
      name: 'ldap-token-auth serve (rotating)',
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port)],
      cwd: ROOT,
      env: {
        ...env,
        LDAP_AUTH_SERVER: directory.url,
        LDAP_TOP_DN: TOP_DN,
        TOKEN_ALGORITHM: 'EdDSA',
        TOKEN_SIGNING_KEY_FILE: join(folder, 'signing.pem'),
        TOKEN_VERIFICATION_KEYS_FILE: join(folder, 'previous.jwk'),
        TOKEN_ISSUER: ISSUER,
        TOKEN_AUDIENCE: AUDIENCE,
        LOG_LEVEL: 'warn',
      },
      ready: { port },
    });
    rotatingUrl = `http://127.0.0.1:${port}`;
    oldToken = await tokenFrom(before_.url);
    newToken = await tokenFrom(rotatingUrl);
  });
  after(async () => {
    await rotating?.stop();
    await before_?.close();
    await after_?.close();
    await directory?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('the rotating instance publishes both public keys, and nothing private', async () => {
    const response = await fetch(`${rotatingUrl}/.well-known/jwks.json`);
    assert.equal(response.status, 200);
    const jwks = (await response.json()) as { keys: Record<string, string>[] };
    assert.equal(jwks.keys.length, 2);
    for (const key of jwks.keys) {
      assert.equal(key.kty, 'OKP');
      assert.equal(key.alg, 'EdDSA');
      assert.equal(key.use, 'sig');
      assert.equal(key.d, undefined);
    }
    const mounted = await fetch(`${rotatingUrl}/auth/jwks.json`);
    assert.deepEqual(await mounted.json(), jwks);
  });

  it('accepts the new EdDSA token and the one signed before the rotation', async () => {
    assert.deepEqual(await verifyElsewhere(`${rotatingUrl}/.well-known/jwks.json`, newToken), {
      ok: true,
      sub: 'alice',
      alg: 'EdDSA',
    });
    assert.equal((await verifyElsewhere(`${rotatingUrl}/auth/jwks.json`, oldToken)).ok, true);
    assert.equal(await helloStatus(rotatingUrl, oldToken), 200);
    assert.equal(await helloStatus(rotatingUrl, newToken), 200);
  });

  it('refuses the old token once its key is rotated out, and still accepts the new one', async () => {
    assert.deepEqual(await verifyElsewhere(`${after_.url}/.well-known/jwks.json`, oldToken), {
      ok: false,
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    assert.equal((await verifyElsewhere(`${after_.url}/auth/jwks.json`, newToken)).ok, true);
    assert.equal(await helloStatus(after_.url, oldToken), 401);
    assert.equal(await helloStatus(after_.url, newToken), 200);
  });

  it('refuses a token signed by a stranger under our kid, and one for another audience', async () => {
    const stranger = ed25519();
    const kid = JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()) as {
      kid: string;
    };
    const payload = JSON.parse(Buffer.from(newToken.split('.')[1]!, 'base64url').toString());
    const forged = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: kid.kid })
      .sign(stranger.privateKey);
    const jwksUrl = `${rotatingUrl}/.well-known/jwks.json`;
    assert.deepEqual(await verifyElsewhere(jwksUrl, forged), {
      ok: false,
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    assert.equal(await helloStatus(rotatingUrl, forged), 401);
    const elsewhere = createAuth({
      ...options(newKey.privatePem),
      token: { algorithm: 'EdDSA', signingKey: newKey.privatePem, audience: 'payroll' },
    });
    try {
      const { token } = await elsewhere.requestToken(USERS.alice);
      assert.deepEqual(await verifyElsewhere(jwksUrl, token), {
        ok: false,
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      });
      assert.equal(await helloStatus(rotatingUrl, token), 401);
    } finally {
      await elsewhere.close();
    }
  });
});
