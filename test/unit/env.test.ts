import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { ConfigurationError } from '../../src/errors.js';
import { ENVIRONMENT, fromEnv } from '../../src/options/from-env.js';

const REQUIRED = {
  SECRET_KEY: 'a-secret-of-at-least-32-bytes-0123456789',
  LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
  LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
} as const;

function refused(env: Record<string, string | undefined>, variable: string): ConfigurationError {
  let caught: unknown;
  try {
    fromEnv(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigurationError, `expected ConfigurationError for ${variable}`);
  assert.equal(caught.variable, variable, caught.message);
  assert.ok(caught.message.includes(variable), caught.message);
  return caught;
}

describe('fromEnv', () => {
  it('reads the three required variables into options, nothing more', () => {
    assert.deepEqual(fromEnv({ ...REQUIRED }), {
      secretKey: 'a-secret-of-at-least-32-bytes-0123456789',
      ldap: { url: 'ldap://127.0.0.1:1', topDn: 'ou=people,dc=example,dc=org' },
    });
  });

  it('reads every optional variable, converting numbers and lists', () => {
    assert.deepEqual(
      fromEnv({
        ...REQUIRED,
        LDAP_USERNAME: 'svc',
        LDAP_PASSWORD: 'pw',
        LDAP_SEARCH_SCOPE: 'one',
        LDAP_SEARCH_CRITERIA: 'mail',
        LDAP_ALLOWED_SEARCH_CRITERIA: ' mail , cn,,sAMAccountName, ',
        LDAP_TIMEOUT_MS: '1500',
        LDAP_CONNECT_TIMEOUT_MS: '700',
        LDAP_POOL_SIZE: '8',
        TOKEN_DEFAULT_DURATION: '600',
        TOKEN_MAX_DURATION: '7200',
        UNRELATED: 'x',
      }),
      {
        secretKey: 'a-secret-of-at-least-32-bytes-0123456789',
        ldap: {
          url: 'ldap://127.0.0.1:1',
          topDn: 'ou=people,dc=example,dc=org',
          serviceAccount: { username: 'svc', password: 'pw' },
          scope: 'one',
          timeoutMs: 1500,
          connectTimeoutMs: 700,
          poolSize: 8,
        },
        searchCriteria: { default: 'mail', allowed: ['mail', 'cn', 'sAMAccountName'] },
        token: { defaultDuration: 600, maxDuration: 7200 },
      },
    );
  });

  it('treats empty and blank variables as unset', () => {
    assert.deepEqual(fromEnv({ ...REQUIRED, LDAP_POOL_SIZE: '', TOKEN_MAX_DURATION: '  ' }), {
      secretKey: REQUIRED.SECRET_KEY,
      ldap: { url: REQUIRED.LDAP_AUTH_SERVER, topDn: REQUIRED.LDAP_TOP_DN },
    });
  });

  it('names each missing required variable', () => {
    for (const name of Object.keys(REQUIRED) as (keyof typeof REQUIRED)[]) {
      refused({ ...REQUIRED, [name]: undefined }, name);
      refused({ ...REQUIRED, [name]: '' }, name);
      refused({ ...REQUIRED, [name]: ' \t' }, name);
    }
    refused({}, 'SECRET_KEY');
  });

  it('lists the required variables as required in ENVIRONMENT', () => {
    assert.deepEqual(
      ENVIRONMENT.filter((variable) => variable.required).map((variable) => variable.name),
      ['SECRET_KEY', 'LDAP_AUTH_SERVER', 'LDAP_TOP_DN'],
    );
  });

  it('names a number variable that is not a whole number', () => {
    for (const value of ['abc', '1e3', '-5', '3.5', '0x10', '10s']) {
      refused({ ...REQUIRED, TOKEN_MAX_DURATION: value }, 'TOKEN_MAX_DURATION');
      refused({ ...REQUIRED, LDAP_POOL_SIZE: value }, 'LDAP_POOL_SIZE');
    }
  });

  it('names a number variable that is out of range', () => {
    refused({ ...REQUIRED, TOKEN_MAX_DURATION: '0' }, 'TOKEN_MAX_DURATION');
    refused({ ...REQUIRED, TOKEN_DEFAULT_DURATION: '0' }, 'TOKEN_DEFAULT_DURATION');
    refused({ ...REQUIRED, LDAP_POOL_SIZE: '1000' }, 'LDAP_POOL_SIZE');
    refused({ ...REQUIRED, LDAP_TIMEOUT_MS: '0' }, 'LDAP_TIMEOUT_MS');
  });

  it('names a duration variable when the default exceeds the maximum', {}, () => {
    let caught: unknown;
    try {
      fromEnv({ ...REQUIRED, TOKEN_DEFAULT_DURATION: '100000' });
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof ConfigurationError);
    assert.ok(
      caught.variable === 'TOKEN_DEFAULT_DURATION' || caught.variable === 'TOKEN_MAX_DURATION',
      `variable is ${String(caught.variable)}: ${caught.message}`,
    );
  });

  it('names the missing half of the service account', () => {
    refused({ ...REQUIRED, LDAP_USERNAME: 'svc' }, 'LDAP_PASSWORD');
    refused({ ...REQUIRED, LDAP_USERNAME: 'svc', LDAP_PASSWORD: '  ' }, 'LDAP_PASSWORD');
    refused({ ...REQUIRED, LDAP_PASSWORD: 'pw' }, 'LDAP_USERNAME');
  });

  it('names an invalid LDAP_AUTH_SERVER, scope or criteria', () => {
    for (const url of ['http://ldap.example.org', 'ldap.example.org', 'ldap://a b']) {
      refused({ ...REQUIRED, LDAP_AUTH_SERVER: url }, 'LDAP_AUTH_SERVER');
    }
    refused({ ...REQUIRED, LDAP_SEARCH_SCOPE: 'subtree' }, 'LDAP_SEARCH_SCOPE');
    refused({ ...REQUIRED, LDAP_SEARCH_CRITERIA: 'u id' }, 'LDAP_SEARCH_CRITERIA');
    refused(
      { ...REQUIRED, LDAP_ALLOWED_SEARCH_CRITERIA: 'uid,c*n' },
      'LDAP_ALLOWED_SEARCH_CRITERIA',
    );
    refused({ ...REQUIRED, LDAP_ALLOWED_SEARCH_CRITERIA: ' , ,' }, 'LDAP_ALLOWED_SEARCH_CRITERIA');
  });

  it('reads LDAP_REVEAL_ACCOUNT_STATE, refusing other values', () => {
    for (const value of ['never', 'verified', 'always'] as const) {
      assert.deepEqual(fromEnv({ ...REQUIRED, LDAP_REVEAL_ACCOUNT_STATE: value }).passwordPolicy, {
        revealReason: value,
      });
    }
    refused({ ...REQUIRED, LDAP_REVEAL_ACCOUNT_STATE: 'yes' }, 'LDAP_REVEAL_ACCOUNT_STATE');
  });

  it('reads LDAP_PASSWORD_POLICY_CONTROL, refusing other values', () => {
    for (const value of ['auto', 'always', 'never'] as const) {
      const options = fromEnv({ ...REQUIRED, LDAP_PASSWORD_POLICY_CONTROL: value });
      assert.deepEqual(options.passwordPolicy, { control: value });
    }
    refused({ ...REQUIRED, LDAP_PASSWORD_POLICY_CONTROL: 'on' }, 'LDAP_PASSWORD_POLICY_CONTROL');
  });

  it('does not put a secret into its error messages', () => {
    const error = refused(
      { ...REQUIRED, LDAP_USERNAME: 'svc', LDAP_AUTH_SERVER: 'http://x' },
      'LDAP_PASSWORD',
    );
    assert.ok(!error.message.includes(REQUIRED.SECRET_KEY));
    const invalid = refused({ ...REQUIRED, TOKEN_MAX_DURATION: '0' }, 'TOKEN_MAX_DURATION');
    assert.ok(!invalid.message.includes(REQUIRED.SECRET_KEY));
  });

  it('returns options createAuth accepts, resolved as the variables say', async () => {
    const auth = createAuth(
      fromEnv({
        ...REQUIRED,
        LDAP_USERNAME: 'svc,one',
        LDAP_PASSWORD: 'pw',
        LDAP_SEARCH_CRITERIA: 'cn',
        LDAP_ALLOWED_SEARCH_CRITERIA: 'mail',
        TOKEN_MAX_DURATION: '7200',
      }),
    );
    try {
      assert.equal(
        auth.options.ldap.serviceAccount?.dn,
        'cn=svc\\,one,ou=people,dc=example,dc=org',
      );
      assert.deepEqual(auth.options.searchCriteria, { default: 'cn', allowed: ['cn', 'mail'] });
      assert.deepEqual(auth.options.token, {
        defaultDuration: 3600,
        maxDuration: 7200,
        verifyCacheSize: 10_000,
        algorithm: 'HS256',
        verificationKeys: [],
        clockToleranceSeconds: 0,
        maxSessionSeconds: 43_200,
      });
      assert.equal(auth.options.ldap.poolSize, 4);
    } finally {
      await auth.close();
    }
  });

  it('does not modify the environment it reads', () => {
    const env: Record<string, string> = {
      ...REQUIRED,
      LDAP_USERNAME: ' svc ',
      LDAP_PASSWORD: 'pw',
    };
    const before = { ...env };
    fromEnv(env);
    assert.deepEqual(env, before);
  });
});
