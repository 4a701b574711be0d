import type { AccountStateReason } from '../errors.js';

/** What an Active Directory bind refusal's data code says about the account. */
export interface ActiveDirectoryRefusal {
  /** The data code, lower-case hexadecimal without leading zeros: `52e`, `775`. */
  code: string;
  /** The account state behind it; absent for an unknown user or a wrong password. */
  reason?: AccountStateReason;
  /**
   * Whether the code proves the password right. Active Directory (and Samba) only look at an
   * account's state once the password has matched, and answer 52e before that; a lockout is the
   * exception, refused whatever the password.
   */
  passwordVerified: boolean;
}

/**
 * The data codes of a refused bind (Win32 error codes, in hexadecimal: 0x52e is
 * ERROR_LOGON_FAILURE, 0x775 ERROR_ACCOUNT_LOCKED_OUT, ...).
 */
const DATA_CODES: Readonly<Record<string, Omit<ActiveDirectoryRefusal, 'code'>>> = {
  '525': { passwordVerified: false }, // no such user
  '52e': { passwordVerified: false }, // wrong password (or no such user)
  '530': { reason: 'logon_hours', passwordVerified: true },
  '531': { reason: 'workstation_not_allowed', passwordVerified: true },
  '532': { reason: 'password_expired', passwordVerified: true },
  '533': { reason: 'account_disabled', passwordVerified: true },
  '701': { reason: 'account_expired', passwordVerified: true },
  '773': { reason: 'password_must_change', passwordVerified: true },
  '775': { reason: 'account_locked', passwordVerified: false },
};

/**
 * `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 775, v1db1`:
 * Active Directory's (and Samba's) diagnostic message on an invalidCredentials (49) bind result.
 */
const DATA_CODE = /\bdata ([0-9a-f]{1,8})\b/i;

/**
 * Reads the data code of an Active Directory bind diagnostic message.
 * @returns the refusal, or `undefined` when the message carries no data code. A code not in the
 *   table is returned without a reason and with `passwordVerified: false`. Never throws.
 */
export function parseBindDiagnostic(message: string): ActiveDirectoryRefusal | undefined {
  const match = DATA_CODE.exec(message);
  if (!match) return undefined;
  const code = Number.parseInt(match[1]!, 16).toString(16);
  return { code, ...(DATA_CODES[code] ?? { passwordVerified: false }) };
}
