// Settings that do nothing with the rest of the configuration are told once, at createAuth, each
// with the variable to look at; settings left to their defaults never are.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { fromEnv } from '../../src/options/from-env.js';
import { ignoredSettings } from '../../src/options/ignored-settings.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import type { Logger } from '../../src/shared/logger.js';

const BASE: AuthOptions = {
  secretKey: 'ignored-settings-secret-0123456789abcdef',
  ldap: { url: 'ldap://127.0.0.1:1', topDn: 'ou=people,dc=example,dc=org' },
};

const ignoredOf = (options: Partial<AuthOptions>) =>
  ignoredSettings({ ...BASE, ...options }).map((setting) => setting.option);

describe('ignoredSettings', () => {
  it('the defaults, and every group setting its strategy reads, ignore nothing', () => {
    assert.deepEqual(ignoredOf({}), []);
    assert.deepEqual(
      ignoredOf({
        groups: {
          strategy: 'nested',
          baseDn: 'ou=groups,dc=example,dc=org',
          filter: '(member={dn})',
          maxDepth: 3,
          timeBudgetMs: 1000,
          nameAttribute: 'cn',
          maxInToken: 10,
          required: 'admins',
        },
      }),
      [],
    );
  });

  it('memberOf (the default) ignores a group base DN and filter, and says which strategy reads them', () => {
    const [baseDn, filter] = ignoredSettings({
      ...BASE,
      groups: { baseDn: 'ou=groups,dc=example,dc=org', filter: '(member={dn})' },
    });
    assert.equal(baseDn?.option, 'groups.baseDn');
    assert.equal(baseDn?.variable, 'LDAP_GROUP_BASE_DN');
    assert.match(
      baseDn?.reason ?? '',
      /memberOf strategy reads the groups from the user's own entry/,
    );
    assert.match(baseDn?.reason ?? '', /LDAP_GROUP_STRATEGY=search/);
    assert.equal(filter?.variable, 'LDAP_GROUP_FILTER');
  });

  it('each strategy ignores what it does not read', () => {
    const groups = {
      baseDn: 'ou=groups,dc=example,dc=org',
      filter: '(member={dn})',
      maxDepth: 3,
      timeBudgetMs: 1000,
      nameAttribute: 'cn',
      maxInToken: 10,
    };
    const of = (strategy: NonNullable<AuthOptions['groups']>['strategy']) =>
      ignoredOf({ groups: { ...groups, strategy } });
    assert.deepEqual(of('none'), [
      'groups.baseDn',
      'groups.filter',
      'groups.maxDepth',
      'groups.timeBudgetMs',
      'groups.nameAttribute',
      'groups.maxInToken',
    ]);
    assert.deepEqual(of('memberOf'), ['groups.baseDn', 'groups.filter', 'groups.maxDepth']);
    assert.deepEqual(of('search'), ['groups.maxDepth', 'groups.timeBudgetMs']);
    assert.deepEqual(of('inChain'), ['groups.filter', 'groups.maxDepth', 'groups.timeBudgetMs']);
    assert.deepEqual(of('nested'), []);
  });

  it('limits with the limiter off, and a store failure mode without Redis', () => {
    assert.deepEqual(
      ignoredOf({
        loginLimits: { enabled: false, perUsername: { failures: 3 } },
        storeFailure: 'open',
      }),
      ['loginLimits.perUsername.failures', 'storeFailure'],
    );
    assert.deepEqual(
      ignoredOf({
        loginLimits: { perUsername: { failures: 3 } },
        storeFailure: 'open',
        redis: { url: 'redis://127.0.0.1:1' },
      }),
      [],
    );
  });

  it('reads what fromEnv sets: LDAP_GROUP_BASE_DN alone is reported', () => {
    const options = fromEnv({
      SECRET_KEY: 'ignored-settings-secret-0123456789abcdef',
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
      LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
    });
    assert.deepEqual(
      ignoredSettings(options).map((setting) => setting.variable),
      ['LDAP_GROUP_BASE_DN'],
    );
  });
});

describe('createAuth and ignored settings', () => {
  it('logs one warning per ignored setting, once, through the configured logger', async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const ignore = () => undefined;
    const logger: Logger = {
      debug: ignore,
      info: ignore,
      error: ignore,
      warn: (fields, message) => warnings.push({ fields, message }),
    };
    const auth = createAuth({
      ...BASE,
      logger,
      groups: { strategy: 'none', baseDn: 'ou=groups,dc=example,dc=org' },
    });
    await auth.close();
    const ignored = warnings.filter((warning) => warning.fields.event === 'setting_ignored');
    assert.equal(ignored.length, 1);
    assert.deepEqual(ignored[0]?.fields, {
      event: 'setting_ignored',
      option: 'groups.baseDn',
      variable: 'LDAP_GROUP_BASE_DN',
    });
    assert.match(
      ignored[0]?.message ?? '',
      /^LDAP_GROUP_BASE_DN \(groups\.baseDn\) is set but does nothing: the none strategy reads no groups/,
    );
  });
});
