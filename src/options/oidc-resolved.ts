// The `oidc` section as the service runs on it: the issuer in the one spelling clients compare.
import type { z } from 'zod';
import { canonicalIssuer } from './oidc.js';
import type { oidcSchema, ParsedOidcClient } from './schema/oidc.js';

export interface ResolvedOidcOptions {
  /** Canonical (see {@link canonicalIssuer}); absent: OpenID Connect is off. */
  readonly issuer?: string;
  readonly clientsFile?: string;
  /** The clients given in code, defaults filled in (those of `clientsFile` are read at start-up). */
  readonly clients: readonly ParsedOidcClient[];
}

export function resolveOidc(oidc: z.output<typeof oidcSchema>): ResolvedOidcOptions {
  return {
    ...(oidc.issuer ? { issuer: canonicalIssuer(oidc.issuer) } : {}),
    ...(oidc.clientsFile ? { clientsFile: oidc.clientsFile } : {}),
    clients: oidc.clients ?? [],
  };
}
