// The `user` and `groups` options: as documented for users, and as the core runs on them, the
// login attribute, base DN and group filter filled in from the rest of the configuration.
import type { z } from 'zod';
import { defaultGroupFilter } from '../ldap/membership-filters.js';
import type { DirectoryPreset } from '../ldap/presets.js';
import type { GroupSettings } from '../ldap/settings.js';
import type { groupsSchema, userSchema } from './schema/identity.js';

/** `user`, resolved. */
export interface ResolvedUserOptions {
  /**
   * The attribute people log in with (`searchCriteria.default`: `uid`, or `sAMAccountName` with
   * the activedirectory preset): its value, as the entry stores it, is the token's
   * `preferred_username` and the group filter's `{username}`.
   */
  readonly loginAttribute: string;
  /** The attribute whose stored value is the token's `sub`: `subjectAttribute`, or the login attribute. */
  readonly subjectAttribute: string;
  /** Read into `attributes`, as configured. */
  readonly attributes: readonly string[];
  /** Claim name -> the attributes it is copied from, the first present wins. */
  readonly claims: Readonly<Record<string, readonly string[]>>;
}

/** `groups`, resolved: the base DN and filter filled from the top DN and the preset. */
export type ResolvedGroupOptions = GroupSettings & {
  readonly maxInToken: number;
  readonly required?: string;
};

export function resolveUser(
  user: z.infer<typeof userSchema>,
  loginAttribute: string,
): ResolvedUserOptions {
  return {
    loginAttribute,
    subjectAttribute: user.subjectAttribute ?? loginAttribute,
    attributes: [...new Set(user.attributes)],
    claims: Object.fromEntries(
      Object.entries(user.claims).map(([claim, from]) => [claim, [from].flat()]),
    ),
  };
}

export function resolveGroups(
  groups: z.infer<typeof groupsSchema>,
  topDn: string,
  preset: DirectoryPreset,
): ResolvedGroupOptions {
  return {
    ...groups,
    baseDn: groups.baseDn ?? domainOf(topDn),
    filter: groups.filter ?? defaultGroupFilter(preset),
  };
}

/** The `dc=` RDNs that end `dn` (its DNS domain's naming context), or `dn` itself without any. */
function domainOf(dn: string): string {
  const parts = dn.split(/(?<!\\),/);
  let start = parts.length;
  while (start > 0 && /^\s*dc=/i.test(parts[start - 1]!)) start--;
  if (start === parts.length) return dn;
  return parts
    .slice(start)
    .map((part) => part.trim())
    .join(',');
}

/** What is read from the user's entry, and what of it goes into the token. */
export interface UserOptions {
  /**
   * The attribute whose value, as the user's entry stores it, is the token's `sub` (and
   * `req.user.username`, `X-Auth-User`, the key `revokeAllFor` takes), whatever name or attribute
   * the person typed. Default: the login attribute (`searchCriteria.default`: `uid`, or
   * `sAMAccountName` with the activedirectory preset). `entryUUID` or `objectGUID` (as text) give
   * an identifier that survives renames. The login attribute's value is always carried as
   * `preferred_username`. An entry lacking either attribute gets no token (401, logged); with
   * several values, the one the entry's DN names is used, and none named means no token.
   * Env `LDAP_SUBJECT_ATTRIBUTE`.
   */
  subjectAttribute?: string;
  /**
   * Attributes read from the user's entry in the same search that finds it (no extra round trip),
   * available as `req.user.attributes` and carried in the token's `attributes` claim: one value
   * as a string, several as an array. `objectGUID` and `objectSid` come as their text forms;
   * photos, certificates and `;binary` attributes are refused at start-up (a token is no place for
   * them), and so are password attributes (`userPassword`, `unicodePwd`, ...), never read.
   * Env `LDAP_USER_ATTRIBUTES` (comma-separated).
   */
  attributes?: readonly string[];
  /**
   * Top-level token claims copied from attributes: claim name -> attribute, or attributes of
   * which the first present wins.
   * Registered names (`sub`, `exp`, `groups`, `attributes`, ...) are refused. Env `TOKEN_CLAIMS`
   * (`name=displayName|cn,email=mail`).
   */
  claims?: Readonly<Record<string, string | readonly string[]>>;
}

/** How a user's groups are found, for the `groups` claim, requirements and the required group. */
export interface GroupOptions {
  /**
   * - `memberOf`: the user entry's `memberOf` values (slapd's memberof overlay, Active
   *   Directory, FreeIPA), read with the user search: no extra query.
   * - `search`: one search under `baseDn` with `filter`.
   * - `inChain`: Active Directory's nested membership, one search with the matching rule
   *   LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941).
   * - `nested`: `search`, then the groups containing those groups, level by level (OpenLDAP
   *   `groupOfNames`/`groupOfUniqueNames` nesting), one batched query per level.
   * - `none`: no groups.
   * Env `LDAP_GROUP_STRATEGY`.
   */
  strategy?: 'none' | 'memberOf' | 'search' | 'inChain' | 'nested';
  /**
   * Where `search`, `inChain` and `nested` look for groups. Default: the `dc=` part of `ldap.topDn`
   * (`dc=example,dc=org` for `ou=people,dc=example,dc=org`). Env `LDAP_GROUP_BASE_DN`.
   */
  baseDn?: string;
  /**
   * The `search` and `nested` strategies' filter for a user's own groups; `{dn}` is the user's DN,
   * `{username}` its login attribute's value (e.g. `uid`), both escaped as RFC 4515 asks. Default
   * `(|(member={dn})(uniqueMember={dn})(memberUid={username}))` (`(member={dn})` with the
   * `activedirectory` and `freeipa` presets). Env `LDAP_GROUP_FILTER`.
   */
  filter?: string;
  /**
   * The attribute that names a group in the `groups` claim. For `memberOf`, the
   * name is read from the group's DN when its first RDN is this attribute (no query).
   * Env `LDAP_GROUP_NAME_ATTRIBUTE`.
   */
  nameAttribute?: string;
  /**
   * Most group names put in a token (direct groups first), to keep tokens small; more are dropped
   * with a warning in the log. The required group is checked against all of them.
   * Env `TOKEN_MAX_GROUPS`.
   */
  maxInToken?: number;
  /** `nested`: levels of nesting followed above the direct groups. Env `LDAP_GROUP_MAX_DEPTH`. */
  maxDepth?: number;
  /**
   * `nested`, and `memberOf` when names are read from the groups (a `nameAttribute` that is not
   * their RDN's): milliseconds the resolution may take; past it the login (or refresh) is
   * answered 503 rather than with a token missing groups.
   * Env `LDAP_GROUP_TIME_BUDGET_MS`.
   */
  timeBudgetMs?: number;
  /**
   * Only members of this group (a name, or a DN when it contains `=`; compared ignoring case) get
   * a token: others get 403 at request-token and 401 at refresh. A name matches any group of
   * that name the strategy finds; give the DN where users can create groups. Default: none.
   * Env `LDAP_REQUIRED_GROUP`.
   */
  required?: string;
}
