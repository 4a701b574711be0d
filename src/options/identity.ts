// The schema of the `user` and `groups` options (who the user is: attributes, claims, groups),
// kept beside src/config.ts, which assembles every section into the resolved options.
import { z } from 'zod';
import { refusedAttribute } from '../ldap/entry-values.js';
import { isAttributeName } from '../ldap/escape.js';
import { GroupFilterTemplate } from '../ldap/group-filter.js';
import { defaultGroupFilter } from '../ldap/membership-filters.js';
import type { DirectoryPreset } from '../ldap/presets.js';
import type { GroupSettings } from '../ldap/settings.js';

const attributeName = z.string().refine(isAttributeName, 'must be an LDAP attribute name');

/** An attribute a token may carry: a name, and neither a password nor a photo. */
const readableAttribute = attributeName.superRefine((name, context) => {
  const refused = refusedAttribute(name);
  if (refused) context.addIssue({ code: 'custom', message: refused });
});

/** Claims the library sets itself, which a mapping may not overwrite. */
const REGISTERED_CLAIMS = new Set([
  'sub',
  'dn',
  'iat',
  'exp',
  'nbf',
  'jti',
  'iss',
  'aud',
  'auth_time',
  'sid',
  'preferred_username',
  'groups',
  'attributes',
]);

/** Why `name` cannot be a mapped claim, or `undefined`. */
function refusedClaim(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_.:-]*$/.test(name)) {
    return 'must be a claim name (letters, digits, _ . : -)';
  }
  return REGISTERED_CLAIMS.has(name) ? 'is a claim the library sets itself' : undefined;
}

/** A group filter template, parsed here once so that a bad one stops the service at start-up. */
const groupFilter = z.string().superRefine((template, context) => {
  try {
    new GroupFilterTemplate(template);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const DEFAULT_USER = {
  attributes: ['cn', 'mail', 'displayName'],
  claims: { name: ['displayName', 'cn'], email: 'mail' },
};

export const userSchema = z
  .object({
    subjectAttribute: readableAttribute.optional(),
    attributes: z.array(readableAttribute).max(100).default(DEFAULT_USER.attributes),
    claims: z
      .record(z.string(), z.union([readableAttribute, z.array(readableAttribute).min(1)]))
      .superRefine((claims, context) => {
        for (const name of Object.keys(claims)) {
          const refused = refusedClaim(name);
          if (refused) context.addIssue({ code: 'custom', message: refused, path: [name] });
        }
      })
      .default(DEFAULT_USER.claims),
  })
  .default(DEFAULT_USER);

export const groupsSchema = z
  .object({
    strategy: z.enum(['none', 'memberOf', 'search', 'inChain', 'nested']).default('memberOf'),
    baseDn: z.string().min(1).optional(),
    filter: groupFilter.optional(),
    nameAttribute: attributeName.default('cn'),
    maxInToken: z.number().int().min(0).max(10_000).default(100),
    maxDepth: z.number().int().min(1).max(100).default(10),
    timeBudgetMs: z.number().int().positive().default(3000),
    required: z.string().trim().min(1).optional(),
  })
  .default({
    strategy: 'memberOf',
    nameAttribute: 'cn',
    maxInToken: 100,
    maxDepth: 10,
    timeBudgetMs: 3000,
  })
  .refine((groups) => !(groups.required && groups.strategy === 'none'), {
    message: 'a required group needs a group strategy other than none',
    path: ['required'],
  });

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
