// The `oidc` options (the service as an OpenID Provider) as documented for users, and the issuer
// URL rule. The rule lives here, below the options schema that applies it; src/oidc/issuer.ts
// gives it to the provider and to `check` under the name the OIDC code imports.

/** The token endpoint grants a client may use. */
export type OidcGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** How a client authenticates at the token endpoint; `none`: a public client (PKCE S256 required). */
export type OidcClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * One relying party, in the standard client metadata names (OpenID Connect Dynamic Client
 * Registration, section 2), plus `allowed_groups`. Clients from configuration are first-party:
 * no consent screen.
 */
export interface OidcClient {
  client_id: string;
  /** Required unless `token_endpoint_auth_method` is `none`; refused when it is. */
  client_secret?: string;
  /** Absolute URLs without a fragment; required for the `authorization_code` grant. */
  redirect_uris?: readonly string[];
  /** Where RP-initiated logout may send the browser back to: absolute URLs without a fragment. */
  post_logout_redirect_uris?: readonly string[];
  /** Default `['authorization_code', 'refresh_token']`. */
  grant_types?: readonly OidcGrantType[];
  /** Default `['code']`, the only one served. */
  response_types?: readonly 'code'[];
  /** Default `client_secret_basic`. */
  token_endpoint_auth_method?: OidcClientAuthMethod;
  /** Space-separated scopes the client may ask for. Default `openid profile email groups offline_access`. */
  scope?: string;
  /**
   * Group names, as in our tokens' `groups` claim: only their members may sign in to this client
   * (others get `access_denied` at the redirect URI). Absent: everyone the service admits.
   */
  allowed_groups?: readonly string[];
}

/** The service as an OpenID Provider (`ldap-token-auth serve`). Off unless `issuer` is set. */
export interface OidcOptions {
  /**
   * The issuer URL: `https:`, or `http:` on a loopback host (`localhost`, 127.0.0.0/8, `[::1]`);
   * no query or fragment. Its path prefixes the provider's routes. Env `OIDC_ISSUER`.
   */
  issuer?: string;
  /** A JSON or YAML file holding a list of {@link OidcClient}. Env `OIDC_CLIENTS_FILE` (a path). */
  clientsFile?: string;
  /** Clients given in code, beside those of `clientsFile`. */
  clients?: readonly OidcClient[];
}

/** Every scope the provider serves, and the default of a client's `scope`. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'groups', 'offline_access'] as const;

/**
 * Why `url` cannot be an issuer, or `undefined` when it can. Clients compare the issuer byte for
 * byte and fetch keys from it, hence https, and plain http only where nobody else is on the path.
 */
export function issuerProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL such as https://sso.example.org';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an https:// URL';
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    return 'must be https:// (plain http:// only on localhost, 127.0.0.0/8 or [::1])';
  }
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  if (url.includes('?')) return 'must not have a query';
  if (url.includes('#')) return 'must not have a fragment';
  return undefined;
}

/** The issuer as clients will see it: as `new URL` spells it, without a trailing slash. */
export function canonicalIssuer(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
