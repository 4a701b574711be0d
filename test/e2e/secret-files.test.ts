// Secrets mounted as files, as container platforms do: the built `dist/cli.js serve` reads
// SECRET_KEY_FILE and LDAP_PASSWORD_FILE, binds as the service account to a slapd that refuses
// anonymous search, and says which secret file other users may read. A short secret, both VAR and
// VAR_FILE, or a missing file: exit code 2 with one line saying so, no stack trace.
// `npm test` builds dist/ first; alone: `npx tsup --silent` before running this file.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jwtVerify } from 'jose';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { basic, SERVICE_ACCOUNT, TOP_DN } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, runCommand, startProcess } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = [join(ROOT, 'dist', 'cli.js'), 'serve'];
const SECRET = 'secret-files-e2e-secret-0123456789abcdef';

/** Every variable the CLI reads is set ('' counts as unset): nothing leaks in from the machine. */
function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { HOST: '127.0.0.1', WORKERS: '1', NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

function logLines(process_: ManagedProcess): Record<string, unknown>[] {
  const text = process_.stderr;
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('ldap-token-auth serve (dist/cli.js) with secrets in files', () => {
  const folder = mkdtempSync(join(tmpdir(), 'secret-files-e2e-'));
  /** A file holding `content` with `mode`, as a mounted secret. */
  const secretFile = (name: string, content: string, mode: number) => {
    const path = join(folder, name);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };
  const secretPath = secretFile('secret-key', `${SECRET}\n`, 0o600);
  // Readable by the group: served, with a warning naming it.
  const passwordPath = secretFile('ldap-password', `${SERVICE_ACCOUNT.password}\n`, 0o640);
  let slapd: SlapdServer;
  let serve: ManagedProcess;
  let base: string;

  before(async () => {
    slapd = await startSlapd({ anonymousSearch: false });
    const port = await freePort();
    serve = await startProcess({
      name: 'ldap-token-auth serve',
      command: process.execPath,
      args: [...CLI, '--port', String(port)],
      cwd: ROOT,
      env: cliEnv({
        SECRET_KEY_FILE: secretPath,
        LDAP_AUTH_SERVER: slapd.url,
        LDAP_TOP_DN: TOP_DN,
        LDAP_USERNAME: SERVICE_ACCOUNT.username,
        LDAP_PASSWORD_FILE: passwordPath,
      }),
      ready: { port },
    });
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await serve?.stop();
    await slapd?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  const run = (env: Record<string, string>) =>
    runCommand(process.execPath, CLI, { cwd: ROOT, env: cliEnv(env), timeoutMs: 20_000 });

  it('binds with the password from LDAP_PASSWORD_FILE and signs with the key from SECRET_KEY_FILE', async () => {
    const response = await fetch(`${base}/auth/request-token?authenticated_search=true`, {
      method: 'POST',
      headers: { authorization: basic('alice', 'wonderland') },
    });
    const body = (await response.json()) as { access_token: string };
    assert.equal(response.status, 200, JSON.stringify(body));
    // The file's trailing newline is not part of the key.
    const { payload } = await jwtVerify(body.access_token, new TextEncoder().encode(SECRET));
    assert.equal(payload.sub, 'alice');
    const hello = await fetch(`${base}/`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    assert.equal(hello.status, 200);
  });

  it('warns that the password file may be read by others, naming it and chmod 600; never the secrets', () => {
    const warnings = logLines(serve).filter(
      (line) => line.level === 'warn' && line.event === 'secret_file_readable',
    );
    assert.deepEqual(
      warnings.map(({ event, variable, file, mode }) => ({ event, variable, file, mode })),
      [
        {
          event: 'secret_file_readable',
          variable: 'LDAP_PASSWORD_FILE',
          file: passwordPath,
          mode: '640',
        },
      ],
    );
    assert.match(String(warnings[0]?.msg), new RegExp(`chmod 600 ${passwordPath}`));
    for (const secret of [SECRET, SERVICE_ACCOUNT.password]) {
      assert.equal(serve.stderr.includes(secret), false, 'a secret reached the log');
    }
  });

  it('refuses to start, exit code 2, one line and no stack: short secret, both set, missing file', async () => {
    const common = {
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: TOP_DN,
      PORT: '1',
    };
    const missing = join(folder, 'absent');
    const cases: [Record<string, string>, string][] = [
      [
        { SECRET_KEY: 'a' },
        'SECRET_KEY is invalid: must be at least 32 bytes, not 1: anyone holding one token can guess a short key offline and forge others. Make one with openssl rand -base64 48',
      ],
      [
        { SECRET_KEY_FILE: secretFile('short', 'hunter2\n', 0o600) },
        'SECRET_KEY_FILE is invalid: must be at least 32 bytes, not 7: anyone holding one token can guess a short key offline and forge others. Make one with openssl rand -base64 48',
      ],
      [
        { SECRET_KEY: SECRET, SECRET_KEY_FILE: secretPath },
        'SECRET_KEY and SECRET_KEY_FILE are both set: keep one (SECRET_KEY_FILE to read the value from a file)',
      ],
      [
        { SECRET_KEY_FILE: missing },
        `SECRET_KEY_FILE names a file that cannot be read: ${missing} (ENOENT)`,
      ],
    ];
    const results = await Promise.all(cases.map(([env]) => run({ ...common, ...env })));
    for (const [index, result] of results.entries()) {
      assert.equal(result.exitCode, 2, result.stderr);
      // A terminal gets plain text: the message's Markdown backticks are dropped.
      assert.equal(result.stderr, `ldap-token-auth: ${cases[index]![1]}\n`);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.includes('hunter2'), false);
    }
  });
});
