// Every environment variable the library and the service read: the one table that fromEnv,
// `ldap-token-auth --help` and the README's configuration reference are made from.
import { BROWSER_VARIABLES } from './browser.js';
import { DIRECTORY_VARIABLES } from './directory.js';
import { IDENTITY_VARIABLES } from './identity.js';
import { SERVICE_VARIABLES } from './service.js';
import { STORE_VARIABLES } from './stores.js';
import { TOKEN_VARIABLES } from './tokens.js';

/** One environment variable: what it sets, and the option path it sets it at. */
export interface EnvironmentVariable {
  name: string;
  /** Dotted path of the option in {@link AuthOptions}. */
  option: string;
  description: string;
  /** The default, as a person would write it; `undefined` when the variable is required or unset means "none". */
  default?: string;
  required?: boolean;
  /** Required only when tokens are signed with HS256 (`TOKEN_ALGORITHM` unset or `HS256`). */
  hs256Only?: boolean;
  /** Never shown in diagnostics, and taken as it is, spaces included. */
  secret?: boolean;
  /**
   * A file holding a private key: a warning names it when the group or others may read it.
   * (The `secretFile` rows, `SECRET_KEY_FILE` and the like, are checked the same way.)
   */
  privateFile?: boolean;
  /**
   * Read by `ldap-token-auth serve` only, never by `fromEnv`; `option` is then the command-line
   * flag that overrides it.
   */
  service?: boolean;
  kind:
    | 'string'
    | 'integer'
    | 'list'
    | 'scope'
    | 'boolean'
    | 'file'
    /** `<NAME>_FILE`, right after `<NAME>`: the value of `<NAME>` read from that file. */
    | 'secretFile'
    | 'preset'
    | 'algorithm'
    | 'storeFailure'
    | 'revealReason'
    | 'policyControl'
    | 'claims'
    | 'groupStrategy';
}

/**
 * Every variable `fromEnv` reads, section by section (one file each under src/environment/).
 * flask-ldap-auth's own names come first, unchanged. The configuration reference in the README
 * and docs/configuration.md are written from this table, in this order.
 */
export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  ...DIRECTORY_VARIABLES,
  ...TOKEN_VARIABLES,
  ...STORE_VARIABLES,
  ...BROWSER_VARIABLES,
  ...IDENTITY_VARIABLES,
  ...SERVICE_VARIABLES,
];
