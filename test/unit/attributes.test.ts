// User attributes and claims: text forms of binary values, what may never be read, the claims
// mapping, the options and environment variables of issue 5, and the requirement forms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Auth, AuthenticatedUser } from '../../src/core/types.js';
import { ConfigurationError, DirectoryUnavailableError } from '../../src/errors.js';
import { parseRequirements } from '../../src/http/forward-auth.js';
import { authorize, type Requirements } from '../../src/http/requirements.js';
import {
  entryValues,
  formatGuid,
  formatSid,
  pickAttributes,
  refusedAttribute,
} from '../../src/ldap/entry-values.js';
import { fromEnv } from '../../src/options/from-env.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { attributesOf, groupsOfClaim, mappedClaims } from '../../src/token/claims.js';

const minimal = () => ({
  secretKey: 'a-secret-of-at-least-32-bytes-0123456789',
  ldap: { url: 'ldap://127.0.0.1:389', topDn: 'ou=people,dc=example,dc=org' },
});

describe('attribute values', () => {
  it('objectGUID in the text form Windows shows', () => {
    const bytes = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');
    assert.equal(formatGuid(bytes), '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  });

  it('objectSid as S-1-5-21-...', () => {
    const bytes = Buffer.from('010500000000000515000000010000000200000003000000f4010000', 'hex');
    assert.equal(formatSid(bytes), 'S-1-5-21-1-2-3-500');
    assert.equal(formatSid(Buffer.from('0102', 'hex')), 'AQI=', 'malformed: base64, never a throw');
  });

  it('formatting never throws, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        assert.equal(typeof formatGuid(Buffer.from(bytes)), 'string');
        assert.equal(typeof formatSid(Buffer.from(bytes)), 'string');
      }),
    );
  });

  it('entry values by lower-cased name; buffers of GUIDs formatted; one value a string, several an array', () => {
    const values = entryValues({
      dn: 'uid=a',
      cn: 'Alice',
      mail: ['a@x', 'alice@x'],
      objectGUID: Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex'),
    });
    assert.deepEqual([...values.keys()], ['cn', 'mail', 'objectguid']);
    assert.deepEqual(pickAttributes(values, ['CN', 'mail', 'objectGUID', 'displayName']), {
      CN: 'Alice',
      mail: ['a@x', 'alice@x'],
      objectGUID: '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    });
  });

  it('password attributes and photos are refused, ordinary ones pass', () => {
    for (const name of [
      'userPassword',
      'UNICODEPWD',
      'sambaNTPassword',
      'jpegPhoto',
      'userCertificate',
    ]) {
      assert.ok(refusedAttribute(name), name);
    }
    for (const name of ['cn', 'mail', 'objectGUID', 'memberOf']) {
      assert.equal(refusedAttribute(name), undefined, name);
    }
  });
});

describe('claims', () => {
  const values = new Map([
    ['cn', ['Alice Liddell']],
    ['mail', ['a@x', 'b@x']],
  ]);

  it('each claim takes its first attribute present; absent ones are left out', () => {
    assert.deepEqual(
      mappedClaims(values, {
        name: ['displayName', 'cn'],
        email: ['mail'],
        phone: ['telephoneNumber'],
      }),
      { name: 'Alice Liddell', email: ['a@x', 'b@x'] },
    );
  });

  it('claims read back from a token keep only strings and string arrays', () => {
    assert.deepEqual(attributesOf({ cn: 'a', mail: ['b', 'c'], bad: [1], worse: { x: 1 } }), {
      cn: 'a',
      mail: ['b', 'c'],
    });
    assert.deepEqual(attributesOf('nope'), {});
    assert.deepEqual(attributesOf(['a']), {});
    assert.deepEqual(groupsOfClaim(['a', 1, 'b']), ['a', 'b']);
    assert.deepEqual(groupsOfClaim('a'), []);
  });
});

describe('options of issue 5', () => {
  const refuse = (extra: object, pattern: RegExp) =>
    assert.throws(
      () => resolveOptions({ ...minimal(), ...extra }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.match(error.message, pattern);
        return true;
      },
    );

  it('defaults: cn, mail, displayName; name and email claims; memberOf, cn, 100 groups', () => {
    const resolved = resolveOptions(minimal());
    assert.deepEqual(resolved.user.attributes, ['cn', 'mail', 'displayName']);
    assert.deepEqual(resolved.user.claims, { name: ['displayName', 'cn'], email: ['mail'] });
    assert.equal(resolved.groups.strategy, 'memberOf');
    assert.equal(resolved.groups.nameAttribute, 'cn');
    assert.equal(resolved.groups.maxInToken, 100);
    assert.equal(resolved.groups.baseDn, 'dc=example,dc=org', 'the dc= part of the top DN');
    assert.equal(
      resolved.groups.filter,
      '(|(member={dn})(uniqueMember={dn})(memberUid={username}))',
    );
    assert.equal(resolved.groups.required, undefined);
  });

  it('refuses password attributes, photos, ;binary options and registered claim names', () => {
    refuse(
      { user: { attributes: ['cn', 'userPassword'] } },
      /user\.attributes\.1: userPassword is a password attribute/,
    );
    refuse({ user: { attributes: ['jpegPhoto'] } }, /jpegPhoto is binary/);
    refuse({ user: { attributes: ['userCertificate;binary'] } }, /must be an LDAP attribute name/);
    refuse(
      { user: { claims: { sub: 'uid' } } },
      /user\.claims\.sub: is a claim the library sets itself/,
    );
    refuse({ user: { claims: { groups: 'memberOf' } } }, /sets itself/);
    refuse({ user: { claims: { secret: 'unicodePwd' } } }, /password attribute/);
  });

  it('refuses a bad group filter, and a required group without a strategy', () => {
    refuse({ groups: { filter: '(member={dn}' } }, /groups\.filter: not an LDAP filter/);
    refuse(
      { groups: { strategy: 'none', required: 'staff' } },
      /groups\.required: a required group needs/,
    );
  });

  it('the activedirectory preset searches member only', () => {
    const resolved = resolveOptions({
      ...minimal(),
      ldap: { ...minimal().ldap, topDn: 'CN=Users,DC=corp,DC=example', preset: 'activedirectory' },
    });
    assert.equal(resolved.groups.filter, '(member={dn})');
    assert.equal(resolved.groups.baseDn, 'DC=corp,DC=example');
  });

  it('from the environment', () => {
    const options = fromEnv({
      SECRET_KEY: minimal().secretKey,
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:389',
      LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
      LDAP_USER_ATTRIBUTES: 'cn, mail,employeeNumber',
      TOKEN_CLAIMS: 'name=displayName|cn, employee=employeeNumber',
      LDAP_GROUP_STRATEGY: 'nested',
      LDAP_GROUP_BASE_DN: 'ou=groups,dc=example,dc=org',
      LDAP_GROUP_FILTER: '(member={dn})',
      LDAP_GROUP_NAME_ATTRIBUTE: 'cn',
      TOKEN_MAX_GROUPS: '20',
      LDAP_GROUP_MAX_DEPTH: '4',
      LDAP_GROUP_TIME_BUDGET_MS: '1500',
      LDAP_REQUIRED_GROUP: 'staff',
    });
    assert.deepEqual(options.user, {
      attributes: ['cn', 'mail', 'employeeNumber'],
      claims: { name: ['displayName', 'cn'], employee: ['employeeNumber'] },
    });
    assert.deepEqual(options.groups, {
      strategy: 'nested',
      baseDn: 'ou=groups,dc=example,dc=org',
      filter: '(member={dn})',
      nameAttribute: 'cn',
      maxInToken: 20,
      maxDepth: 4,
      timeBudgetMs: 1500,
      required: 'staff',
    });
  });

  it('environment mistakes name their variable', () => {
    const base = {
      SECRET_KEY: minimal().secretKey,
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:389',
      LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
    };
    const variableOf = (env: Record<string, string>) => {
      try {
        fromEnv({ ...base, ...env });
      } catch (error) {
        return (error as ConfigurationError).variable;
      }
      return undefined;
    };
    assert.equal(variableOf({ LDAP_GROUP_STRATEGY: 'ldap' }), 'LDAP_GROUP_STRATEGY');
    assert.equal(variableOf({ TOKEN_CLAIMS: 'name' }), 'TOKEN_CLAIMS');
    assert.equal(variableOf({ TOKEN_CLAIMS: 'sub=uid' }), 'TOKEN_CLAIMS');
    assert.equal(variableOf({ LDAP_USER_ATTRIBUTES: 'cn,userPassword' }), 'LDAP_USER_ATTRIBUTES');
    assert.equal(variableOf({ LDAP_GROUP_FILTER: '(member=' }), 'LDAP_GROUP_FILTER');
  });
});

describe('requirements', () => {
  const errors: unknown[] = [];
  const auth = {
    logger: { error: (fields: unknown) => errors.push(fields), warn() {}, info() {}, debug() {} },
  } as unknown as Auth;
  const user = (groups: string[]): AuthenticatedUser => ({
    username: 'alice',
    dn: 'uid=alice',
    attributes: {},
    groups,
    claims: { sub: 'alice', dn: 'uid=alice', iat: 0, exp: 1, jti: 'j' },
  });
  const status = async (requirements: Requirements | undefined, groups: string[] = []) =>
    (await authorize(auth, user(groups), requirements))?.status ?? 200;

  it('groups: any of; allGroups: all of; both: both', async () => {
    assert.equal(await status(undefined), 200);
    assert.equal(await status({ groups: [] }), 200);
    assert.equal(await status({ groups: ['a', 'b'] }, ['b']), 200);
    assert.equal(await status({ groups: ['a', 'b'] }, ['c']), 403);
    assert.equal(await status({ groups: ['staff'] }, ['Staff']), 200, 'case ignored, as LDAP does');
    assert.equal(await status({ allGroups: ['OPS', 'staff'] }, ['ops', 'STAFF']), 200);
    assert.equal(await status({ groups: ['staff'] }, ['staffs']), 403);
    assert.equal(await status({ allGroups: ['a', 'b'] }, ['a', 'b', 'c']), 200);
    assert.equal(await status({ allGroups: ['a', 'b'] }, ['a']), 403);
    assert.equal(await status({ groups: ['x'], allGroups: ['a'] }, ['a']), 403);
  });

  it('check: true admits; false, or anything not true, refuses; sync answers stay sync', async () => {
    assert.equal(authorize(auth, user([]), { check: () => true }), undefined);
    assert.equal(await status({ check: (who) => who.username === 'alice' }), 200);
    assert.equal(await status({ check: () => false }), 403);
    assert.equal(await status({ check: () => 'yes' as unknown as boolean }), 403);
    assert.equal(await status({ check: async () => true }), 200);
    assert.equal(await status({ check: async () => false }), 403);
    assert.equal(await status({ groups: ['a'], check: () => true }, []), 403);
  });

  it('a throwing or rejecting check: 403 and an error logged; an unavailable error: 503', async () => {
    errors.length = 0;
    assert.equal(
      await status({
        check: () => {
          throw new Error('bug');
        },
      }),
      403,
    );
    assert.equal(
      await status({
        check: async () => {
          throw new Error('bug');
        },
      }),
      403,
    );
    assert.equal(errors.length, 2);
    const down = await authorize(auth, user([]), {
      check: async () => {
        throw new DirectoryUnavailableError('down');
      },
    });
    assert.equal(down?.status, 503);
    assert.equal(down?.headers['Retry-After'], '5');
  });

  it('forward auth: ?groups= any of, ?all_groups= all of', () => {
    assert.equal(parseRequirements(''), undefined);
    assert.deepEqual(parseRequirements('groups=a,b'), { groups: ['a', 'b'] });
    assert.deepEqual(parseRequirements('all_groups=a&all_groups=b'), { allGroups: ['a', 'b'] });
    assert.deepEqual(parseRequirements('groups=x&all_groups=a,b'), {
      groups: ['x'],
      allGroups: ['a', 'b'],
    });
    assert.equal(parseRequirements('groups=&all_groups='), undefined);
  });
});
