// The schema of the directory's options: `ldap`, `searchCriteria` and `passwordPolicy`.
import { z } from 'zod';
import { PRESET_NAMES } from '../../ldap/presets.js';
import { attributeName, milliseconds, pem } from './parts.js';

/** The values of `ldap.scope`. */
export const SEARCH_SCOPES = ['base', 'one', 'sub'] as const;

export const ldapSchema = z.strictObject({
  url: z.union([z.string(), z.array(z.string()).min(1).readonly()]),
  topDn: z.string().min(1),
  scope: z.enum(SEARCH_SCOPES).default('sub'),
  serviceAccount: z
    .strictObject({ username: z.string().min(1), password: z.string().min(1) })
    .optional(),
  timeoutMs: milliseconds.default(5000),
  connectTimeoutMs: milliseconds.default(3000),
  poolSize: z.number().int().min(1).max(256).default(4),
  idleTimeoutMs: milliseconds.default(300_000),
  startTls: z.boolean().default(false),
  // Its default depends on where the servers are: see resolveConnection.
  requireTls: z.boolean().optional(),
  tls: z
    .strictObject({
      ca: pem.optional(),
      cert: pem.optional(),
      key: pem.optional(),
      rejectUnauthorized: z.boolean().default(true),
      servername: z.string().min(1).optional(),
    })
    .prefault({}),
  preset: z.enum(PRESET_NAMES).default('openldap'),
});

// Both defaults come from the preset, at resolution.
export const searchCriteriaSchema = z
  .strictObject({
    default: attributeName.optional(),
    allowed: z.array(attributeName).min(1).readonly().optional(),
  })
  .prefault({});

/** The values of `passwordPolicy.revealReason`. */
export const REVEAL_REASONS = ['never', 'verified', 'always'] as const;
/** The values of `passwordPolicy.control`. */
export const PASSWORD_POLICY_CONTROL_USES = ['auto', 'always', 'never'] as const;

export const passwordPolicySchema = z
  .strictObject({
    revealReason: z.enum(REVEAL_REASONS).default('verified'),
    control: z.enum(PASSWORD_POLICY_CONTROL_USES).default('auto'),
  })
  .prefault({});
