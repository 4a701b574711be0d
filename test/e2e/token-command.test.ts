// `ldap-token-auth token decode|verify` as an operator runs them: header and claims with the
// expiry in words, verification with the keys of the environment, and the exit codes.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { KeySet } from '../../src/token/keys.js';
import { TokenSigner } from '../../src/token/tokens.js';
import { runCommand } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts', 'token'];
const SECRET = 'token-command-secret-of-more-than-32-bytes';
const BASE = {
  SECRET_KEY: SECRET,
  LDAP_AUTH_SERVER: 'ldap://127.0.0.1:389',
  LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
};
const SUBJECT = { username: 'alice', dn: 'uid=alice,ou=people,dc=example,dc=org' };

function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

function token(args: string[], env: Record<string, string> = BASE, input?: string) {
  return runCommand(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    ...(input === undefined ? {} : { input }),
  });
}

function hs256(secret = SECRET, now = Date.now(), duration = 3600) {
  return new TokenSigner(new TextEncoder().encode(secret), () => now).sign(SUBJECT, duration);
}

describe('token decode', () => {
  it('prints header, claims and the expiry in words; no key needed', async () => {
    const { token: jwt, claims } = await hs256();
    const result = await token(['decode', `${jwt}:`], {});
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /alg: HS256/);
    assert.match(result.stdout, /sub: alice/);
    assert.match(result.stdout, new RegExp(`jti: ${claims.jti}`));
    assert.match(result.stdout, /exp: \d+ \(20\d\d-.*Z, expires in 59 minutes\)/);
    assert.match(result.stdout, /signature was not checked/);
  });

  it('an expired token, in JSON, from stdin', async () => {
    const { token: jwt } = await hs256(SECRET, Date.now() - 3780_000);
    const result = await token(['decode', '-', '--json'], {}, `${jwt}\n`);
    assert.equal(result.exitCode, 0, result.stderr);
    const body = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(body.expiry, 'expired 3 minutes ago');
    assert.equal(body.expired, true);
    assert.equal(body.signatureChecked, false);
    assert.equal((body.claims as { sub: string }).sub, 'alice');
  });

  it('not a JWT: exit code 1; no token: exit code 2', async () => {
    const bad = await token(['decode', 'hello']);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stdout, /invalid: not a JWT/);
    const none = await token(['decode']);
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /Usage: ldap-token-auth token decode/);
    const unknown = await token(['inspect', 'x']);
    assert.equal(unknown.exitCode, 2);
  });
});

describe('token verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldap-token-auth-token-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('valid with the configured secret: exit code 0', async () => {
    const { token: jwt } = await hs256();
    const result = await token(['verify', jwt]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(
      result.stdout,
      /^valid: alice \(uid=alice,ou=people,dc=example,dc=org\), expires in 59 minutes/,
    );
    const json = await token(['verify', `Bearer ${jwt}`, '--json']);
    assert.equal(json.exitCode, 0);
    assert.equal((JSON.parse(json.stdout) as { valid: boolean }).valid, true);
  });

  it('another key, expired, wrong issuer: exit code 1 with the reason', async () => {
    const other = await hs256('another-secret-of-more-than-32-bytes-000');
    const wrongKey = await token(['verify', other.token]);
    assert.equal(wrongKey.exitCode, 1);
    assert.match(
      wrongKey.stdout,
      /invalid: signature verification failed: signed with another key/,
    );

    const expired = await hs256(SECRET, Date.now() - 3780_000);
    const late = await token(['verify', expired.token, '--json']);
    assert.equal(late.exitCode, 1);
    assert.deepEqual(JSON.parse(late.stdout), {
      valid: false,
      reason: 'the token expired 3 minutes ago',
    });

    const { token: jwt } = await hs256();
    const issuer = await token(['verify', jwt], {
      ...BASE,
      TOKEN_ISSUER: 'https://auth.example.org',
    });
    assert.equal(issuer.exitCode, 1);
    assert.match(issuer.stdout, /invalid: missing required "iss" claim/);
  });

  it('EdDSA: verified with TOKEN_SIGNING_KEY_FILE; a token of an unknown key is refused', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const keyFile = join(dir, 'signing.pem');
    writeFileSync(keyFile, pem);
    const env = {
      ...BASE,
      SECRET_KEY: '',
      TOKEN_ALGORITHM: 'EdDSA',
      TOKEN_SIGNING_KEY_FILE: keyFile,
    };
    const signer = new TokenSigner(KeySet.fromPrivateKey('EdDSA', pem), Date.now);
    const { token: jwt } = await signer.sign(SUBJECT, 600);
    const valid = await token(['verify', jwt], env);
    assert.equal(valid.exitCode, 0, valid.stdout + valid.stderr);
    const stranger = generateKeyPairSync('ed25519').privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    const strangerToken = await new TokenSigner(
      KeySet.fromPrivateKey('EdDSA', stranger.toString()),
      Date.now,
    ).sign(SUBJECT, 600);
    const refused = await token(['verify', strangerToken.token], env);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stdout, /invalid: No key verifies this token/);
    const hsWithEd = await token(['verify', (await hs256()).token], env);
    assert.equal(hsWithEd.exitCode, 1);
  });

  it('needs only the key: the directory may be left unconfigured', async () => {
    const { token: jwt } = await hs256();
    const result = await token(['verify', jwt], { SECRET_KEY: SECRET });
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
  });

  it('no key configured: exit code 2, naming the variable', async () => {
    const { token: jwt } = await hs256();
    const result = await token(['verify', jwt], { ...BASE, SECRET_KEY: '' });
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /SECRET_KEY must be set/);
  });
});

it('every command has --help, exit code 0', async () => {
  for (const command of ['serve', 'demo', 'check', 'token']) {
    const result = await runCommand(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', command, '--help'],
      { cwd: ROOT, env: cliEnv({}) },
    );
    assert.equal(result.exitCode, 0, `${command} --help: ${result.stderr}`);
    assert.match(result.stdout, /^Usage: ldap-token-auth/, command);
    assert.match(result.stdout, /Exit codes/, command);
  }
});

it('token --help, and the main --help lists check and token', async () => {
  const help = await token(['--help']);
  assert.equal(help.exitCode, 0);
  assert.match(
    help.stdout,
    /Exit codes: decode 0 readable, 1 not a JWT; verify 0 valid, 1 invalid/,
  );
  const main = await runCommand(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', '--help'],
    {
      cwd: ROOT,
    },
  );
  assert.match(main.stdout, /check {5}Diagnose/);
  assert.match(main.stdout, /token {5}Decode/);
});
