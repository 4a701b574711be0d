// Every option of `createAuth`, checked and defaulted: the one place each default is written.
// An object at any depth refuses keys it does not know, so that a misspelt option is an error
// rather than a setting silently left at its default.
import { z } from 'zod';
import type { AuthEvents } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { browserSchema } from './browser.js';
import { groupsSchema, userSchema } from './identity.js';
import { ldapSchema, passwordPolicySchema, searchCriteriaSchema } from './ldap.js';
import { loginLimitsSchema, trustedProxiesSchema } from './limits.js';
import { oidcSchema } from './oidc.js';
import { redisSchema, revocationSchema, storeFailureSchema } from './stores.js';
import { secretKeySchema, tokenSchema } from './token.js';

export const optionsSchema = z.strictObject({
  secretKey: secretKeySchema,
  ldap: ldapSchema,
  token: tokenSchema,
  searchCriteria: searchCriteriaSchema,
  loginLimits: loginLimitsSchema,
  user: userSchema,
  groups: groupsSchema,
  trustedProxies: trustedProxiesSchema,
  redis: redisSchema,
  storeFailure: storeFailureSchema,
  revocation: revocationSchema,
  browser: browserSchema,
  passwordPolicy: passwordPolicySchema,
  oidc: oidcSchema,
  // Passed through untouched: objects of callbacks, not settings.
  logger: z.custom<Logger>().optional(),
  events: z.custom<AuthEvents>().optional(),
  now: z.custom<() => number>().optional(),
});

export type ParsedOptions = z.output<typeof optionsSchema>;
