// `ldap-token-auth/oidc`: the OpenID Provider for people who mount it in their own server, and
// the clients file and issuer checks. oidc-provider itself is loaded only by createOidcProvider.
export type { OidcClient, OidcOptions } from '../options/oidc.js';
export { parseOidcClients, type ResolvedOidcClient, readOidcClients } from './clients.js';
export { OidcInteractions } from './interactions.js';
export { canonicalIssuer, issuerProblem } from './issuer.js';
export { oidcListener } from './node-routes.js';
export { createOidcProvider, type OidcProvider, type OidcProviderOptions } from './provider.js';
export { OIDC_ROUTES } from './provider-config.js';
