// `ldap-token-auth check` against a real slapd (closed flavour: anonymous may only bind, over
// TLS with a private CA): the passing case, and each injected misconfiguration pinpointed, in
// text and in JSON: the right step fails, with a hint naming the variable to change, and the
// exit code says so. No password ever appears in the output.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { makePki, type TestPki } from '../helpers/certificates.js';
import { freePort } from '../helpers/ports.js';
import { runCommand } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const TOP_DN = 'ou=people,dc=example,dc=org';
const BOT = `uid=search-bot,${TOP_DN}`;
const BOT_PASSWORD = 'bot-secret';
const SECRET = 'check-e2e-secret-of-more-than-32-bytes-0123';

interface Step {
  step: string;
  status: 'pass' | 'fail' | 'skip';
  summary: string;
  hint?: string;
  variables?: string[];
  details?: Record<string, unknown>;
}

interface Run {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Every variable the CLI reads is set ('' counts as unset): nothing leaks in from the machine. */
function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

function check(env: Record<string, string>, args: string[] = [], input?: string): Promise<Run> {
  return runCommand(process.execPath, [...CLI, 'check', ...args], {
    cwd: ROOT,
    env: cliEnv(env),
    ...(input === undefined ? {} : { input }),
  });
}

/** The same check in text and in JSON; both are returned, the JSON steps parsed. */
async function both(env: Record<string, string>, args: string[] = [], input?: string) {
  const [text, json] = await Promise.all([
    check(env, args, input),
    check(env, [...args, '--json'], input),
  ]);
  const report = JSON.parse(json.stdout) as { ok: boolean; steps: Step[] };
  return { text, json, report };
}

function stepOf(steps: Step[], id: string): Step {
  const step = steps.find((candidate) => candidate.step === id);
  assert.ok(step, `no step ${id} in ${JSON.stringify(steps.map((s) => s.step))}`);
  return step;
}

/** The text line of a step, and the hint line under it. */
function lineOf(text: string, start: string): { line: string; hint: string } {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.startsWith(start));
  assert.ok(index >= 0, `no line starting with "${start}" in:\n${text}`);
  const hint = lines.slice(index + 1).find((line) => line.trim().startsWith('hint:')) ?? '';
  return { line: lines[index]!, hint };
}

/** The only failing step is `id`, and the steps before it passed or were skipped. */
function onlyFailure(report: { ok: boolean; steps: Step[] }, id: string): Step {
  assert.equal(report.ok, false);
  const failures = report.steps.filter((step) => step.status === 'fail');
  assert.deepEqual(
    failures.map((step) => step.step),
    [id],
    JSON.stringify(report.steps, null, 2),
  );
  return failures[0]!;
}

describe('ldap-token-auth check, against real slapd', () => {
  let pki: TestPki;
  let slapd: SlapdServer;
  let good: Record<string, string>;

  before(async () => {
    pki = await makePki();
    slapd = await startSlapd({
      anonymousSearch: false,
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
      ldaps: true,
    });
    good = {
      SECRET_KEY: SECRET,
      LDAP_AUTH_SERVER: slapd.ldapsUrl!,
      LDAP_TOP_DN: TOP_DN,
      LDAP_USERNAME: BOT,
      LDAP_PASSWORD: BOT_PASSWORD,
      LDAP_TLS_CA_FILE: pki.caCert,
      LDAP_CONNECT_TIMEOUT_MS: '2000',
      LDAP_TIMEOUT_MS: '3000',
    };
  });
  after(async () => {
    await slapd?.stop();
    pki?.remove();
  });

  it('passes every step: certificate, bind, search, the user, the password, a token', async () => {
    const { text, json, report } = await both(
      good,
      ['--user', 'alice', '--password-prompt'],
      'wonderland\n',
    );
    assert.equal(text.exitCode, 0, text.stdout + text.stderr);
    assert.equal(json.exitCode, 0);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.steps.map((step) => [step.step, step.status]),
      [
        ['configuration', 'pass'],
        ['reach', 'pass'],
        ['tls', 'pass'],
        ['service-bind', 'pass'],
        ['search', 'pass'],
        ['user', 'pass'],
        ['password', 'pass'],
        ['token', 'pass'],
      ],
    );
    const tls = stepOf(report.steps, 'tls');
    assert.equal(tls.details?.subject, 'localhost');
    assert.match(String(tls.details?.issuer), /ldap-token-auth test ca/);
    assert.equal(typeof tls.details?.validTo, 'string');
    assert.equal(stepOf(report.steps, 'user').details?.dn, `uid=alice,${TOP_DN}`);
    assert.match(lineOf(text.stdout, '✓ TLS').line, /CN=localhost, issued by .*valid until/);
    assert.match(lineOf(text.stdout, '✓ user alice').line, /found uid=alice,ou=people/);
    assert.match(text.stdout, /✓ password: the directory accepted the password/);
    assert.match(text.stdout, /✓ token round-trip: HS256 token issued for alice and verified/);
    assert.match(text.stdout, /All checks passed\./);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      assert.ok(!output.includes('wonderland'), 'the user password was printed');
      assert.ok(!output.includes(BOT_PASSWORD), 'the service password was printed');
      assert.ok(!output.includes(SECRET), 'the secret was printed');
    }
  });

  it('--user shows what a token would carry: attributes, claims and groups, read as a login reads them', async () => {
    const groups = {
      LDAP_GROUP_STRATEGY: 'search',
      LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
    };
    const { text, report } = await both({ ...good, ...groups }, ['--user', 'alice']);
    assert.equal(text.exitCode, 0, text.stdout + text.stderr);
    const details = stepOf(report.steps, 'user').details!;
    assert.equal(details.name, 'Alice Liddell');
    assert.deepEqual(details.groups, ['admins']);
    assert.equal((details.attributes as Record<string, unknown>).cn, 'Alice Liddell');
    assert.match(text.stdout, /^ +groups: admins$/m);
    assert.match(text.stdout, /^ +attributes: \{"cn":"Alice Liddell"/m);
    // The subject is the entry's uid, as a login would make it, whatever was typed (issue 14).
    const typed = await both({ ...good, ...groups }, ['--user', 'ALICE']);
    assert.equal(stepOf(typed.report.steps, 'user').details!.sub, 'alice');
    assert.match(typed.text.stdout, /^ +sub: alice$/m);
    assert.match(typed.text.stdout, /^ +preferred_username: alice$/m);

    // bob is in no group: the required group stops him, and says which option decides.
    const required = { ...good, ...groups, LDAP_REQUIRED_GROUP: 'admins' };
    const refused = await both(required, ['--user', 'bob']);
    assert.equal(refused.text.exitCode, 1);
    const step = onlyFailure(refused.report, 'user');
    assert.match(step.summary, /not in the required group admins: a login would get a 403/);
    assert.ok(step.variables?.includes('LDAP_REQUIRED_GROUP'));
    assert.match(lineOf(refused.text.stdout, '✗ user bob').hint, /LDAP_REQUIRED_GROUP/);
    assert.equal((await both(required, ['--user', 'alice'])).text.exitCode, 0);
  });

  it('a wrong password: the password step fails, and it is not printed', async () => {
    const { text, report } = await both(good, ['--user', 'alice', '--password-prompt'], 'guess\n');
    assert.equal(text.exitCode, 1);
    const step = onlyFailure(report, 'password');
    assert.equal(step.details?.resultCode, 49);
    assert.ok(!text.stdout.includes('guess'));
  });

  it('wrong port: reach fails, hint on LDAP_AUTH_SERVER, the rest is skipped', async () => {
    const port = await freePort();
    const env = { ...good, LDAP_AUTH_SERVER: `ldap://127.0.0.1:${port}`, LDAP_TLS_CA_FILE: '' };
    const { text, json, report } = await both(env, ['--user', 'alice']);
    assert.equal(text.exitCode, 1);
    assert.equal(json.exitCode, 1);
    const step = onlyFailure(report, 'reach');
    assert.equal(step.details?.code, 'ECONNREFUSED');
    assert.deepEqual(step.variables, ['LDAP_AUTH_SERVER']);
    for (const id of ['service-bind', 'search', 'user']) {
      assert.equal(stepOf(report.steps, id).status, 'skip', id);
    }
    assert.equal(stepOf(report.steps, 'token').status, 'pass');
    const { line, hint } = lineOf(text.stdout, '✗ reach');
    assert.match(line, new RegExp(`connection refused by 127.0.0.1:${port}`));
    assert.match(hint, /nothing listens on port \d+ .*LDAP_AUTH_SERVER/);
  });

  it('wrong base DN: the search fails with noSuchObject, hint on LDAP_TOP_DN', async () => {
    const env = { ...good, LDAP_TOP_DN: 'ou=staff,dc=example,dc=org', LDAP_USERNAME: BOT };
    const { text, report } = await both(env, ['--user', 'alice']);
    assert.equal(text.exitCode, 1);
    const step = onlyFailure(report, 'search');
    assert.equal(step.details?.resultCode, 32);
    assert.deepEqual(step.variables, ['LDAP_TOP_DN']);
    assert.equal(stepOf(report.steps, 'user').status, 'skip');
    assert.match(lineOf(text.stdout, '✗ search').hint, /noSuchObject \(32\).*check LDAP_TOP_DN/);
  });

  it('wrong service password: the bind fails, hint on LDAP_USERNAME and LDAP_PASSWORD', async () => {
    const wrong = 'not-the-bot-secret';
    const { text, json, report } = await both({ ...good, LDAP_PASSWORD: wrong });
    assert.equal(text.exitCode, 1);
    const step = onlyFailure(report, 'service-bind');
    assert.equal(step.details?.resultCode, 49);
    assert.deepEqual(step.variables, ['LDAP_USERNAME', 'LDAP_PASSWORD']);
    assert.equal(stepOf(report.steps, 'search').status, 'skip');
    const { line, hint } = lineOf(text.stdout, '✗ service account bind');
    assert.match(line, /invalidCredentials \(49\)/);
    assert.match(hint, /check LDAP_USERNAME and LDAP_PASSWORD/);
    assert.ok(!text.stdout.includes(wrong) && !json.stdout.includes(wrong));
  });

  it('untrusted certificate: TLS fails, shows the certificate, hint on LDAP_TLS_CA_FILE', async () => {
    for (const ca of ['', pki.otherCaCert]) {
      const { text, report } = await both({ ...good, LDAP_TLS_CA_FILE: ca });
      assert.equal(text.exitCode, 1);
      const step = onlyFailure(report, 'tls');
      assert.deepEqual(step.variables, ['LDAP_TLS_CA_FILE']);
      assert.equal(step.details?.subject, 'localhost');
      assert.equal(stepOf(report.steps, 'service-bind').status, 'skip');
      const { line, hint } = lineOf(text.stdout, '✗ TLS');
      assert.match(line, /certificate refused: certificate verification failed/);
      assert.match(line, /it presents CN=localhost, issued by ldap-token-auth test ca/);
      assert.match(hint, /not signed by a CA this service trusts: set LDAP_TLS_CA_FILE/);
      if (ca) assert.match(hint, /the file given does not hold it/);
    }
  });

  it('StartTLS on ldap://: the certificate is checked the same way', async () => {
    const env = { ...good, LDAP_AUTH_SERVER: slapd.url, LDAP_STARTTLS: 'true' };
    const { text, report } = await both(env, ['--user', 'alice']);
    assert.equal(text.exitCode, 0, text.stdout);
    assert.match(lineOf(text.stdout, '✓ TLS').line, /StartTLS handshake; certificate CN=localhost/);
    assert.equal(report.ok, true);
    const untrusted = await both({ ...env, LDAP_TLS_CA_FILE: pki.otherCaCert });
    const step = onlyFailure(untrusted.report, 'tls');
    assert.deepEqual(step.variables, ['LDAP_TLS_CA_FILE']);
  });

  it('clear ldap:// on this machine: TLS skipped with a warning, the rest passes', async () => {
    const env = { ...good, LDAP_AUTH_SERVER: slapd.url, LDAP_TLS_CA_FILE: '' };
    const { text, report } = await both(env);
    assert.equal(text.exitCode, 0, text.stdout);
    assert.equal(stepOf(report.steps, 'tls').status, 'skip');
    assert.match(
      text.stdout,
      /– TLS ldap:\/\/127\.0\.0\.1:\d+: no TLS: ldap:\/\/ without StartTLS carries passwords in clear text/,
    );
  });

  it('a certificate for another name: hint on LDAP_TLS_SERVERNAME', async () => {
    const env = { ...good, LDAP_TLS_SERVERNAME: 'ldap.example.org' };
    const { report } = await both(env);
    const step = onlyFailure(report, 'tls');
    assert.deepEqual(step.variables, ['LDAP_AUTH_SERVER', 'LDAP_TLS_SERVERNAME']);
    assert.match(step.hint!, /the certificate is for IP Address:127.0.0.1, DNS:localhost/);
  });

  it('user not found: the user step fails, hint on the search criteria and base', async () => {
    const { text, report } = await both(good, ['--user', 'nobody']);
    assert.equal(text.exitCode, 1);
    const step = onlyFailure(report, 'user');
    assert.equal(step.details?.filter, '(uid=nobody)');
    assert.ok(step.variables?.includes('LDAP_SEARCH_CRITERIA'));
    const { line, hint } = lineOf(text.stdout, '✗ user nobody');
    assert.match(line, /no entry matches \(uid=nobody\) under ou=people,dc=example,dc=org/);
    assert.match(hint, /LDAP_SEARCH_CRITERIA, now uid/);
  });

  it('anonymous search refused: hint to configure a service account', async () => {
    const { report } = await both({ ...good, LDAP_USERNAME: '', LDAP_PASSWORD: '' });
    assert.equal(stepOf(report.steps, 'service-bind').status, 'skip');
    const step = onlyFailure(report, 'search');
    assert.equal(step.details?.resultCode, 50);
    assert.deepEqual(step.variables, ['LDAP_USERNAME', 'LDAP_PASSWORD']);
  });

  it('bad usage and bad configuration: exit code 2', async () => {
    const usage = await check(good, ['--frobnicate']);
    assert.equal(usage.exitCode, 2);
    assert.match(usage.stderr, /Usage: ldap-token-auth check/);
    const prompt = await check(good, ['--password-prompt']);
    assert.equal(prompt.exitCode, 2);
    const missing = await check({ ...good, LDAP_TOP_DN: '' }, ['--json']);
    assert.equal(missing.exitCode, 2);
    const body = JSON.parse(missing.stdout) as { ok: boolean; variable: string };
    assert.deepEqual([body.ok, body.variable], [false, 'LDAP_TOP_DN']);
    const text = await check({ ...good, LDAP_TOP_DN: '' });
    assert.match(text.stdout, /✗ configuration: LDAP_TOP_DN must be set/);
  });
});

it('check --help describes every step and the exit codes', async () => {
  const help = await runCommand(process.execPath, [...CLI, 'check', '--help'], { cwd: ROOT });
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /--password-prompt/);
  assert.match(
    help.stdout,
    /Exit codes: 0 no step failed \(warnings allowed\), 1 a step failed, 2 bad usage/,
  );
  assert.match(help.stdout, /groups .*LDAP_GROUP_STRATEGY search, nested or inChain/);
});
