// The shape of one row of the ENVIRONMENT table, apart from the table so that the section
// files and the table that gathers them do not import each other.

/** One environment variable: what it sets, and the option path it sets it at. */
export interface EnvironmentVariable {
  name: string;
  /** Dotted path of the option in {@link AuthOptions}. */
  option: string;
  description: string;
  /**
   * The default, as a person would write it; `undefined` when the variable is required or unset
   * means "none". The section files state it only where the schema cannot (a default worked out
   * at resolution, a setting of the service): ENVIRONMENT fills in the schema's for the others.
   */
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
