// The standalone service as an OpenID Provider.
import type { EnvironmentVariable } from './variable.js';

export const OIDC_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'OIDC_ISSUER',
    option: 'oidc.issuer',
    kind: 'string',
    description:
      'Makes `ldap-token-auth serve` an OpenID Provider with this issuer URL: `https://`, or `http://` on a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`) for tests; no query or fragment. Its path prefixes the provider routes (`/.well-known/openid-configuration`, `/oidc/*`). Needs an asymmetric `TOKEN_ALGORITHM`. Unset: OpenID Connect is off.',
  },
  {
    name: 'OIDC_CLIENTS_FILE',
    option: 'oidc.clientsFile',
    kind: 'string',
    description:
      'A JSON or YAML file listing the OpenID Connect clients in the standard metadata names (`client_id`, `client_secret`, `redirect_uris`, `post_logout_redirect_uris`, `grant_types`, `response_types`, `token_endpoint_auth_method`, `scope`), plus `allowed_groups`. Read at start-up; an unknown field is an error.',
  },
];
