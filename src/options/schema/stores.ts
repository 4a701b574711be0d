// The schema of the shared stores: `redis`, `storeFailure` and `revocation`.
import { z } from 'zod';

export const redisSchema = z
  .strictObject({
    url: z.string().min(1).optional(),
    sentinels: z
      .strictObject({ hosts: z.array(z.string().min(1)).min(1), name: z.string().min(1) })
      .optional(),
    clusterNodes: z.array(z.string().min(1)).min(1).optional(),
    keyPrefix: z.string().min(1).default('ldap-token-auth:'),
  })
  .refine((redis) => redis.url || redis.sentinels || redis.clusterNodes, {
    message: 'needs url, sentinels or clusterNodes',
    path: ['url'],
  })
  .optional();

/** The values of `storeFailure` and `browser.sessionRecheckFailure`. */
export const FAILURE_MODES = ['open', 'closed'] as const;

export const storeFailureSchema = z.enum(FAILURE_MODES).default('closed');

export const revocationSchema = z
  .strictObject({ enabled: z.boolean().default(false) })
  .prefault({});
