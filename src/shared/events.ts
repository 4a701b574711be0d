import type { AccountStateReason } from '../errors.js';

/**
 * What the core reports as it works, for metrics and audit logs. Every callback is optional and
 * is called synchronously; it must not throw. None receives a password or a token.
 */
export interface AuthEvents {
  /** One LDAP operation finished. */
  ldapOperation?(event: LdapOperationEvent): void;
  /** One token request finished, issued or refused. */
  tokenRequest?(event: TokenRequestEvent): void;
}

export interface LdapOperationEvent {
  /** `search` finds the user, `bind` checks the password, `serviceBind` binds the service account. */
  operation: 'search' | 'bind' | 'serviceBind' | 'ping';
  durationMs: number;
  /** `refused`: the directory answered no (e.g. wrong password); `unavailable`: it did not answer. */
  outcome: 'success' | 'refused' | 'unavailable';
}

export interface TokenRequestEvent {
  outcome: 'issued' | 'refused' | 'invalid_parameter' | 'unavailable';
  /** The username as typed; absent when the request carried none. */
  username?: string;
  /** With `issued`: the token's subject, the directory's name for the person (see docs/security.md). */
  subject?: string;
  /** The error code when refused (`ERR_INVALID_CREDENTIALS`, ...). */
  code?: string;
  /** When the directory refused the account for its state: which (`account_locked`, ...). */
  accountState?: AccountStateReason;
  /** With `accountState`: whether the directory proved the password right before refusing. */
  passwordVerified?: boolean;
  /** The lifetime of an issued token, in seconds. */
  expiresIn?: number;
}

/** The number of connections a pool has open, and how many of them are in use now. */
export interface PoolStats {
  open: number;
  busy: number;
}
