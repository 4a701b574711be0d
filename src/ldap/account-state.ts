// What a user's bind says about the account, beyond "right or wrong password": the
// password-policy response control (OpenLDAP, 389 DS) and Active Directory's data codes, read into
// one verdict that directory.ts turns into an InvalidCredentialsError.
import { InvalidCredentialsError as LdapInvalidCredentials } from 'ldapts';
import type { AccountStateReason } from '../errors.js';
import { parseBindDiagnostic } from './active-directory-codes.js';
import type { PasswordPolicyResponse } from './password-policy-control.js';
import type { PresetName } from './presets.js';

/** Why a bind was refused, as far as the directory said. */
export interface AccountRefusal {
  reason?: AccountStateReason;
  /** Whether the directory proved the password right before refusing. */
  passwordVerified: boolean;
}

/** What a successful bind warns of: the password expires soon, or has, with grace logins left. */
export interface PasswordWarning {
  secondsBeforeExpiration?: number;
  graceLoginsRemaining?: number;
}

/**
 * The verdict on a refused bind.
 * - ppolicy `accountLocked` (slapd sends it with `ppolicy_use_lockout`, whatever the password):
 *   `account_locked`, password not verified.
 * - ppolicy `passwordExpired` (slapd checks the age only after the password matched):
 *   `password_expired`, verified.
 * - an invalidCredentials result whose message carries an Active Directory data code: that
 *   code's reading (see active-directory-codes.ts).
 * - anything else: a plain refusal.
 */
export function refusalOf(
  error: unknown,
  policy: PasswordPolicyResponse | undefined,
): AccountRefusal {
  if (policy?.error === 'accountLocked') {
    return { reason: 'account_locked', passwordVerified: false };
  }
  if (policy?.error === 'passwordExpired') {
    return { reason: 'password_expired', passwordVerified: true };
  }
  if (error instanceof LdapInvalidCredentials) {
    const refusal = parseBindDiagnostic(error.message);
    if (refusal) {
      return refusal.reason
        ? { reason: refusal.reason, passwordVerified: refusal.passwordVerified }
        : { passwordVerified: refusal.passwordVerified };
    }
  }
  return { passwordVerified: false };
}

/**
 * The verdict on a bind that succeeded: refused all the same when the directory restricts the
 * session to changing the password (ppolicy `changeAfterReset`, with `pwdMustChange` and
 * `pwdReset`), since such a session proves the password but must not become a token.
 */
export function refusalAfterSuccess(
  policy: PasswordPolicyResponse | undefined,
): AccountRefusal | undefined {
  if (policy?.error === 'changeAfterReset') {
    return { reason: 'password_must_change', passwordVerified: true };
  }
  if (policy?.error === 'passwordExpired') {
    return { reason: 'password_expired', passwordVerified: true };
  }
  return undefined;
}

/** The warning a successful bind carried, if any. */
export function passwordWarningOf(
  policy: PasswordPolicyResponse | undefined,
): PasswordWarning | undefined {
  if (policy?.timeBeforeExpiration !== undefined) {
    return { secondsBeforeExpiration: policy.timeBeforeExpiration };
  }
  if (policy?.graceAuthNsRemaining !== undefined) {
    return { graceLoginsRemaining: policy.graceAuthNsRemaining };
  }
  return undefined;
}

/**
 * Attributes a refresh reads, beside the configured ones, to tell whether the account may still
 * be used: it has no password to bind with, so the directory's own refusal never comes.
 * - `activedirectory`: `userAccountControl` (disabled), `msDS-User-Account-Control-Computed`
 *   (locked out: computed, so unlike `lockoutTime` it clears when the lockout duration ends; AD
 *   and Samba construct it on base searches, which a refresh's is), `accountExpires`.
 * - `openldap`: `pwdAccountLockedTime` (ppolicy). Read and checked here rather than filtered
 *   on: an attribute the search identity may not read would make a filter fail for everyone,
 *   whereas unread it only leaves the check out.
 * - `freeipa`: `nsAccountLock` (389 Directory Server's account lock).
 */
export const ACCOUNT_STATE_ATTRIBUTES: Readonly<Record<PresetName, readonly string[]>> = {
  activedirectory: ['userAccountControl', 'msDS-User-Account-Control-Computed', 'accountExpires'],
  openldap: ['pwdAccountLockedTime'],
  freeipa: ['nsAccountLock'],
};

/** userAccountControl's ACCOUNTDISABLE flag. */
const UF_ACCOUNTDISABLE = 0x2;
/** msDS-User-Account-Control-Computed's LOCKOUT flag. */
const UF_LOCKOUT = 0x10;
/** accountExpires values meaning "never": 0 and the largest 64-bit integer. */
const NEVER_EXPIRES = new Set(['0', '9223372036854775807']);
/** Milliseconds between 1601-01-01 (Windows FILETIME's epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000;

/**
 * The verdict on an entry a refresh read, by its account-state attributes
 * ({@link ACCOUNT_STATE_ATTRIBUTES}): `undefined` when nothing says the account is unusable.
 * The password was not checked, so `passwordVerified` is false (the reason is not shown unless
 * `passwordPolicy.revealReason` is `always`). An attribute the search identity may not read is
 * absent, and then says nothing.
 * - openldap: a `pwdAccountLockedTime` of any value counts as locked, even a lockout whose
 *   `pwdLockoutDuration` has run out (slapd removes the attribute only at the next bind): such a
 *   user logs in again with the password, which clears it.
 */
export function refusalOfEntry(
  preset: PresetName,
  values: ReadonlyMap<string, readonly string[]>,
  nowMs: number,
): AccountRefusal | undefined {
  const first = (name: string) => values.get(name.toLowerCase())?.[0];
  const refused = (reason: AccountStateReason) => ({ reason, passwordVerified: false });
  switch (preset) {
    case 'activedirectory': {
      if (flagged(first('userAccountControl'), UF_ACCOUNTDISABLE)) {
        return refused('account_disabled');
      }
      if (flagged(first('msDS-User-Account-Control-Computed'), UF_LOCKOUT)) {
        return refused('account_locked');
      }
      const expires = first('accountExpires');
      if (expires !== undefined && !NEVER_EXPIRES.has(expires) && /^\d+$/.test(expires)) {
        const expiresMs = Number(BigInt(expires) / 10_000n) - FILETIME_EPOCH_OFFSET_MS;
        if (expiresMs <= nowMs) return refused('account_expired');
      }
      return undefined;
    }
    case 'openldap':
      return first('pwdAccountLockedTime') !== undefined ? refused('account_locked') : undefined;
    case 'freeipa':
      return first('nsAccountLock')?.toLowerCase() === 'true'
        ? refused('account_disabled')
        : undefined;
  }
}

/** Whether an integer attribute's value (signed, as AD writes it) has `flag` set. */
function flagged(value: string | undefined, flag: number): boolean {
  if (value === undefined || !/^-?\d+$/.test(value)) return false;
  return (Number(value) & flag) !== 0;
}
