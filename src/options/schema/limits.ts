// The schema of brute-force protection: `loginLimits` and `trustedProxies` (which say whose
// address is counted).
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { seconds } from './parts.js';

function limitRule(failures: number) {
  return z
    .strictObject({
      failures: z.number().int().min(1).max(1_000_000).default(failures),
      windowSeconds: seconds.default(900),
      lockoutSeconds: seconds.default(900),
    })
    .prefault({});
}

export const loginLimitsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    perUsername: limitRule(5),
    perAddress: limitRule(100),
  })
  .prefault({});

export const trustedProxiesSchema = z
  .array(z.string().min(1))
  .readonly()
  .default([])
  .refine((list) => {
    try {
      if (list.length > 0) proxyaddr.compile([...list]);
      return true;
    } catch {
      return false;
    }
  }, 'must be addresses, CIDR ranges, or loopback, linklocal, uniquelocal');
