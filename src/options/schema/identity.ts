// The schema of the `user` and `groups` options (who the user is: attributes, claims, groups).
import { z } from 'zod';
import { refusedAttribute } from '../../ldap/entry-values.js';
import { GroupFilterTemplate } from '../../ldap/group-filter.js';
import { attributeName } from './parts.js';

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

export const userSchema = z
  .strictObject({
    subjectAttribute: readableAttribute.optional(),
    attributes: z
      .array(readableAttribute)
      .max(100)
      .readonly()
      .default(['cn', 'mail', 'displayName']),
    claims: z
      .record(
        z.string(),
        z.union([readableAttribute, z.array(readableAttribute).min(1).readonly()]),
      )
      .superRefine((claims, context) => {
        for (const name of Object.keys(claims)) {
          const refused = refusedClaim(name);
          if (refused) context.addIssue({ code: 'custom', message: refused, path: [name] });
        }
      })
      .default({ name: ['displayName', 'cn'], email: 'mail' }),
  })
  .prefault({});

/** The values of `groups.strategy`. */
export const GROUP_STRATEGIES = ['none', 'memberOf', 'search', 'inChain', 'nested'] as const;

export const groupsSchema = z
  .strictObject({
    strategy: z.enum(GROUP_STRATEGIES).default('memberOf'),
    baseDn: z.string().min(1).optional(),
    filter: groupFilter.optional(),
    nameAttribute: attributeName.default('cn'),
    maxInToken: z.number().int().min(0).max(10_000).default(100),
    maxDepth: z.number().int().min(1).max(100).default(10),
    timeBudgetMs: z.number().int().positive().default(3000),
    required: z.string().trim().min(1).optional(),
  })
  .refine((groups) => !(groups.required && groups.strategy === 'none'), {
    message: 'a required group needs a group strategy other than none',
    path: ['required'],
  })
  .prefault({});
