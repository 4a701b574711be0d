import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { userFilter } from '../../src/ldap/escape.js';
import { PRESETS } from '../../src/ldap/presets.js';
import { normaliseLogin } from '../../src/ldap/usernames.js';

const AD = PRESETS.activedirectory;
const SAM = 'sAMAccountName';

describe('normaliseLogin, activedirectory', () => {
  it('DOMAIN\\user is searched as sAMAccountName=user', () => {
    assert.deepEqual(normaliseLogin(AD, SAM, 'EXAMPLE\\alice'), { attribute: SAM, value: 'alice' });
    assert.deepEqual(normaliseLogin(AD, 'samaccountname', 'ex\\Bob Smith'), {
      attribute: 'samaccountname',
      value: 'Bob Smith',
    });
  });

  it('user@domain is searched as the whole userPrincipalName', () => {
    assert.deepEqual(normaliseLogin(AD, SAM, 'alice@example.org'), {
      attribute: 'userPrincipalName',
      value: 'alice@example.org',
    });
  });

  it('a bare name is searched as typed', () => {
    assert.deepEqual(normaliseLogin(AD, SAM, 'alice'), { attribute: SAM, value: 'alice' });
    assert.deepEqual(normaliseLogin(AD, SAM, ' Alice '), { attribute: SAM, value: ' Alice ' });
  });

  it('malformed forms are left as typed (and so match no sAMAccountName)', () => {
    for (const name of [
      '\\alice',
      'EXAMPLE\\',
      'a\\b\\c',
      '@example.org',
      'alice@',
      'a@b@c',
      'EX\\a@b',
    ]) {
      const { attribute, value } = normaliseLogin(AD, SAM, name);
      if (name === 'EX\\a@b') {
        // One backslash with both sides: the down-level form wins, and "a@b" is no sAMAccountName.
        assert.deepEqual({ attribute, value }, { attribute: SAM, value: 'a@b' });
      } else {
        assert.deepEqual({ attribute, value }, { attribute: SAM, value: name }, name);
      }
    }
  });

  it('never reinterprets a name matched against another attribute (search_criteria=mail)', () => {
    assert.deepEqual(normaliseLogin(AD, 'mail', 'alice@example.org'), {
      attribute: 'mail',
      value: 'alice@example.org',
    });
    assert.deepEqual(normaliseLogin(AD, 'cn', 'EX\\alice'), {
      attribute: 'cn',
      value: 'EX\\alice',
    });
  });
});

describe('normaliseLogin, properties', () => {
  const part = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\\@]/.test(s));

  it('other presets return every name unchanged, for every attribute', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(PRESETS.openldap, PRESETS.freeipa),
        fc.constantFrom('uid', 'cn', 'mail', SAM),
        fc.string({ maxLength: 40 }),
        (preset, attribute, name) => {
          assert.deepEqual(normaliseLogin(preset, attribute, name), { attribute, value: name });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('DOMAIN\\user always yields user, whatever the domain', () => {
    fc.assert(
      fc.property(
        part,
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\\')),
        (domain, user) => {
          assert.deepEqual(normaliseLogin(AD, SAM, `${domain}\\${user}`), {
            attribute: SAM,
            value: user,
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('user@domain always yields the UPN itself', () => {
    fc.assert(
      fc.property(part, part, (user, domain) => {
        const upn = `${user}@${domain}`;
        assert.deepEqual(normaliseLogin(AD, SAM, upn), {
          attribute: 'userPrincipalName',
          value: upn,
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('a name with neither \\ nor @ is unchanged; the value is never empty for a non-empty name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const result = normaliseLogin(AD, SAM, name);
        if (!/[\\@]/.test(name)) assert.deepEqual(result, { attribute: SAM, value: name });
        if (name) assert.ok(result.value.length > 0);
        assert.ok(name.endsWith(result.value) || result.value === name);
      }),
      { numRuns: 2000 },
    );
  });

  it('only ever yields the name as typed, its part after one backslash, or a UPN', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const { attribute, value } = normaliseLogin(AD, SAM, name);
        if (attribute === 'userPrincipalName') {
          assert.equal(value, name);
          assert.equal(name.split('@').length, 2);
          assert.ok(!name.includes('\\'));
        } else {
          assert.equal(attribute, SAM);
          const parts = name.split('\\');
          assert.ok(value === name || (parts.length === 2 && value === parts[1]), name);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('userFilter with the preset conditions', () => {
  it('ANDs the conditions before the escaped username', () => {
    assert.equal(
      userFilter(SAM, 'al*ce', AD.userConditions).toString(),
      '(&(objectCategory=person)(objectClass=user)(sAMAccountName=al\\2ace))',
    );
    assert.equal(
      userFilter('uid', 'bob', PRESETS.freeipa.userConditions).toString(),
      '(&(objectClass=posixAccount)(uid=bob))',
    );
    assert.equal(userFilter('uid', 'bob', PRESETS.openldap.userConditions).toString(), '(uid=bob)');
  });
});
