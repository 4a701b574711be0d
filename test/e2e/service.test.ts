// `ldap-token-auth serve` as an operator runs it: --help generated from the ENVIRONMENT table,
// pino's JSON lines with audit events and no secret in any of them, and a graceful stop on
// SIGTERM while a token request is held up by a directory that does not answer (slapd paused).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { basic, TOP_DN } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, runCommand, startProcess } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';
import { GUARD_MS } from '../helpers/timeouts.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const SECRET = 'service-e2e-secret-of-more-than-32-bytes-0123';

/** Every variable the CLI reads is set ('' counts as unset): nothing leaks in from the machine. */
function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
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

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + GUARD_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('--help lists every option and every environment variable', async () => {
  const result = await runCommand(process.execPath, [...CLI, '--help'], { cwd: ROOT });
  assert.equal(result.exitCode, 0, result.stderr);
  for (const variable of ENVIRONMENT) {
    assert.ok(result.stdout.includes(variable.name), `${variable.name} missing from --help`);
    if (variable.service) assert.ok(result.stdout.includes(variable.option), variable.option);
  }
  for (const endpoint of ['/auth/verify', '/healthz', '/readyz', '/metrics']) {
    assert.ok(result.stdout.includes(endpoint), endpoint);
  }
});

it('a bad --log-level or PORT: exit code 2, naming it', async () => {
  const badLevel = await runCommand(process.execPath, [...CLI, 'serve', '--log-level', 'loud'], {
    cwd: ROOT,
    env: cliEnv({}),
  });
  assert.equal(badLevel.exitCode, 2);
  assert.match(
    badLevel.stderr,
    /--log-level \(LOG_LEVEL\) must be one of debug, info, warn, error/,
  );
  const badPort = await runCommand(process.execPath, [...CLI, 'serve'], {
    cwd: ROOT,
    env: cliEnv({ PORT: '70000' }),
  });
  assert.equal(badPort.exitCode, 2);
  assert.match(badPort.stderr, /--port \(PORT\) must be a number from 0 to 65535/);
});

describe('ldap-token-auth serve: logs, audit and graceful shutdown, against real slapd', () => {
  let slapd: SlapdServer;
  let serve: ManagedProcess;
  let base: string;
  const issued: string[] = [];

  before(async () => {
    slapd = await startSlapd({ anonymousSearch: true });
    const port = await freePort();
    serve = await startProcess({
      name: 'ldap-token-auth serve',
      command: process.execPath,
      args: [...CLI, 'serve', '--port', String(port), '--host', '127.0.0.1'],
      cwd: ROOT,
      env: cliEnv({
        SECRET_KEY: SECRET,
        LDAP_AUTH_SERVER: slapd.url,
        LDAP_TOP_DN: TOP_DN,
        LDAP_TIMEOUT_MS: '15000',
        SHUTDOWN_GRACE_MS: '15000',
      }),
      ready: { port },
    });
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    slapd?.resume();
    await serve?.stop();
    await slapd?.stop();
  });

  const requestToken = async (authorization: string, query = '') => {
    const response = await fetch(`${base}/auth/request-token${query}`, {
      method: 'POST',
      headers: { authorization },
    });
    const body = (await response.json()) as { access_token?: string };
    if (body.access_token) issued.push(body.access_token);
    return { status: response.status, body };
  };

  it('writes audit lines: token issued, refused and why', async () => {
    assert.equal((await requestToken(basic('alice', 'wonderland'))).status, 200);
    assert.equal((await requestToken(basic('alice', 'not-her-password'))).status, 401);
    assert.equal(
      (await requestToken(basic('bob', 'can-we-fix-it'), '?token_duration=0')).status,
      400,
    );
    // A token pasted as a username must not reach the log as it is.
    assert.equal((await requestToken(basic(issued[0]!, 'whatever-password'))).status, 401);

    const lines = await waitFor('four audit lines', () => {
      const audit = logLines(serve).filter((line) => line.audit === true);
      return audit.length >= 4 ? audit : undefined;
    });
    const summary = lines.map(({ event, username, reason }) => ({ event, username, reason }));
    assert.deepEqual(summary, [
      { event: 'token_issued', username: 'alice', reason: undefined },
      { event: 'token_refused', username: 'alice', reason: 'ERR_INVALID_CREDENTIALS' },
      { event: 'token_refused', username: 'bob', reason: 'ERR_INVALID_PARAMETER' },
      { event: 'token_refused', username: '[a token]', reason: 'ERR_INVALID_CREDENTIALS' },
    ]);
    for (const line of lines) {
      assert.equal(typeof line.time, 'number');
      assert.equal(line.pid, serve.pid);
      assert.ok(['info', 'warn'].includes(String(line.level)), String(line.level));
    }
  });

  it('on SIGTERM: stops accepting, finishes the request in flight, closes the pool, exits 0', async () => {
    await slapd.pause();
    const inFlight = requestToken(basic('bob', 'can-we-fix-it'));
    // The request is in flight once its search holds a directory connection.
    await waitFor('the token request to reach the directory', async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return /ldap_token_auth_ldap_connections\{pool="searches",state="busy"\} [1-9]/.test(text)
        ? true
        : undefined;
    });
    process.kill(serve.pid, 'SIGTERM');
    await waitFor('the stopping line', () =>
      logLines(serve).find((line) => line.event === 'stopping'),
    );
    await assert.rejects(fetch(`${base}/healthz`), 'new connections are refused');
    assert.ok(serve.running, 'still running while the request is in flight');

    slapd.resume();
    const answer = await inFlight;
    assert.equal(answer.status, 200, 'the request in flight was answered');
    assert.ok(await serve.waitForExit(10_000), 'exited after the request finished');
    assert.deepEqual(serve.exitStatus, { code: 0, signal: null });
    const events = logLines(serve).map((line) => line.event);
    const [stopping, issuedLast, stopped] = ['stopping', 'token_issued', 'stopped'].map((name) =>
      events.lastIndexOf(name),
    );
    assert.ok(stopping! < issuedLast! && issuedLast! < stopped!, events.join(', '));
  });

  it('no line carries a password, the secret or any token issued', () => {
    const text = serve.stderr;
    assert.ok(issued.length >= 2);
    const secrets = [
      SECRET,
      'wonderland',
      'not-her-password',
      'can-we-fix-it',
      'whatever-password',
    ];
    for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} in the logs`);
    for (const token of issued) {
      assert.ok(!text.includes(token), 'a token in the logs');
      assert.ok(!text.includes(token.split('.')[2]!), "a token's signature in the logs");
    }
  });
});
