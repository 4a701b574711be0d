// The issuer URL rule (src/options/oidc.ts, so the options schema applies it too), under the
// name the provider and `ldap-token-auth check` import, and where the provider's routes sit.
import { canonicalIssuer } from '../options/oidc.js';

export { canonicalIssuer, issuerProblem } from '../options/oidc.js';

/** The path the provider's routes hang under: the issuer's path, `''` at the root. */
export function issuerPath(issuer: string): string {
  return new URL(canonicalIssuer(issuer)).pathname.replace(/\/+$/, '');
}
