import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidCredentialsError as LdapInvalidCredentials, UnwillingToPerformError } from 'ldapts';
import { passwordWarningOf, refusalAfterSuccess, refusalOf } from '../../src/ldap/account-state.js';
import { parseBindDiagnostic } from '../../src/ldap/active-directory-codes.js';

/** Windows Server's and Samba's wording; only the DSID and the version differ between builds. */
const adMessage = (code: string, dsid = '0C0903A9', version = 'v1db1') =>
  `80090308: LdapErr: DSID-${dsid}, comment: AcceptSecurityContext error, data ${code}, ${version}\u0000`;

const TABLE = [
  ['525', undefined, false],
  ['52e', undefined, false],
  ['530', 'logon_hours', true],
  ['531', 'workstation_not_allowed', true],
  ['532', 'password_expired', true],
  ['533', 'account_disabled', true],
  ['701', 'account_expired', true],
  ['773', 'password_must_change', true],
  ['775', 'account_locked', false],
] as const;

describe('parseBindDiagnostic (Active Directory data codes)', () => {
  it('reads each documented code', () => {
    for (const [code, reason, passwordVerified] of TABLE) {
      const expected = reason ? { code, reason, passwordVerified } : { code, passwordVerified };
      assert.deepEqual(parseBindDiagnostic(adMessage(code)), expected, code);
      // ldapts appends the result code to the server's message.
      assert.deepEqual(parseBindDiagnostic(`${adMessage(code)} Code: 0x31`), expected, code);
    }
  });

  it('reads the code whatever its case, leading zeros, DSID and version', () => {
    const codes = fc.constantFrom(...TABLE.map(([code]) => code));
    const hex = fc.string({
      unit: fc.constantFrom(...'0123456789ABCDEF'),
      minLength: 8,
      maxLength: 8,
    });
    fc.assert(
      fc.property(
        codes,
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        hex,
        (code, zeros, upper, dsid) => {
          const written = '0'.repeat(zeros) + (upper ? code.toUpperCase() : code);
          const parsed = parseBindDiagnostic(adMessage(written, dsid, `v${dsid.slice(0, 4)}`));
          assert.equal(parsed?.code, code);
        },
      ),
    );
  });

  it('unknown codes refuse plainly; messages without a code give nothing; never throws', () => {
    assert.deepEqual(parseBindDiagnostic(adMessage('52f')), {
      code: '52f',
      passwordVerified: false,
    });
    assert.equal(parseBindDiagnostic('Invalid credentials'), undefined);
    assert.equal(parseBindDiagnostic(''), undefined);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (message) => {
        const parsed = parseBindDiagnostic(message);
        if (!/data [0-9a-f]/i.test(message)) assert.equal(parsed, undefined);
        if (parsed) assert.match(parsed.code, /^[0-9a-f]+$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('refusalOf / refusalAfterSuccess', () => {
  const wrong = new LdapInvalidCredentials();
  it('a ppolicy lockout is reported whatever the password; an expiry only after it matched', () => {
    assert.deepEqual(refusalOf(wrong, { error: 'accountLocked' }), {
      reason: 'account_locked',
      passwordVerified: false,
    });
    assert.deepEqual(refusalOf(wrong, { error: 'passwordExpired', graceAuthNsRemaining: 0 }), {
      reason: 'password_expired',
      passwordVerified: true,
    });
    assert.deepEqual(refusalOf(wrong, {}), { passwordVerified: false });
    assert.deepEqual(refusalOf(wrong, undefined), { passwordVerified: false });
    // Other ppolicy errors answer password changes, not binds.
    assert.deepEqual(refusalOf(wrong, { error: 'passwordTooShort' }), { passwordVerified: false });
  });

  it('an AD data code is read from invalidCredentials only', () => {
    assert.deepEqual(refusalOf(new LdapInvalidCredentials(adMessage('773')), undefined), {
      reason: 'password_must_change',
      passwordVerified: true,
    });
    assert.deepEqual(refusalOf(new LdapInvalidCredentials(adMessage('52e')), undefined), {
      passwordVerified: false,
    });
    assert.deepEqual(refusalOf(new UnwillingToPerformError(adMessage('533')), undefined), {
      passwordVerified: false,
    });
  });

  it('a successful bind restricted to a password change is still refused', () => {
    assert.deepEqual(refusalAfterSuccess({ error: 'changeAfterReset' }), {
      reason: 'password_must_change',
      passwordVerified: true,
    });
    assert.equal(refusalAfterSuccess({ timeBeforeExpiration: 10 }), undefined);
    assert.equal(refusalAfterSuccess(undefined), undefined);
    assert.deepEqual(passwordWarningOf({ timeBeforeExpiration: 10 }), {
      secondsBeforeExpiration: 10,
    });
    assert.deepEqual(passwordWarningOf({ graceAuthNsRemaining: 1 }), { graceLoginsRemaining: 1 });
    assert.equal(passwordWarningOf({}), undefined);
  });
});
