// `ldap-token-auth check` with OIDC_ISSUER set, against a real slapd: the issuer, the signing
// algorithm (HS256 refused, with the reason) and the clients file, each client listed with its
// redirect URIs and allowed groups and never its secret; a bad clients file fails check with the
// reason naming the client and the field.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { runCommand } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ISSUER = 'http://127.0.0.1:8080/idp';
const CLIENT_SECRET = 'grafana-secret-never-printed';

interface Step {
  step: string;
  status: 'pass' | 'fail' | 'skip' | 'warn';
  summary: string;
  hint?: string;
  variables?: string[];
  details?: Record<string, unknown>;
}

const CLIENTS_YAML = `
- client_id: grafana
  client_secret: ${CLIENT_SECRET}
  redirect_uris: [https://grafana.example/login/generic_oauth]
  allowed_groups: [admins, operators]
- client_id: cli
  token_endpoint_auth_method: none
  redirect_uris: [http://127.0.0.1:9999/callback]
`;

async function check(env: Record<string, string>, json = false) {
  const cleared: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) cleared[variable.name] = '';
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'check', ...(json ? ['--json'] : [])];
  return runCommand(process.execPath, args, { cwd: ROOT, env: { ...cleared, ...env } });
}

describe('ldap-token-auth check with OpenID Connect', () => {
  let slapd: SlapdServer;
  let dir: string;
  let base: Record<string, string>;

  before(async () => {
    slapd = await startSlapd();
    dir = await mkdtemp(join(tmpdir(), 'lta-check-oidc-'));
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(join(dir, 'signing.pem'), key);
    await writeFile(join(dir, 'clients.yaml'), CLIENTS_YAML);
    await writeFile(
      join(dir, 'bad.json'),
      JSON.stringify([{ client_id: 'app', client_secret: 's', redirect_uri: ['https://a/cb'] }]),
    );
    base = {
      LDAP_AUTH_SERVER: slapd.url,
      LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
      TOKEN_ALGORITHM: 'EdDSA',
      TOKEN_SIGNING_KEY_FILE: join(dir, 'signing.pem'),
      OIDC_ISSUER: ISSUER,
      OIDC_CLIENTS_FILE: join(dir, 'clients.yaml'),
    };
  });
  after(async () => {
    await slapd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes, listing each client with its redirect URIs and groups, never its secret', async () => {
    const [text, json] = await Promise.all([check(base), check(base, true)]);
    assert.equal(text.exitCode, 0, text.stdout + text.stderr);
    assert.match(
      text.stdout,
      /✓ OpenID Connect issuer: http:\/\/127\.0\.0\.1:8080\/idp, discovery at http:\/\/127\.0\.0\.1:8080\/idp\/\.well-known\/openid-configuration/,
    );
    assert.match(text.stdout, /✓ OpenID Connect signing: ID tokens signed with EdDSA/);
    assert.match(text.stdout, /✓ OpenID Connect clients: 2 clients from .*clients\.yaml/);
    assert.match(
      text.stdout,
      /grafana \(confidential, client_secret_basic; authorization_code, refresh_token\): only members of admins, operators\n\s+redirect https:\/\/grafana\.example\/login\/generic_oauth/,
    );
    assert.match(text.stdout, /cli \(public, PKCE S256; .*\): everyone the service admits/);
    const steps = (JSON.parse(json.stdout) as { steps: Step[] }).steps;
    const clients = steps.find((step) => step.step === 'oidc-clients');
    assert.deepEqual(
      ((clients?.details?.clients ?? []) as { client_id: string; allowed_groups: unknown }[]).map(
        (client) => [client.client_id, client.allowed_groups],
      ),
      [
        ['grafana', ['admins', 'operators']],
        ['cli', null],
      ],
    );
    assert.equal(steps.find((step) => step.step === 'oidc-issuer')?.details?.routesUnder, '/idp');
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      assert.ok(!output.includes(CLIENT_SECRET), 'a client secret was printed');
    }
  });

  it('fails on HS256, saying why OpenID Connect needs an asymmetric algorithm', async () => {
    const hs256 = {
      ...base,
      TOKEN_ALGORITHM: 'HS256',
      TOKEN_SIGNING_KEY_FILE: '',
      SECRET_KEY: 'check-oidc-secret-of-more-than-32-bytes-0123',
    };
    const run = await check(hs256, true);
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    const steps = (JSON.parse(run.stdout) as { steps: Step[] }).steps;
    const failures = steps.filter((step) => step.status === 'fail');
    assert.deepEqual(
      failures.map((step) => step.step),
      ['oidc-signing'],
    );
    assert.match(failures[0]!.summary, /asymmetric algorithm \(RS256, ES256, EdDSA/);
    assert.deepEqual(failures[0]!.variables, ['TOKEN_ALGORITHM', 'TOKEN_SIGNING_KEY_FILE']);
  });

  it('a bad clients file fails check with the reason, naming the client and the field', async () => {
    const run = await check({ ...base, OIDC_CLIENTS_FILE: join(dir, 'bad.json') });
    assert.equal(run.exitCode, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /✗ OpenID Connect clients: .*bad\.json.*"app".*redirect_uri/);
    assert.match(run.stdout, /hint: correct the clients file/);
    const missing = await check({ ...base, OIDC_CLIENTS_FILE: join(dir, 'absent.yaml') });
    assert.equal(missing.exitCode, 1);
    assert.match(
      missing.stdout,
      /✗ OpenID Connect clients: .*absent\.yaml cannot be read \(ENOENT\)/,
    );
  });

  it('without OIDC_ISSUER no OpenID Connect step runs', async () => {
    const run = await check({ ...base, OIDC_ISSUER: '', OIDC_CLIENTS_FILE: '' });
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /OpenID Connect/);
  });
});
