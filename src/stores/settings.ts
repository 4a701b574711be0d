import type { LimitRule } from './login-limiter.js';
import type { RedisOptions } from './redis-client.js';

/**
 * The settings the stores read, and only those: the resolved options satisfy this shape, so the
 * stores need not know the options layer above them.
 */
export interface StoreSettings {
  readonly loginLimits: {
    readonly enabled: boolean;
    readonly perUsername: Readonly<LimitRule>;
    readonly perAddress: Readonly<LimitRule>;
  };
  /** Absent: every store is kept in process memory. */
  readonly redis?: Readonly<RedisOptions> & { readonly keyPrefix: string };
  /** `open` skips a store that fails (logged), `closed` refuses. */
  readonly storeFailure: 'open' | 'closed';
  readonly revocation: { readonly enabled: boolean };
  /** The sign-in page, whose sessions are revoked at sign-out through the revocation store. */
  readonly browser: { readonly enabled: boolean };
}
