// Settings that do nothing, said by `ldap-token-auth serve` against a real slapd WITHOUT the
// memberof overlay: at start-up, LDAP_GROUP_BASE_DN with the default memberOf strategy; at the
// first login, that the entry has no memberOf (so LDAP_REQUIRED_GROUP refuses everyone), once.
// Against a slapd WITH the overlay, a user in no group raises no such warning.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createAuth } from '../../src/core/create-auth.js';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import type { Logger } from '../../src/shared/logger.js';
import { basic, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { groupOptions, startGroupDirectory } from '../helpers/group-directory.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, startProcess } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

/** The service's JSON log lines (stderr), complete lines only. */
function logLines(process_: ManagedProcess): Record<string, unknown>[] {
  const text = process_.stderr;
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('serve says which settings do nothing, against slapd without the memberof overlay', () => {
  let slapd: SlapdServer;
  let serve: ManagedProcess;
  let base: string;

  before(async () => {
    slapd = await startSlapd();
    const port = await freePort();
    serve = await startProcess({
      name: 'ldap-token-auth serve',
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'serve',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      cwd: ROOT,
      env: cliEnv({
        SECRET_KEY: 'setting-warnings-secret-of-more-than-32-bytes',
        LDAP_AUTH_SERVER: slapd.url,
        LDAP_TOP_DN: TOP_DN,
        LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
        LDAP_REQUIRED_GROUP: 'admins',
      }),
      ready: { port },
    });
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await serve?.stop();
    await slapd?.stop();
  });

  const login = async (username: string, password: string) => {
    const response = await fetch(`${base}/auth/request-token`, {
      method: 'POST',
      headers: { authorization: basic(username, password) },
    });
    await response.body?.cancel();
    return response.status;
  };
  const events = (name: string) => logLines(serve).filter((line) => line.event === name);

  it('at start-up: LDAP_GROUP_BASE_DN does nothing with the memberOf strategy', () => {
    const ignored = events('setting_ignored');
    assert.equal(ignored.length, 1, JSON.stringify(ignored));
    assert.equal(ignored[0]?.variable, 'LDAP_GROUP_BASE_DN');
    assert.equal(ignored[0]?.level, 'warn');
    assert.match(String(ignored[0]?.msg), /LDAP_GROUP_BASE_DN .*does nothing.*memberOf/);
  });

  it('at the first login: no memberOf on the entry, so the required group refuses; said once', async () => {
    assert.deepEqual(events('member_of_missing'), []);
    // alice IS a member of admins (groupOfNames), but nothing maintains her memberOf.
    assert.equal(await login('alice', USERS.alice.password), 403);
    assert.equal(await login('bob', USERS.bob.password), 403);
    // The log is written synchronously before the answer, but read through a pipe.
    for (let wait = 0; wait < 50 && events('member_of_missing').length === 0; wait++) {
      await sleep(20);
    }
    const missing = events('member_of_missing');
    assert.equal(missing.length, 1);
    assert.match(String(missing[0]?.msg), /LDAP_GROUP_STRATEGY=search/);
    assert.match(String(missing[0]?.msg), /memberof overlay/);
  });
});

describe('serve with two workers', () => {
  let slapd: SlapdServer;
  let serve: ManagedProcess;
  before(async () => {
    slapd = await startSlapd();
    const port = await freePort();
    serve = await startProcess({
      name: 'ldap-token-auth serve --workers 2',
      command: process.execPath,
      args: [
        ...['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port)],
        ...['--host', '127.0.0.1', '--workers', '2'],
      ],
      cwd: ROOT,
      env: cliEnv({
        SECRET_KEY: 'setting-warnings-secret-of-more-than-32-bytes',
        LDAP_AUTH_SERVER: slapd.url,
        LDAP_TOP_DN: TOP_DN,
        LDAP_GROUP_FILTER: '(member={dn})',
        // Several workers keep no store in memory (they would refuse to start without Redis):
        // this test is about the warnings, not the limits.
        LOGIN_LIMITS: 'false',
      }),
      ready: { port },
    });
  });
  after(async () => {
    await serve?.stop();
    await slapd?.stop();
  });

  it('warns once, from the primary, not again from each worker', async () => {
    const listening = () => logLines(serve).filter((line) => line.event === 'listening');
    for (let wait = 0; wait < 500 && listening().length < 2; wait++) await sleep(20);
    assert.equal(listening().length, 2, serve.stderr);
    const ignored = logLines(serve).filter((line) => line.event === 'setting_ignored');
    assert.deepEqual(
      ignored.map((line) => line.variable),
      ['LDAP_GROUP_FILTER'],
    );
  });
});

describe('the memberOf warning, against slapd with the memberof overlay', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startGroupDirectory();
  });
  after(async () => {
    await slapd?.stop();
  });

  it('is not raised once an entry has shown memberOf: a user in no group is just that', async () => {
    const warnings: string[] = [];
    const ignore = () => undefined;
    const logger: Logger = {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (fields) => warnings.push(String(fields.event)),
    };
    const auth = createAuth({ ...groupOptions(slapd.url), logger });
    try {
      const alice = await auth.requestToken(USERS.alice);
      assert.ok(alice.user.groups.includes('admins'));
      const jozef = await auth.requestToken(USERS.jozef);
      assert.deepEqual(jozef.user.groups, []);
      assert.ok(!warnings.includes('member_of_missing'), warnings.join(', '));
    } finally {
      await auth.close();
    }
  });
});
