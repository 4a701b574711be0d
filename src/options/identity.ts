// The `user` and `groups` options as the core runs on them: the login attribute, base DN and
// group filter filled in from the rest of the configuration.
import type { z } from 'zod';
import { defaultGroupFilter, type GroupSettings } from '../ldap/groups.js';
import type { DirectoryPreset } from '../ldap/presets.js';
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
