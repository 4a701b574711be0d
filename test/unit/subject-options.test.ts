// user.subjectAttribute / LDAP_SUBJECT_ATTRIBUTE: what names the person in tokens, resolved from
// the preset and the login attribute, and refused when it could leak a secret.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/errors.js';
import { fromEnv } from '../../src/options/from-env.js';
import { type AuthOptions, resolveOptions } from '../../src/options/resolve.js';

const base: AuthOptions = {
  secretKey: 'subject-options-secret-0123456789abcdef',
  ldap: { url: 'ldap://127.0.0.1:1', topDn: 'dc=example,dc=org' },
};

describe('user.subjectAttribute', () => {
  it('defaults to the login attribute: uid, sAMAccountName, or LDAP_SEARCH_CRITERIA', () => {
    const plain = resolveOptions(base).user;
    assert.deepEqual([plain.loginAttribute, plain.subjectAttribute], ['uid', 'uid']);
    const ad = resolveOptions({ ...base, ldap: { ...base.ldap, preset: 'activedirectory' } }).user;
    assert.deepEqual(
      [ad.loginAttribute, ad.subjectAttribute],
      ['sAMAccountName', 'sAMAccountName'],
    );
    const mail = resolveOptions({ ...base, searchCriteria: { default: 'mail' } }).user;
    assert.deepEqual([mail.loginAttribute, mail.subjectAttribute], ['mail', 'mail']);
  });

  it('names another attribute, read with the user search', () => {
    const user = resolveOptions({ ...base, user: { subjectAttribute: 'entryUUID' } }).user;
    assert.deepEqual([user.loginAttribute, user.subjectAttribute], ['uid', 'entryUUID']);
    const env = fromEnv({
      SECRET_KEY: 's'.repeat(32),
      LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
      LDAP_TOP_DN: 'dc=x',
      LDAP_SUBJECT_ATTRIBUTE: 'objectGUID',
    });
    assert.equal(env.user?.subjectAttribute, 'objectGUID');
  });

  it('refuses a password attribute, a binary one, or something not an attribute name', () => {
    for (const subjectAttribute of ['userPassword', 'unicodePwd', 'jpegPhoto', 'uid)(cn=*', '']) {
      assert.throws(
        () => resolveOptions({ ...base, user: { subjectAttribute } }),
        (error: unknown) =>
          error instanceof ConfigurationError && /user\.subjectAttribute/.test(error.message),
        subjectAttribute,
      );
    }
  });

  it('preferred_username is the library’s own claim: no mapping may overwrite it', () => {
    assert.throws(
      () => resolveOptions({ ...base, user: { claims: { preferred_username: 'cn' } } }),
      ConfigurationError,
    );
  });
});
