import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidCredentialsError as LdapInvalidCredentials, UnwillingToPerformError } from 'ldapts';
import {
  passwordWarningOf,
  refusalAfterSuccess,
  refusalOf,
  refusalOfEntry,
} from '../../src/ldap/account-state.js';
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

describe('refusalOfEntry (refresh: the account-state attributes of the entry)', () => {
  const values = (entries: Record<string, string>) =>
    new Map(Object.entries(entries).map(([name, value]) => [name.toLowerCase(), [value]]));
  const now = Date.UTC(2026, 0, 1);
  /** FILETIME (100 ns since 1601) of a moment. */
  const filetime = (ms: number) => String((BigInt(ms) + 11_644_473_600_000n) * 10_000n);
  const locked = { reason: 'account_locked', passwordVerified: false };
  const disabled = { reason: 'account_disabled', passwordVerified: false };

  it('Active Directory: disabled, locked out, expired; an ordinary account passes', () => {
    const ad = (entries: Record<string, string>) =>
      refusalOfEntry('activedirectory', values(entries), now);
    assert.equal(ad({ userAccountControl: '512' }), undefined);
    assert.deepEqual(ad({ userAccountControl: '514' }), disabled);
    assert.deepEqual(
      ad({ userAccountControl: '512', 'msDS-User-Account-Control-Computed': '16' }),
      locked,
    );
    assert.equal(ad({ 'msDS-User-Account-Control-Computed': '0' }), undefined);
    assert.deepEqual(ad({ accountExpires: filetime(now - 1000) }), {
      reason: 'account_expired',
      passwordVerified: false,
    });
    assert.equal(ad({ accountExpires: filetime(now + 60_000) }), undefined);
    assert.equal(ad({ accountExpires: '0' }), undefined, 'never');
    assert.equal(ad({ accountExpires: '9223372036854775807' }), undefined, 'never');
    assert.equal(ad({}), undefined, 'nothing readable says nothing');
  });

  it('OpenLDAP: pwdAccountLockedTime; FreeIPA: nsAccountLock', () => {
    assert.deepEqual(
      refusalOfEntry('openldap', values({ pwdAccountLockedTime: '000001010000Z' }), now),
      locked,
    );
    assert.equal(refusalOfEntry('openldap', values({}), now), undefined);
    assert.deepEqual(refusalOfEntry('freeipa', values({ nsAccountLock: 'TRUE' }), now), disabled);
    assert.equal(refusalOfEntry('freeipa', values({ nsAccountLock: 'FALSE' }), now), undefined);
  });

  it('never throws, whatever the values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('activedirectory', 'openldap', 'freeipa' as const),
        fc.dictionary(
          fc.constantFrom(
            'userAccountControl',
            'msDS-User-Account-Control-Computed',
            'accountExpires',
            'pwdAccountLockedTime',
            'nsAccountLock',
          ),
          fc.string(),
        ),
        (preset, entries) => {
          refusalOfEntry(preset as 'openldap', values(entries), now);
        },
      ),
    );
  });
});
