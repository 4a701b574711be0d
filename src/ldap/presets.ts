/** The directory products with presets. */
export const PRESET_NAMES = ['openldap', 'activedirectory', 'freeipa'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** An equality condition every user entry must meet, e.g. `objectClass=user`. */
export interface EntryCondition {
  readonly attribute: string;
  readonly value: string;
}

/**
 * Where a directory keeps group membership; read by the group checks (`loginRequired({ groups })`).
 * Names only: nothing here queries anything.
 */
export interface GroupSchema {
  /** Attribute on the user entry listing the DNs of its groups, when the directory maintains one. */
  readonly memberOfAttribute?: string;
  /** Object classes of group entries. */
  readonly groupObjectClasses: readonly string[];
  /** Attributes of a group entry naming its members: by DN (`member`), or by login (`memberUid`). */
  readonly memberAttributes: readonly {
    readonly attribute: string;
    readonly holds: 'dn' | 'uid';
  }[];
  /** Matching rule that follows nested groups in one search (AD's LDAP_MATCHING_RULE_IN_CHAIN). */
  readonly nestedMatchingRule?: string;
}

/** Defaults for one kind of directory. Every field can still be overridden by its own option. */
export interface DirectoryPreset {
  readonly name: PresetName;
  /** The attribute a username is matched against by default (`search_criteria`'s default). */
  readonly loginAttribute: string;
  /** What `search_criteria` may name by default. */
  readonly allowedCriteria: readonly string[];
  /** Conditions ANDed to the user search, so that only people (not groups, hosts...) match. */
  readonly userConditions: readonly EntryCondition[];
  /**
   * `activedirectory`: `DOMAIN\user` and `user@domain` are understood (see `normaliseLogin`).
   * `plain`: the username is matched as typed.
   */
  readonly usernames: 'plain' | 'activedirectory';
  readonly groups: GroupSchema;
}

const RFC_GROUPS: GroupSchema = {
  memberOfAttribute: 'memberOf',
  groupObjectClasses: ['groupOfNames', 'groupOfUniqueNames', 'posixGroup'],
  memberAttributes: [
    { attribute: 'member', holds: 'dn' },
    { attribute: 'uniqueMember', holds: 'dn' },
    { attribute: 'memberUid', holds: 'uid' },
  ],
};

/**
 * - `openldap`: flask-ldap-auth's behaviour: `uid`, any entry (no object class condition, so
 *   existing directories keep working), RFC 4519/2307 groups and the memberOf overlay.
 * - `activedirectory`: `sAMAccountName`; people only (`objectCategory=person` and
 *   `objectClass=user`, which leaves out computer accounts, themselves of class user); groups by
 *   `memberOf`, nested ones through LDAP_MATCHING_RULE_IN_CHAIN.
 * - `freeipa`: `uid` under `cn=users,cn=accounts,<suffix>`, POSIX accounts only (which leaves out
 *   system and service entries), `memberOf` kept by the 389 Directory Server plugin.
 */
export const PRESETS: Readonly<Record<PresetName, DirectoryPreset>> = {
  openldap: {
    name: 'openldap',
    loginAttribute: 'uid',
    allowedCriteria: ['uid', 'cn', 'mail'],
    userConditions: [],
    usernames: 'plain',
    groups: RFC_GROUPS,
  },
  activedirectory: {
    name: 'activedirectory',
    loginAttribute: 'sAMAccountName',
    allowedCriteria: ['sAMAccountName', 'userPrincipalName', 'mail', 'cn'],
    userConditions: [
      { attribute: 'objectCategory', value: 'person' },
      { attribute: 'objectClass', value: 'user' },
    ],
    usernames: 'activedirectory',
    groups: {
      memberOfAttribute: 'memberOf',
      groupObjectClasses: ['group'],
      memberAttributes: [{ attribute: 'member', holds: 'dn' }],
      nestedMatchingRule: '1.2.840.113556.1.4.1941',
    },
  },
  freeipa: {
    name: 'freeipa',
    loginAttribute: 'uid',
    allowedCriteria: ['uid', 'mail', 'krbPrincipalName'],
    userConditions: [{ attribute: 'objectClass', value: 'posixAccount' }],
    usernames: 'plain',
    groups: {
      memberOfAttribute: 'memberOf',
      groupObjectClasses: ['ipaUserGroup', 'groupOfNames'],
      memberAttributes: [{ attribute: 'member', holds: 'dn' }],
    },
  },
};
