// `serve --config x.yaml` in front of a real slapd that refuses anonymous search: the directory,
// the service account and the key all come from the file, one setting from the environment over
// it, and the seed's httpie workflow runs unchanged. `check` and `token verify` read the same file.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { stringify } from 'yaml';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { SERVICE_ACCOUNT, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { type HttpClientResult, runHttpie } from '../helpers/httpie.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, runCommand, startProcess } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const SECRET = 'config-file-e2e-secret-of-more-than-32-bytes-0123';

/** Every variable the CLI reads is set ('' counts as unset): nothing leaks in from the machine. */
function cliEnv(values: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

function context(result: HttpClientResult | { stdout: string; stderr: string }): string {
  return `${result.stdout}\n${result.stderr}`;
}

describe('ldap-token-auth serve --config, against real slapd', () => {
  const directory = mkdtempSync(join(tmpdir(), 'config-file-e2e-'));
  const configPath = join(directory, 'ldap-token-auth.yaml');
  let slapd: SlapdServer;
  let serve: ManagedProcess;
  let port: number;

  before(async () => {
    slapd = await startSlapd({ anonymousSearch: false });
    const options = {
      secretKey: SECRET,
      ldap: {
        url: slapd.url,
        topDn: TOP_DN,
        serviceAccount: { username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password },
        timeoutMs: 2000,
      },
      token: { defaultDuration: 600 },
    };
    writeFileSync(configPath, `# written by the test\n${stringify(options)}`);
    chmodSync(configPath, 0o600);
    port = await freePort();
    serve = await startProcess({
      name: 'ldap-token-auth serve --config',
      command: process.execPath,
      args: [
        ...CLI,
        'serve',
        '--config',
        configPath,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      cwd: ROOT,
      // The environment wins over the file's token.defaultDuration.
      env: cliEnv({ TOKEN_DEFAULT_DURATION: '300' }),
      ready: { port },
    });
  });
  after(async () => {
    await serve?.stop();
    await slapd?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  let token = '';

  it('http GET :PORT/ → 401', async () => {
    const result = await runHttpie(['GET', `:${port}/`]);
    assert.equal(result.status, 401, context(result));
  });

  it('http --auth alice:wonderland POST :PORT/auth/request-token → 200, the environment over the file', async () => {
    const result = await runHttpie([
      '--auth',
      `${USERS.alice.username}:${USERS.alice.password}`,
      'POST',
      `:${port}/auth/request-token`,
    ]);
    assert.equal(result.status, 200, context(result));
    const body = JSON.parse(result.body) as {
      token: string;
      access_token: string;
      expires_in: number;
    };
    assert.equal(body.expires_in, 300);
    assert.equal(decodeJwt(body.access_token).dn, USERS.alice.dn);
    token = body.token;
  });

  it("http --auth '<token>:' GET :PORT/ → 200 hello, world", async () => {
    const result = await runHttpie(['--auth', token, 'GET', `:${port}/`]);
    assert.equal(result.status, 200, context(result));
    assert.equal(result.body.trim(), 'hello, world');
  });

  it("token verify --config: valid with the file's key", async () => {
    const result = await runCommand(
      process.execPath,
      [...CLI, 'token', 'verify', token, '--config', configPath],
      { cwd: ROOT, env: cliEnv() },
    );
    assert.equal(result.exitCode, 0, context(result));
    assert.match(result.stdout, /^valid: alice/);
  });

  it('check --config (or CONFIG_FILE): exit 0, naming the file it read', async () => {
    const [flag, variable] = await Promise.all([
      runCommand(process.execPath, [...CLI, 'check', '--config', configPath, '--user', 'alice'], {
        cwd: ROOT,
        env: cliEnv(),
      }),
      runCommand(process.execPath, [...CLI, 'check', '--json'], {
        cwd: ROOT,
        env: cliEnv({ CONFIG_FILE: configPath }),
      }),
    ]);
    assert.equal(flag.exitCode, 0, context(flag));
    assert.ok(flag.stdout.startsWith(`Configuration file: ${configPath}\n`), flag.stdout);
    assert.match(flag.stdout, /✓ user alice/);
    assert.equal(variable.exitCode, 0, context(variable));
    assert.equal((JSON.parse(variable.stdout) as { configFile: string }).configFile, configPath);
  });

  it('check --config with an unknown key: exit 2, naming the file, the line and the key', async () => {
    const misspelt = join(directory, 'misspelt.json');
    writeFileSync(
      misspelt,
      `{\n  "secretKey": "${SECRET}",\n  "ldap": { "url": "${slapd.url}", "topDN": "${TOP_DN}" }\n}\n`,
    );
    const result = await runCommand(process.execPath, [...CLI, 'check', '--config', misspelt], {
      cwd: ROOT,
      env: cliEnv(),
    });
    assert.equal(result.exitCode, 2, context(result));
    assert.match(
      result.stdout,
      /✗ configuration: Configuration file .*misspelt\.json, line 3: Unknown option ldap\.topDN/,
    );
    assert.match(result.stdout, /did you mean ldap\.topDn\?/);
  });

  it('serve --config with a file that does not parse: exit 2, with the line', async () => {
    const broken = join(directory, 'broken.yaml');
    writeFileSync(broken, 'ldap:\n  url: ldap://127.0.0.1:1\n  url: ldap://127.0.0.1:2\n');
    const result = await runCommand(process.execPath, [...CLI, 'serve', '--config', broken], {
      cwd: ROOT,
      env: cliEnv(),
    });
    assert.equal(result.exitCode, 2, context(result));
    assert.match(result.stderr, /broken\.yaml is not valid YAML at line 3/);
  });
});
