// The directory options of issue 4: server lists, TLS, requireTls, idle timeout, presets; in code
// (resolveOptions) and from the environment (fromEnv).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigurationError } from '../../src/errors.js';
import { PRESETS } from '../../src/ldap/presets.js';
import { fromEnv } from '../../src/options/from-env.js';
import { type AuthOptions, type LdapOptions, resolveOptions } from '../../src/options/resolve.js';

const TOP_DN = 'ou=people,dc=example,dc=org';

function resolve(ldap: Partial<LdapOptions>, rest: Partial<AuthOptions> = {}) {
  return resolveOptions({
    secretKey: 'k'.repeat(32),
    ldap: { url: 'ldaps://dc1', topDn: TOP_DN, ...ldap },
    ...rest,
  });
}

function refused(ldap: Partial<LdapOptions>, option: string): ConfigurationError {
  try {
    resolve(ldap);
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.option, option, error.message);
    return error;
  }
  assert.fail(`expected a ConfigurationError for ${option}`);
}

const ENV = {
  SECRET_KEY: 'ldap-config-secret-0123456789abcdef',
  LDAP_AUTH_SERVER: 'ldaps://dc1',
  LDAP_TOP_DN: TOP_DN,
};

function refusedEnv(env: Record<string, string>, variable: string): ConfigurationError {
  try {
    fromEnv({ ...ENV, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.variable, variable, error.message);
    assert.ok(error.message.includes(variable), error.message);
    return error;
  }
  assert.fail(`expected a ConfigurationError naming ${variable}`);
}

describe('server lists', () => {
  it('takes several URLs separated by white space, or an array, in order', () => {
    const fromString = resolve({ url: ' ldaps://dc1   ldaps://dc2:1636 ' }).ldap;
    assert.equal(fromString.url, 'ldaps://dc1 ldaps://dc2:1636');
    assert.deepEqual(
      fromString.servers.map((server) => `${server.host}:${server.port}`),
      ['dc1:636', 'dc2:1636'],
    );
    const fromArray = resolve({ url: ['ldaps://dc1', 'ldaps://dc2'] }).ldap;
    assert.equal(fromArray.url, 'ldaps://dc1 ldaps://dc2');
    assert.equal(fromArray.servers.length, 2);
  });

  it('names ldap.url for a bad item or an empty list', () => {
    refused({ url: 'ldaps://dc1 http://dc2' }, 'ldap.url');
    refused({ url: '  ' }, 'ldap.url');
    refused({ url: [] }, 'ldap.url');
    refused({ url: ['ldaps://dc1', 'dc2'] }, 'ldap.url');
  });

  it('LDAP_AUTH_SERVER takes the list the same way', () => {
    const options = fromEnv({ ...ENV, LDAP_AUTH_SERVER: 'ldaps://dc1 ldaps://dc2' });
    assert.equal(resolveOptions(options).ldap.servers.length, 2);
    refusedEnv({ LDAP_AUTH_SERVER: 'ldaps://dc1 dc2' }, 'LDAP_AUTH_SERVER');
  });
});

describe('requireTls', () => {
  it('refuses ldap:// to another machine without StartTLS, saying how to fix it', () => {
    const error = refused({ url: 'ldap://dc1.example.org' }, 'ldap.url');
    assert.match(
      error.message,
      /clear text.*ldaps:\/\/.*LDAP_STARTTLS=true.*LDAP_REQUIRE_TLS=false/,
    );
    refused({ url: 'ldaps://dc1 ldap://dc2' }, 'ldap.url');
  });

  it('accepts ldaps://, StartTLS, or an explicit requireTls: false', () => {
    assert.equal(resolve({ url: 'ldaps://dc1' }).ldap.requireTls, true);
    const startTls = resolve({ url: 'ldap://dc1 ldaps://dc2', startTls: true }).ldap;
    assert.equal(startTls.tls.startTls, true);
    assert.equal(startTls.requireTls, true);
    assert.equal(resolve({ url: 'ldap://dc1', requireTls: false }).ldap.requireTls, false);
  });

  it('defaults to false when every server is on this machine, and can still be required there', () => {
    assert.equal(resolve({ url: 'ldap://127.0.0.1:389 ldap://localhost' }).ldap.requireTls, false);
    assert.equal(resolve({ url: 'ldap://[::1]:1389' }).ldap.requireTls, false);
    refused({ url: 'ldap://127.0.0.1:389', requireTls: true }, 'ldap.requireTls');
    assert.equal(
      resolve({ url: 'ldap://127.0.0.1', requireTls: true, startTls: true }).ldap.requireTls,
      true,
    );
  });

  it('LDAP_REQUIRE_TLS and LDAP_STARTTLS are booleans', () => {
    const options = fromEnv({ ...ENV, LDAP_AUTH_SERVER: 'ldap://dc1', LDAP_STARTTLS: 'yes' });
    assert.deepEqual(
      [options.ldap.startTls, resolveOptions(options).ldap.requireTls],
      [true, true],
    );
    assert.equal(
      fromEnv({ ...ENV, LDAP_AUTH_SERVER: 'ldap://dc1', LDAP_REQUIRE_TLS: 'false' }).ldap
        .requireTls,
      false,
    );
    for (const [raw, value] of [
      ['TRUE', true],
      ['1', true],
      ['on', true],
      ['No', false],
      ['0', false],
      ['off', false],
    ] as const) {
      assert.equal(fromEnv({ ...ENV, LDAP_STARTTLS: raw }).ldap.startTls, value, raw);
    }
    refusedEnv({ LDAP_STARTTLS: 'maybe' }, 'LDAP_STARTTLS');
    refusedEnv({ LDAP_AUTH_SERVER: 'ldap://dc1' }, 'LDAP_AUTH_SERVER');
    refusedEnv(
      { LDAP_AUTH_SERVER: 'ldap://127.0.0.1', LDAP_REQUIRE_TLS: 'true' },
      'LDAP_REQUIRE_TLS',
    );
  });
});

describe('certificates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldap-token-auth-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('verifies certificates unless told otherwise', () => {
    assert.equal(resolve({}).ldap.tls.rejectUnauthorized, true);
    assert.equal(
      resolve({ tls: { rejectUnauthorized: false } }).ldap.tls.rejectUnauthorized,
      false,
    );
  });

  it('copies PEM buffers, and wants a client certificate and its key together', () => {
    const ca = Buffer.from('CA');
    const resolved = resolve({
      tls: { ca, cert: 'CERT', key: 'KEY', servername: 'dc1.example.org' },
    });
    ca.write('XX');
    assert.equal(String(resolved.ldap.tls.ca), 'CA');
    assert.equal(resolved.ldap.tls.servername, 'dc1.example.org');
    refused({ tls: { cert: 'CERT' } }, 'ldap.tls.key');
    refused({ tls: { key: 'KEY' } }, 'ldap.tls.cert');
  });

  it('LDAP_TLS_*_FILE read PEM files; an unreadable one is named, its contents never shown', () => {
    const options = fromEnv({
      ...ENV,
      LDAP_TLS_CA_FILE: file('ca.pem', 'CA PEM'),
      LDAP_TLS_CERT_FILE: file('cert.pem', 'CERT PEM'),
      LDAP_TLS_KEY_FILE: file('key.pem', 'KEY PEM'),
      LDAP_TLS_REJECT_UNAUTHORIZED: 'false',
      LDAP_TLS_SERVERNAME: 'dc1.example.org',
    });
    assert.deepEqual(options.ldap.tls, {
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY PEM',
      rejectUnauthorized: false,
      servername: 'dc1.example.org',
    });
    const missing = refusedEnv({ LDAP_TLS_CA_FILE: join(dir, 'nope.pem') }, 'LDAP_TLS_CA_FILE');
    assert.match(missing.message, /nope\.pem \(ENOENT\)/);
    const half = refusedEnv(
      { LDAP_TLS_KEY_FILE: file('key2.pem', 'SECRET KEY') },
      'LDAP_TLS_CERT_FILE',
    );
    assert.doesNotMatch(half.message, /SECRET KEY/);
  });
});

describe('idle timeout', () => {
  it('defaults to 5 minutes, below the 15 of Active Directory', () => {
    assert.equal(resolve({}).ldap.idleTimeoutMs, 300_000);
    assert.equal(resolve({ idleTimeoutMs: 1000 }).ldap.idleTimeoutMs, 1000);
    refused({ idleTimeoutMs: 0 }, 'ldap.idleTimeoutMs');
    assert.equal(fromEnv({ ...ENV, LDAP_IDLE_TIMEOUT_MS: '60000' }).ldap.idleTimeoutMs, 60_000);
    refusedEnv({ LDAP_IDLE_TIMEOUT_MS: '0' }, 'LDAP_IDLE_TIMEOUT_MS');
  });
});

describe('presets', () => {
  it('openldap by default: uid, uid/cn/mail, no object class condition', () => {
    const resolved = resolve({});
    assert.equal(resolved.ldap.preset, PRESETS.openldap);
    assert.deepEqual(resolved.searchCriteria, { default: 'uid', allowed: ['uid', 'cn', 'mail'] });
  });

  it('activedirectory: sAMAccountName and its allow-list, people only, group names for issue 5', () => {
    const resolved = resolve({ preset: 'activedirectory' });
    assert.deepEqual(resolved.searchCriteria, {
      default: 'sAMAccountName',
      allowed: ['sAMAccountName', 'userPrincipalName', 'mail', 'cn'],
    });
    assert.deepEqual(resolved.ldap.preset.userConditions, [
      { attribute: 'objectCategory', value: 'person' },
      { attribute: 'objectClass', value: 'user' },
    ]);
    assert.equal(resolved.ldap.preset.groups.memberOfAttribute, 'memberOf');
    assert.equal(resolved.ldap.preset.groups.nestedMatchingRule, '1.2.840.113556.1.4.1941');
  });

  it('freeipa: uid, POSIX accounts only', () => {
    const resolved = resolve({ preset: 'freeipa' });
    assert.equal(resolved.searchCriteria.default, 'uid');
    assert.deepEqual(resolved.ldap.preset.userConditions, [
      { attribute: 'objectClass', value: 'posixAccount' },
    ]);
  });

  it('explicit search criteria win over the preset', () => {
    const resolved = resolve(
      { preset: 'activedirectory' },
      { searchCriteria: { default: 'mail' } },
    );
    assert.deepEqual(resolved.searchCriteria, {
      default: 'mail',
      allowed: ['mail', 'sAMAccountName', 'userPrincipalName', 'cn'],
    });
  });

  it('activedirectory: a service account given as user@domain or DOMAIN\\user binds as it is', () => {
    const dn = (username: string) =>
      resolve({ preset: 'activedirectory', serviceAccount: { username, password: 'pw' } }).ldap
        .serviceAccount?.dn;
    assert.equal(dn('svc-ldap@example.org'), 'svc-ldap@example.org');
    assert.equal(dn('EXAMPLE\\svc-ldap'), 'EXAMPLE\\svc-ldap');
    assert.equal(dn('CN=svc,OU=Service,DC=example,DC=org'), 'CN=svc,OU=Service,DC=example,DC=org');
    assert.equal(dn('svc'), `sAMAccountName=svc,${TOP_DN}`);
    // Elsewhere a bare name with @ is still expanded, as flask-ldap-auth does.
    assert.equal(
      resolve({ serviceAccount: { username: 'svc@x', password: 'pw' } }).ldap.serviceAccount?.dn,
      `uid=svc@x,${TOP_DN}`,
    );
  });

  it('LDAP_PRESET names one of the three', () => {
    assert.equal(fromEnv({ ...ENV, LDAP_PRESET: 'freeipa' }).ldap.preset, 'freeipa');
    const error = refusedEnv({ LDAP_PRESET: 'novell' }, 'LDAP_PRESET');
    assert.match(error.message, /openldap, activedirectory, freeipa/);
  });
});
