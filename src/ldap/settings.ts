// What the ldap part needs to know, in its own terms. The options layer sits above ldap/, so these
// are declared here and the resolved options satisfy them as they are (structurally): each type
// lists only the fields ldap/ reads.
import type { DirectoryPreset } from './presets.js';
import type { TlsSettings } from './tls.js';
import type { ServerAddress } from './urls.js';

/** Where the entry a login names is looked for. */
export interface UserSearchSettings {
  readonly topDn: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly preset: DirectoryPreset;
}

/** The connection to the directory and the user search: the resolved `ldap` options. */
export interface DirectorySettings extends UserSearchSettings {
  /** The servers as configured, one string (for log lines). */
  readonly url: string;
  /** The servers, in the configured order. */
  readonly servers: readonly ServerAddress[];
  /** Searches bind as this account; anonymous without it. */
  readonly serviceAccount?: { readonly dn: string; readonly password: string };
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly poolSize: number;
  readonly idleTimeoutMs: number;
  readonly tls: TlsSettings;
}

/** How a user's groups are found: the resolved `groups` options. */
export interface GroupSettings {
  readonly strategy: 'none' | 'memberOf' | 'search' | 'inChain' | 'nested';
  readonly baseDn: string;
  readonly filter: string;
  readonly nameAttribute: string;
  readonly maxDepth: number;
  readonly timeBudgetMs: number;
}

/** Whether a user's bind carries the password-policy request control; `auto` asks the server. */
export type PasswordPolicyControlUse = 'auto' | 'always' | 'never';
