// `ldap-token-auth check --user` says why a required group would refuse the user, against a real
// slapd WITHOUT the memberof overlay: with the default memberOf strategy, that the entry has no
// memberOf (and what to set); with a group search, the groups found and the one required.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { TOP_DN } from '../helpers/conformance-fixtures.js';
import { runCommand } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Step {
  step: string;
  status: 'pass' | 'fail' | 'skip';
  summary: string;
  hint?: string;
  details?: Record<string, unknown>;
}

/** Every variable the CLI reads is set ('' counts as unset): nothing leaks in from the machine. */
function cliEnv(values: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  return { ...env, ...values };
}

describe('check --user and a required group, against slapd without the memberof overlay', () => {
  let slapd: SlapdServer;
  let env: Record<string, string>;
  before(async () => {
    slapd = await startSlapd();
    env = {
      SECRET_KEY: 'check-groups-secret-of-more-than-32-bytes-01',
      LDAP_AUTH_SERVER: slapd.url,
      LDAP_TOP_DN: TOP_DN,
      LDAP_TIMEOUT_MS: '10000',
    };
  });
  after(async () => {
    await slapd?.stop();
  });

  /** `check --user <username>`: its exit code, text or JSON output, and the user step. */
  async function checkUser(extra: Record<string, string>, username: string, json: boolean) {
    const run = await runCommand(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'check',
        '--user',
        username,
        ...(json ? ['--json'] : []),
      ],
      { cwd: ROOT, env: cliEnv({ ...env, ...extra }) },
    );
    const steps = json ? (JSON.parse(run.stdout) as { steps: Step[] }).steps : [];
    const user = steps.find((step) => step.step === 'user');
    const configuration = steps.find((step) => step.step === 'configuration');
    return { exitCode: run.exitCode, stdout: run.stdout, user, configuration };
  }

  it('memberOf strategy: "no memberOf on the entry", with the strategy to set', async () => {
    // alice IS in admins (a groupOfNames), but nothing maintains her memberOf; the group base
    // set beside the default strategy (a common half-done configuration) does nothing.
    const env = {
      LDAP_REQUIRED_GROUP: 'admins',
      LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
    };
    const [text, json] = await Promise.all([
      checkUser(env, 'alice', false),
      checkUser(env, 'alice', true),
    ]);
    assert.match(
      text.stdout,
      /✓ configuration: .*\n +warning: LDAP_GROUP_BASE_DN is set but does nothing: the memberOf strategy/,
    );
    assert.deepEqual(
      ((json.configuration?.details?.ignored ?? []) as { variable: string }[]).map(
        (setting) => setting.variable,
      ),
      ['LDAP_GROUP_BASE_DN'],
    );
    assert.deepEqual([text.exitCode, json.exitCode], [1, 1]);
    assert.match(text.stdout, /✗ user alice: .*a login would get a 403; no memberOf on the entry/);
    assert.equal(json.user?.status, 'fail');
    assert.match(json.user?.summary ?? '', /403; no memberOf on the entry$/);
    assert.match(json.user?.hint ?? '', /memberof overlay.*LDAP_GROUP_STRATEGY=search/);
    assert.equal(json.user?.details?.missingAttribute, 'memberOf');
  });

  it('search strategy: the groups found and the one required', async () => {
    const searched = {
      LDAP_GROUP_STRATEGY: 'search',
      LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
    };
    const [other, none] = await Promise.all([
      checkUser({ ...searched, LDAP_REQUIRED_GROUP: 'auditors' }, 'alice', true),
      checkUser({ ...searched, LDAP_REQUIRED_GROUP: 'admins' }, 'bob', true),
    ]);
    assert.match(other.user?.summary ?? '', /403; groups found: admins; required: auditors$/);
    assert.deepEqual(other.user?.details?.groupsFound, ['admins']);
    assert.equal(other.user?.details?.missingAttribute, undefined);
    assert.match(none.user?.summary ?? '', /403; groups found: none; required: admins$/);
  });
});
