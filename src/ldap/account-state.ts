// What a user's bind says about the account, beyond "right or wrong password": the
// password-policy response control (OpenLDAP, 389 DS) and Active Directory's data codes, read into
// one verdict that directory.ts turns into an InvalidCredentialsError.
import { InvalidCredentialsError as LdapInvalidCredentials } from 'ldapts';
import type { AccountStateReason } from '../errors.js';
import { parseBindDiagnostic } from './active-directory-codes.js';
import type { PasswordPolicyResponse } from './password-policy-control.js';

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
