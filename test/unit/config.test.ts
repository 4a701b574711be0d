import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/errors.js';
import { PRESETS } from '../../src/ldap/presets.js';
import { type AuthOptions, resolveOptions } from '../../src/options/resolve.js';

const TOP_DN = 'ou=people,dc=example,dc=org';

function minimal(): AuthOptions {
  return {
    secretKey: 'a-secret-of-at-least-32-bytes-0123456789',
    ldap: { url: 'ldaps://ldap.example.org', topDn: TOP_DN },
  };
}

/** Every object reachable from `value`, except the key bytes. */
function objects(value: object, path = '(root)'): [string, object][] {
  const found: [string, object][] = [[path, value]];
  for (const [key, child] of Object.entries(value)) {
    if (child && typeof child === 'object' && !(child instanceof Uint8Array)) {
      found.push(...objects(child, `${path}.${key}`));
    }
  }
  return found;
}

function refused(options: unknown, option: string): ConfigurationError {
  let caught: unknown;
  try {
    resolveOptions(options as AuthOptions);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigurationError, `expected ConfigurationError for ${option}`);
  assert.equal(caught.option, option);
  assert.equal(caught.variable, undefined);
  assert.ok(caught.message.includes(option), caught.message);
  assert.ok(caught.detail.length > 0);
  return caught;
}

describe('resolveOptions', () => {
  it('fills every default', () => {
    const resolved = resolveOptions(minimal());
    assert.deepEqual(
      resolved.secretKey,
      new TextEncoder().encode('a-secret-of-at-least-32-bytes-0123456789'),
    );
    assert.deepEqual(
      { ...resolved.ldap },
      {
        url: 'ldaps://ldap.example.org',
        servers: [
          { url: 'ldaps://ldap.example.org', secure: true, host: 'ldap.example.org', port: 636 },
        ],
        topDn: TOP_DN,
        scope: 'sub',
        serviceAccount: undefined,
        timeoutMs: 5000,
        connectTimeoutMs: 3000,
        poolSize: 4,
        idleTimeoutMs: 300_000,
        requireTls: true,
        tls: {
          startTls: false,
          ca: undefined,
          cert: undefined,
          key: undefined,
          rejectUnauthorized: true,
          servername: undefined,
        },
        preset: PRESETS.openldap,
      },
    );
    assert.deepEqual(resolved.token, {
      defaultDuration: 3600,
      maxDuration: 86_400,
      verifyCacheSize: 10_000,
      algorithm: 'HS256',
      verificationKeys: [],
      clockToleranceSeconds: 0,
      maxSessionSeconds: 43_200,
    });
    assert.deepEqual(resolved.searchCriteria, { default: 'uid', allowed: ['uid', 'cn', 'mail'] });
    assert.deepEqual(resolved.passwordPolicy, { revealReason: 'verified', control: 'auto' });
    assert.deepEqual(Object.keys(resolved).sort(), [
      'browser',
      'groups',
      'ldap',
      'loginLimits',
      'passwordPolicy',
      'revocation',
      'searchCriteria',
      'secretKey',
      'storeFailure',
      'token',
      'trustedProxies',
      'user',
    ]);
  });

  it('keeps the values it is given', () => {
    const resolved = resolveOptions({
      secretKey: 'k'.repeat(32),
      ldap: {
        url: 'LDAPS://dc1.example.org:636',
        topDn: TOP_DN,
        scope: 'one',
        timeoutMs: 100,
        connectTimeoutMs: 50,
        poolSize: 256,
      },
      token: { defaultDuration: 60, maxDuration: 60, verifyCacheSize: 0, maxSessionSeconds: 120 },
      searchCriteria: { default: 'mail', allowed: ['sAMAccountName'] },
    });
    assert.equal(resolved.ldap.url, 'LDAPS://dc1.example.org:636');
    assert.equal(resolved.ldap.scope, 'one');
    assert.equal(resolved.ldap.timeoutMs, 100);
    assert.equal(resolved.ldap.connectTimeoutMs, 50);
    assert.equal(resolved.ldap.poolSize, 256);
    assert.deepEqual(resolved.token, {
      defaultDuration: 60,
      maxDuration: 60,
      verifyCacheSize: 0,
      algorithm: 'HS256',
      verificationKeys: [],
      clockToleranceSeconds: 0,
      maxSessionSeconds: 120,
    });
    // The default criteria is always allowed, first.
    assert.deepEqual(resolved.searchCriteria, {
      default: 'mail',
      allowed: ['mail', 'sAMAccountName'],
    });
  });

  it('does not repeat the default criteria in the allow-list', () => {
    const resolved = resolveOptions({ ...minimal(), searchCriteria: { allowed: ['cn', 'uid'] } });
    assert.deepEqual(resolved.searchCriteria.allowed, ['uid', 'cn']);
  });

  it('encodes a string key as UTF-8 and copies a byte key', () => {
    const key = `${'k'.repeat(30)}clé`;
    assert.deepEqual(
      [...resolveOptions({ ...minimal(), secretKey: key }).secretKey].slice(-4),
      [0x63, 0x6c, 0xc3, 0xa9],
    );
    const bytes = new Uint8Array(32).map((_, index) => index + 1);
    const resolved = resolveOptions({ ...minimal(), secretKey: bytes });
    const copy = [...bytes];
    assert.deepEqual([...resolved.secretKey], copy);
    bytes[0] = 99;
    assert.deepEqual([...resolved.secretKey], copy);
    assert.notEqual(resolved.secretKey, bytes);
  });

  it('freezes the result all the way down', () => {
    const resolved = resolveOptions({
      ...minimal(),
      ldap: { ...minimal().ldap, serviceAccount: { username: 'svc', password: 'pw' } },
    });
    const all = objects(resolved);
    assert.ok(all.length >= 6, String(all.length));
    for (const [path, object] of all) assert.ok(Object.isFrozen(object), path);
    assert.throws(() => {
      (resolved.token as { maxDuration: number }).maxDuration = 1;
    }, TypeError);
    assert.throws(() => {
      (resolved.searchCriteria.allowed as string[]).push('sn');
    }, TypeError);
    assert.equal(resolved.token.maxDuration, 86_400);
  });

  it("never writes to the caller's object, nor shares its parts", () => {
    const options = {
      secretKey: 'a-secret-of-at-least-32-bytes-0123456789',
      ldap: {
        url: 'ldaps://ldap.example.org',
        topDn: TOP_DN,
        serviceAccount: { username: 'svc', password: 'pw' },
      },
      searchCriteria: { allowed: ['cn'] },
      token: { maxDuration: 7200 },
    };
    const before = structuredClone(options);
    const resolved = resolveOptions(options);
    assert.deepEqual(options, before);
    for (const [path, object] of objects(options)) assert.ok(!Object.isFrozen(object), path);
    options.searchCriteria.allowed.push('sn');
    options.token.maxDuration = 1;
    assert.deepEqual(resolved.searchCriteria.allowed, ['uid', 'cn']);
    assert.equal(resolved.token.maxDuration, 7200);
    assert.equal(resolved.token.defaultDuration, 3600);
  });

  it('does not keep the logger or clock in the resolved options', () => {
    const resolved = resolveOptions({ ...minimal(), now: () => 0, logger: console as never });
    assert.deepEqual(Object.keys(resolved).sort(), [
      'browser',
      'groups',
      'ldap',
      'loginLimits',
      'passwordPolicy',
      'revocation',
      'searchCriteria',
      'secretKey',
      'storeFailure',
      'token',
      'trustedProxies',
      'user',
    ]);
  });

  describe('service account', () => {
    function dn(username: string, criteria?: string): string | undefined {
      return resolveOptions({
        ...minimal(),
        ldap: { ...minimal().ldap, serviceAccount: { username, password: 'pw' } },
        ...(criteria ? { searchCriteria: { default: criteria } } : {}),
      }).ldap.serviceAccount?.dn;
    }

    it('expands a bare name to <default criteria>=<escaped name>,<topDn>', () => {
      assert.equal(dn('svc'), `uid=svc,${TOP_DN}`);
      assert.equal(dn('svc,admin'), `uid=svc\\,admin,${TOP_DN}`);
      assert.equal(dn(' svc+x '), `uid=\\ svc\\+x\\ ,${TOP_DN}`);
      assert.equal(dn('#svc'), `uid=\\#svc,${TOP_DN}`);
      assert.equal(dn('svc', 'cn'), `cn=svc,${TOP_DN}`);
    });

    it('keeps a DN as it is', () => {
      assert.equal(dn('cn=admin,dc=example,dc=org'), 'cn=admin,dc=example,dc=org');
      assert.equal(dn('cn=admin,dc=example,dc=org', 'mail'), 'cn=admin,dc=example,dc=org');
    });

    it('keeps the password and drops the username', () => {
      const account = resolveOptions({
        ...minimal(),
        ldap: { ...minimal().ldap, serviceAccount: { username: 'svc', password: ' p w ' } },
      }).ldap.serviceAccount;
      assert.deepEqual({ ...account }, { dn: `uid=svc,${TOP_DN}`, password: ' p w ' });
    });
  });

  describe('refuses invalid options, naming them', () => {
    const ldap = minimal().ldap;

    it('a missing or empty secret key', () => {
      refused({ ldap }, 'secretKey');
      refused({ ldap, secretKey: '' }, 'secretKey');
      refused({ ldap, secretKey: new Uint8Array(0) }, 'secretKey');
      refused({ ldap, secretKey: 42 }, 'secretKey');
    });

    it('an HS256 secret shorter than 32 bytes (as UTF-8), saying how long and how to make one', () => {
      for (const secretKey of [
        'hunter2',
        'k'.repeat(31),
        `${'k'.repeat(29)}é`,
        new Uint8Array(31),
      ]) {
        const error = refused({ ldap, secretKey }, 'secretKey');
        assert.match(error.message, /at least 32 bytes, not (7|31)\b/);
        assert.match(error.message, /openssl rand -base64 48/);
        if (typeof secretKey === 'string') {
          assert.equal(error.message.includes(secretKey), false, 'the secret is not repeated');
        }
      }
      // 30 characters, 32 bytes: the length that counts is the key's, in bytes.
      assert.equal(resolveOptions({ ldap, secretKey: `${'k'.repeat(28)}éé` }).secretKey.length, 32);
      assert.equal(resolveOptions({ ldap, secretKey: new Uint8Array(32) }).secretKey.length, 32);
    });

    it('a URL that is not ldap:// or ldaps://', () => {
      for (const url of [
        'http://ldap.example.org',
        'ldap://',
        'ldap://a b',
        'ldap.example.org',
        '',
      ]) {
        refused({ ...minimal(), ldap: { ...ldap, url } }, 'ldap.url');
      }
      refused({ secretKey: 'k'.repeat(32), ldap: { topDn: TOP_DN } }, 'ldap.url');
    });

    it('a missing or empty top DN', () => {
      refused({ ...minimal(), ldap: { ...ldap, topDn: '' } }, 'ldap.topDn');
      refused({ secretKey: 'k'.repeat(32), ldap: { url: ldap.url } }, 'ldap.topDn');
    });

    it('a missing ldap section', () => {
      refused({ secretKey: 'k'.repeat(32) }, 'ldap');
    });

    it('a bad scope, timeout or pool size', () => {
      refused({ ...minimal(), ldap: { ...ldap, scope: 'subtree' } }, 'ldap.scope');
      refused({ ...minimal(), ldap: { ...ldap, timeoutMs: 0 } }, 'ldap.timeoutMs');
      refused({ ...minimal(), ldap: { ...ldap, connectTimeoutMs: 1.5 } }, 'ldap.connectTimeoutMs');
      refused({ ...minimal(), ldap: { ...ldap, poolSize: 0 } }, 'ldap.poolSize');
      refused({ ...minimal(), ldap: { ...ldap, poolSize: 257 } }, 'ldap.poolSize');
    });

    it('a service account without a username or password', () => {
      const account = (serviceAccount: unknown) => ({
        ...minimal(),
        ldap: { ...ldap, serviceAccount },
      });
      refused(account({ username: 'svc', password: '' }), 'ldap.serviceAccount.password');
      refused(account({ username: '', password: 'pw' }), 'ldap.serviceAccount.username');
      refused(account({ username: 'svc' }), 'ldap.serviceAccount.password');
    });

    it('search criteria that are not attribute names', () => {
      refused({ ...minimal(), searchCriteria: { default: 'u id' } }, 'searchCriteria.default');
      refused({ ...minimal(), searchCriteria: { default: 'uid)(x=*' } }, 'searchCriteria.default');
      refused(
        { ...minimal(), searchCriteria: { allowed: ['uid', 'c*n'] } },
        'searchCriteria.allowed.1',
      );
      refused({ ...minimal(), searchCriteria: { allowed: [] } }, 'searchCriteria.allowed');
    });

    it('durations that are not positive whole numbers', () => {
      for (const value of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '60']) {
        refused({ ...minimal(), token: { defaultDuration: value } }, 'token.defaultDuration');
        refused({ ...minimal(), token: { maxDuration: value } }, 'token.maxDuration');
      }
    });

    it('a session without an end: no 0, negative or fractional maximum age', () => {
      for (const maxSessionSeconds of [0, -1, 1.5, Number.POSITIVE_INFINITY]) {
        refused({ ...minimal(), token: { maxSessionSeconds } }, 'token.maxSessionSeconds');
      }
      // Shorter than the tokens is allowed: tokens are then cut at the session's end.
      const short = resolveOptions({ ...minimal(), token: { maxSessionSeconds: 600 } });
      assert.equal(short.token.maxSessionSeconds, 600);
    });

    it('a default duration above the maximum', () => {
      const error = refused(
        { ...minimal(), token: { defaultDuration: 7200, maxDuration: 3600 } },
        'token.defaultDuration',
      );
      assert.equal(error.detail, 'defaultDuration must not exceed maxDuration');
      refused({ ...minimal(), token: { defaultDuration: 86_401 } }, 'token.defaultDuration');
      refused({ ...minimal(), token: { maxDuration: 3599 } }, 'token.defaultDuration');
    });
  });
});
