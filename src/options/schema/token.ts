// The schema of the signing options: `secretKey` and `token`.
import { z } from 'zod';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../../token/keys.js';
import { seconds } from './parts.js';

export const secretKeySchema = z
  .union([
    z.string().min(1),
    z.instanceof(Uint8Array<ArrayBufferLike>).refine((key) => key.length > 0),
  ])
  .optional();

/**
 * `token.maxSessionSeconds`: 12 hours, a working day with margin. A session must end somewhere,
 * so that a leaked token, refreshed by whoever holds it, is not access for ever.
 */
export const DEFAULT_MAX_SESSION_SECONDS = 43_200;

export const tokenSchema = z
  .strictObject({
    defaultDuration: seconds.default(3600),
    maxDuration: seconds.default(86_400),
    verifyCacheSize: z.number().int().min(0).max(10_000_000).default(10_000),
    algorithm: z
      .enum(SIGNING_ALGORITHMS as [SigningAlgorithm, ...SigningAlgorithm[]])
      .default('HS256'),
    signingKey: z.string().min(1).optional(),
    verificationKeys: z
      .union([z.string().min(1), z.array(z.string().min(1)).readonly()])
      .optional(),
    issuer: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
    clockToleranceSeconds: z.number().int().min(0).max(3600).default(0),
    maxSessionSeconds: seconds.default(DEFAULT_MAX_SESSION_SECONDS),
  })
  .refine((token) => token.defaultDuration <= token.maxDuration, {
    message: 'defaultDuration must not exceed maxDuration',
    path: ['defaultDuration'],
  })
  .prefault({});
