// The seed's httpie transcript, played with the real `http` command (and curl) against
// `ldap-token-auth serve` running as a child process, configured only through its environment,
// in front of a real OpenLDAP slapd. Also the CLI's own refusals and its clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { SEED_BODY, SERVICE_ACCOUNT, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { type HttpClientResult, runCurl, runHttpie } from '../helpers/httpie.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, runCommand, startProcess } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';
import { GUARD_MS } from '../helpers/timeouts.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts', 'serve'];
const SECRET = 'e2e-secret-key-of-more-than-32-bytes-0123456789';
const CHALLENGE = 'Basic realm="Authentication Required"';
const NEEDS_ACCOUNT = 'authenticated_search=true needs a service account, and none is configured';

/**
 * The CLI's environment: every variable it reads is set, to '' when unused ('' counts as unset),
 * so nothing from the test machine's environment leaks into the configuration.
 */
function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { HOST: '127.0.0.1', WORKERS: '1', NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

function directoryEnv(slapd: SlapdServer, extra: Record<string, string> = {}) {
  return cliEnv({
    SECRET_KEY: SECRET,
    LDAP_AUTH_SERVER: slapd.url,
    LDAP_TOP_DN: TOP_DN,
    LDAP_TIMEOUT_MS: '2000',
    LDAP_CONNECT_TIMEOUT_MS: '1000',
    ...extra,
  });
}

interface Serve {
  process: ManagedProcess;
  port: number;
}

/** `ldap-token-auth serve` on a free port; retried on a fresh port if that one was taken. */
async function startServe(env: Record<string, string>): Promise<Serve> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const process_ = await startProcess({
        name: 'ldap-token-auth serve',
        command: process.execPath,
        args: CLI,
        cwd: ROOT,
        env: { ...env, PORT: String(port) },
        ready: { port },
      });
      return { process: process_, port };
    } catch (error) {
      if (attempt < 3 && /EADDRINUSE/.test(String(error))) continue;
      throw error;
    }
  }
}

/** The JSON lines the CLI logged on stderr. */
function logLines(serve: Serve): Record<string, unknown>[] {
  const text = serve.process.stderr;
  // Only whole lines: the last one may still be arriving.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The first log line matching `predicate`, waiting for it: a line written just before or after
 * the port opens (or before exit) may still be in the pipe when the test looks.
 */
async function waitForLog(
  serve: Serve,
  predicate: (line: Record<string, unknown>) => boolean,
  timeoutMs = GUARD_MS,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = logLines(serve).find(predicate);
    if (line) return line;
    if (Date.now() >= deadline) {
      assert.fail(`no such log line within ${timeoutMs} ms:\n${serve.process.stderr}`);
    }
    await sleep(20);
  }
}

function describeResult(result: HttpClientResult): string {
  return `exit ${result.exitCode}\n${result.stdout}\n${result.stderr}`;
}

function assertSeed401(result: HttpClientResult, location: string): void {
  const context = describeResult(result);
  assert.equal(result.status, 401, context);
  assert.equal(result.statusText, 'Unauthorized', context);
  assert.equal(result.body.trim(), SEED_BODY, context);
  assert.deepEqual(JSON.parse(result.body), {
    error: 'unauthorized',
    message: 'Please authenticate with a valid token',
    status: 401,
  });
  assert.match(result.headers['content-type'] ?? '', /^application\/json/, context);
  assert.equal(result.headers['www-authenticate'], CHALLENGE, context);
  assert.equal(result.headers.location, location, context);
}

interface TokenBody {
  token: string;
  access_token: string;
  token_type: string;
  expires_in: number;
}

/** A 200 from the token endpoint; returns the body, with its claims checked. */
function assertToken(
  result: HttpClientResult,
  expected: { username: string; dn: string; expiresIn?: number },
): TokenBody {
  const context = describeResult(result);
  const expiresIn = expected.expiresIn ?? 3600;
  assert.equal(result.status, 200, context);
  assert.match(result.headers['content-type'] ?? '', /^application\/json/, context);
  assert.equal(result.headers['cache-control'], 'no-store', context);
  const body = JSON.parse(result.body) as TokenBody;
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token', 'token_type']);
  assert.match(body.token, /^[\w-]+\.[\w-]+\.[\w-]+:$/, 'the seed token ends with a colon');
  assert.equal(body.token, `${body.access_token}:`);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, expiresIn);
  const claims = decodeJwt(body.access_token);
  assert.equal(claims.sub, expected.username);
  assert.equal(claims.dn, expected.dn);
  assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), expiresIn);
  return body;
}

function assertHello(result: HttpClientResult): void {
  assert.equal(result.status, 200, describeResult(result));
  assert.equal(result.body.trim(), 'hello, world');
}

describe('ldap-token-auth serve, with httpie and curl, against real slapd', () => {
  let open: SlapdServer;
  let closed: SlapdServer;
  /** Anonymous search allowed, no service account. */
  let serve: Serve;
  /** Anonymous search refused, LDAP_USERNAME=search-bot (a bare name). */
  let serveClosed: Serve;

  before(async () => {
    [open, closed] = await Promise.all([
      startSlapd({ anonymousSearch: true }),
      startSlapd({ anonymousSearch: false }),
    ]);
    [serve, serveClosed] = await Promise.all([
      startServe(directoryEnv(open)),
      startServe(
        directoryEnv(closed, {
          LDAP_USERNAME: SERVICE_ACCOUNT.username,
          LDAP_PASSWORD: SERVICE_ACCOUNT.password,
        }),
      ),
    ]);
  });
  after(async () => {
    await Promise.all([serve?.process.stop(), serveClosed?.process.stop()]);
    await Promise.all([open?.stop(), closed?.stop()]);
  });

  const local = (port: number, path = '/') => `:${port}${path}`;
  const tokenPath = '/auth/request-token';

  it('logs that it listens on HOST:PORT', async () => {
    const listening = await waitForLog(serve, (line) => line.event === 'listening');
    assert.equal(listening.url, `http://127.0.0.1:${serve.port}`);
    assert.equal(listening.level, 'info');
  });

  describe('the seed transcript', () => {
    let seedToken: string;

    it('http GET :PORT/ → 401, the seed body, the challenge, Location of the token endpoint', async () => {
      const result = await runHttpie(['GET', local(serve.port)]);
      assert.equal(result.exitCode, 0, describeResult(result));
      // httpie expands :PORT to http://localhost:PORT and sends that Host; Location repeats it.
      assertSeed401(result, `http://localhost:${serve.port}${tokenPath}`);
    });

    it('http --auth alice:wonderland POST :PORT/auth/request-token → 200 and a token ending in ":"', async () => {
      const result = await runHttpie([
        '--auth',
        `${USERS.alice.username}:${USERS.alice.password}`,
        'POST',
        local(serve.port, tokenPath),
      ]);
      seedToken = assertToken(result, USERS.alice).token;
    });

    it("http --auth '<token>:' GET :PORT/ → 200 hello, world", async () => {
      assert.ok(seedToken.endsWith(':'));
      assertHello(await runHttpie(['--auth', seedToken, 'GET', local(serve.port)]));
    });

    it('http -A bearer --auth <token> GET :PORT/ → 200 hello, world', async () => {
      const jwt = seedToken.slice(0, -1);
      assertHello(await runHttpie(['-A', 'bearer', '--auth', jwt, 'GET', local(serve.port)]));
    });

    it('http --auth alice:<wrong> POST … → the seed 401 (exit 4 with --check-status)', async () => {
      const result = await runHttpie([
        '--check-status',
        '--auth',
        'alice:not-the-wonderland-password',
        'POST',
        local(serve.port, tokenPath),
      ]);
      assert.equal(result.exitCode, 4, describeResult(result));
      assertSeed401(result, `http://localhost:${serve.port}${tokenPath}`);
    });
  });

  describe('the query parameters, httpie style (name==value)', () => {
    it('token_duration==60 → expires_in 60, and the token works', async () => {
      const result = await runHttpie([
        '--auth',
        'alice:wonderland',
        'POST',
        local(serve.port, tokenPath),
        'token_duration==60',
      ]);
      const { token } = assertToken(result, { ...USERS.alice, expiresIn: 60 });
      assertHello(await runHttpie(['--auth', token, 'GET', local(serve.port)]));
    });

    it("search_criteria==cn as 'Alice Liddell' → 200 for uid=alice", async () => {
      const result = await runHttpie([
        '--auth',
        'Alice Liddell:wonderland',
        'POST',
        local(serve.port, tokenPath),
        'search_criteria==cn',
      ]);
      assertToken(result, { username: 'alice', dn: USERS.alice.dn });
    });

    it('authenticated_search==true against a serve without LDAP_USERNAME → 400', async () => {
      const result = await runHttpie([
        '--auth',
        'alice:wonderland',
        'POST',
        local(serve.port, tokenPath),
        'authenticated_search==true',
      ]);
      assert.equal(result.status, 400, describeResult(result));
      assert.deepEqual(JSON.parse(result.body), {
        error: 'bad_request',
        message: NEEDS_ACCOUNT,
        status: 400,
      });
    });

    it('authenticated_search==true on the closed directory with LDAP_USERNAME=search-bot → 200', async () => {
      const result = await runHttpie([
        '--auth',
        'alice:wonderland',
        'POST',
        local(serveClosed.port, tokenPath),
        'authenticated_search==true',
      ]);
      const { token } = assertToken(result, USERS.alice);
      assertHello(await runHttpie(['--auth', token, 'GET', local(serveClosed.port)]));
    });

    it('the closed directory: cn search and a wrong password through the service account', async () => {
      const byCn = await runHttpie([
        '--auth',
        'Alice Liddell:wonderland',
        'POST',
        local(serveClosed.port, tokenPath),
        'authenticated_search==true',
        'search_criteria==cn',
      ]);
      assertToken(byCn, { username: 'alice', dn: USERS.alice.dn });
      const wrong = await runHttpie([
        '--auth',
        'alice:not-her-password',
        'POST',
        local(serveClosed.port, tokenPath),
        'authenticated_search==true',
      ]);
      assertSeed401(wrong, `http://localhost:${serveClosed.port}${tokenPath}`);
    });
  });

  describe('curl', () => {
    const base = () => `http://127.0.0.1:${serve.port}`;

    it('curl GET / → the seed 401 with Location on 127.0.0.1', async () => {
      assertSeed401(await runCurl([`${base()}/`]), `${base()}${tokenPath}`);
    });

    it("curl -u alice:wonderland -X POST, then -H 'Authorization: Bearer …' and -u '<token>:'", async () => {
      const issued = await runCurl([
        '-u',
        'alice:wonderland',
        '-X',
        'POST',
        `${base()}${tokenPath}`,
      ]);
      const { token, access_token } = assertToken(issued, USERS.alice);
      assertHello(await runCurl(['-H', `Authorization: Bearer ${access_token}`, `${base()}/`]));
      assertHello(await runCurl(['-u', token, `${base()}/`]));
      assertSeed401(
        await runCurl(['-H', `Authorization: Bearer ${access_token}x`, `${base()}/`]),
        `${base()}${tokenPath}`,
      );
    });
  });

  it('the logs carry neither passwords nor the secret', () => {
    for (const text of [serve.process.stderr, serveClosed.process.stderr]) {
      for (const secret of [SECRET, 'wonderland', 'not-her-password', SERVICE_ACCOUNT.password]) {
        assert.ok(!text.includes(secret), `${secret} in the logs`);
      }
    }
  });
});

describe('ldap-token-auth serve: configuration refusals and signals', () => {
  const run = (env: Record<string, string>) =>
    runCommand(process.execPath, CLI, { cwd: ROOT, env, timeoutMs: 20_000 });

  it('missing SECRET_KEY, LDAP_AUTH_SERVER or LDAP_TOP_DN: exit code 2, naming it', async () => {
    const complete = {
      SECRET_KEY: SECRET,
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: TOP_DN,
      PORT: '1',
    };
    const missing = ['SECRET_KEY', 'LDAP_AUTH_SERVER', 'LDAP_TOP_DN'] as const;
    const results = await Promise.all(
      missing.map((name) => run(cliEnv({ ...complete, [name]: '' }))),
    );
    for (const [index, result] of results.entries()) {
      const name = missing[index]!;
      assert.equal(result.exitCode, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^ldap-token-auth: ${name} must be set`), name);
      assert.equal(result.stdout, '');
      for (const other of missing.filter((candidate) => candidate !== name)) {
        assert.ok(!result.stderr.includes(other), `${name}: only the missing one is named`);
      }
    }
  });

  it('a SECRET_KEY shorter than 32 bytes: exit code 2, saying so and how to make one, no stack', async () => {
    const shortSecret = 'too-short-secret';
    const result = await run(
      cliEnv({
        SECRET_KEY: shortSecret,
        LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
        LDAP_TOP_DN: TOP_DN,
        PORT: '1',
      }),
    );
    assert.equal(result.exitCode, 2, result.stderr);
    assert.equal(
      result.stderr,
      'ldap-token-auth: SECRET_KEY is invalid: must be at least 32 bytes, not 16: anyone holding one token can guess a short key offline and forge others. Make one with openssl rand -base64 48\n',
    );
    assert.equal(result.stdout, '');
  });

  it('a good SECRET_KEY: starts, serves, warns of nothing; SIGTERM: exits 0', async () => {
    const slapd = await startSlapd();
    let service: Serve | undefined;
    try {
      service = await startServe(directoryEnv(slapd));
      const result = await runHttpie([
        '--auth',
        'bob:can-we-fix-it',
        'POST',
        `:${service.port}/auth/request-token`,
      ]);
      assertToken(result, USERS.bob);

      await service.process.stop(5000);
      assert.deepEqual(service.process.exitStatus, { code: 0, signal: null });
      await waitForLog(service, (line) => line.event === 'stopping');
      // This slapd has no memberof overlay: the first login says, once, that groups from
      // memberOf will stay empty. Nothing else is worth a warning (no weak-secret line).
      assert.deepEqual(
        logLines(service)
          .filter((line) => line.level === 'warn')
          .map((line) => line.event),
        ['member_of_missing'],
      );
    } finally {
      await service?.process.stop();
      await slapd.stop();
    }
  });
});
