// The options a user gives createAuth and the adapters, documented for their editors. The schema
// under schema/ checks them and is the one place their defaults are written (docs/configuration.md
// shows them); schema/matches-types.ts proves these types are the schema's input.

import type { PresetName } from '../ldap/presets.js';
import type { Pem } from '../ldap/tls.js';
import type { AuthEvents } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { RedisOptions } from '../stores/redis-client.js';
import type { SigningAlgorithm } from '../token/keys.js';
import type { BrowserOptions } from './browser.js';
import type { GroupOptions, UserOptions } from './identity.js';
import type { OidcOptions } from './oidc.js';

export type { BrowserOptions } from './browser.js';
export type { GroupOptions, UserOptions } from './identity.js';
export type { OidcClient, OidcOptions } from './oidc.js';

/** Where to look for users, and how to reach the directory. */
export interface LdapOptions {
  /**
   * The directory: `ldap://host:port` or `ldaps://host:port`. Several servers for failover as an
   * array, or in one string separated by white space like OpenLDAP's `-H`: a new connection goes
   * to the first one that answers. Env `LDAP_AUTH_SERVER`.
   */
  url: string | readonly string[];
  /** The base under which users are searched, e.g. `ou=people,dc=example,dc=org`. Env `LDAP_TOP_DN`. */
  topDn: string;
  /** Search scope under `topDn`. Env `LDAP_SEARCH_SCOPE`. */
  scope?: 'base' | 'one' | 'sub';
  /**
   * The service account that searches for users, for directories that refuse anonymous search.
   * `username` is a full DN, or a bare name expanded as flask-ldap-auth does:
   * `<default search criteria>=<name>,<topDn>` (with the `activedirectory` preset, a
   * `user@domain` or `DOMAIN\user` name is used as it is). Env `LDAP_USERNAME`, `LDAP_PASSWORD`.
   * Default: none, searches are anonymous.
   */
  serviceAccount?: { username: string; password: string };
  /**
   * Milliseconds an LDAP operation (search, bind, StartTLS) may take before the directory counts
   * as unavailable (503). The wait for a free pooled connection is bounded by `timeoutMs +
   * connectTimeoutMs`. Env `LDAP_TIMEOUT_MS`.
   */
  timeoutMs?: number;
  /** Milliseconds a connection (TCP, and the TLS handshake of `ldaps://`) may take. Env `LDAP_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Connections kept open for searches, and as many again for user binds. Env `LDAP_POOL_SIZE`. */
  poolSize?: number;
  /**
   * Milliseconds a pooled connection may stay unused before it is closed, to stay ahead of
   * servers and firewalls that drop idle connections (Active Directory: 900 s). Env
   * `LDAP_IDLE_TIMEOUT_MS`.
   */
  idleTimeoutMs?: number;
  /** Upgrade `ldap://` connections with StartTLS before anything else is sent. Env `LDAP_STARTTLS`. */
  startTls?: boolean;
  /**
   * Refuse to start when a password would cross the network in clear text: an `ldap://` server
   * without `startTls`. Default `true`, except when every server is on this machine (`localhost`,
   * 127.0.0.0/8, `::1`). Env `LDAP_REQUIRE_TLS`.
   */
  requireTls?: boolean;
  /** Certificates for `ldaps://` and StartTLS. */
  tls?: LdapTlsOptions;
  /**
   * Defaults for a kind of directory: login attribute, allowed search criteria, the object classes
   * a user entry must have, username forms, group attributes. Env `LDAP_PRESET`.
   */
  preset?: PresetName;
}

/** Certificates for `ldaps://` and StartTLS, as PEM text (Node's `tls` options of the same names). */
export interface LdapTlsOptions {
  /** CAs to trust instead of Node's built-in list, e.g. a private CA. Env `LDAP_TLS_CA_FILE` (a path). */
  ca?: Pem;
  /** Client certificate chain, for directories that ask for one. Env `LDAP_TLS_CERT_FILE` (a path). */
  cert?: Pem;
  /** The client certificate's private key. Env `LDAP_TLS_KEY_FILE` (a path). */
  key?: Pem;
  /**
   * Verify the server's certificate and name. `false` lets anyone on the network
   * path impersonate the directory and read every password: for a test bench only.
   * Env `LDAP_TLS_REJECT_UNAUTHORIZED`.
   */
  rejectUnauthorized?: boolean;
  /** The name the server's certificate must carry, when it is not the URL's host. Env `LDAP_TLS_SERVERNAME`. */
  servername?: string;
}

export interface TokenOptions {
  /** Lifetime in seconds when the request gives no `token_duration`. Env `TOKEN_DEFAULT_DURATION`. */
  defaultDuration?: number;
  /**
   * The longest lifetime a client may ask for, in seconds. A token is also
   * cut at its session's end (`maxSessionSeconds`). Env `TOKEN_MAX_DURATION`.
   */
  maxDuration?: number;
  /**
   * Verified tokens remembered so a repeated token skips the signature check (expiry is still
   * checked every time). 0 turns this off. Env `TOKEN_VERIFY_CACHE_SIZE`.
   */
  verifyCacheSize?: number;
  /**
   * How tokens are signed. `HS256` shares `secretKey` with every verifier;
   * `EdDSA` (Ed25519), `ES256` (P-256) and `RS256` sign with `signingKey` and publish the public
   * keys as a JWKS, so other services verify tokens without holding a secret. Env `TOKEN_ALGORITHM`.
   */
  algorithm?: SigningAlgorithm;
  /**
   * The private key for `EdDSA`, `ES256` or `RS256`, as PEM or a JWK (JSON text). Its `kid` is its
   * RFC 7638 thumbprint. Env `TOKEN_SIGNING_KEY_FILE` (a path).
   */
  signingKey?: string;
  /**
   * Further public keys still accepted, each PEM, a JWK or a JWKS: during a rotation, the previous
   * signing key, until the tokens it signed have expired. A token whose `kid` is not among these
   * and the signing key's is refused. Default: none. Env `TOKEN_VERIFICATION_KEYS_FILE` (a path).
   */
  verificationKeys?: string | readonly string[];
  /** Set as `iss` and required on verification. Default: none. Env `TOKEN_ISSUER`. */
  issuer?: string;
  /** Set as `aud` and required on verification. Default: none. Env `TOKEN_AUDIENCE`. */
  audience?: string;
  /**
   * The longest a login lasts, in seconds from the password check (`auth_time`): no token, issued
   * or refreshed, outlives it, and a refresh after that is refused (401, `SessionExpiredError`:
   * sign in again). By default a working day with margin, so that a leaked token is not access
   * for ever. Env `TOKEN_MAX_SESSION_SECONDS`.
   */
  maxSessionSeconds?: number;
  /**
   * Seconds of clock difference tolerated on `exp` and `nbf`; 0: a token expires exactly when it
   * says. Env `TOKEN_CLOCK_SKEW_SECONDS`.
   */
  clockToleranceSeconds?: number;
}

/** One brute-force limit: `failures` failed logins within `windowSeconds`, then a lockout. */
export interface LoginLimitRule {
  /** Failed logins allowed within the window; the next attempt is refused (429) before any bind. */
  failures?: number;
  /** Seconds over which failures are counted. */
  windowSeconds?: number;
  /** Seconds a username or address stays locked once over the limit. */
  lockoutSeconds?: number;
}

/** Brute-force protection on the token endpoint. */
export interface LoginLimitOptions {
  /** Whether failed logins are counted and limited. Env `LOGIN_LIMITS`. */
  enabled?: boolean;
  /**
   * Failed logins per username (counted case-insensitively, whoever tries). A successful login
   * clears the count. Env `LOGIN_MAX_FAILURES_PER_USER`, `LOGIN_USER_WINDOW_SECONDS`, `LOGIN_USER_LOCKOUT_SECONDS`.
   */
  perUsername?: LoginLimitRule;
  /**
   * Failed logins per client address, whatever the usernames: one bot trying many accounts.
   * Env `LOGIN_MAX_FAILURES_PER_ADDRESS`,
   * `LOGIN_ADDRESS_WINDOW_SECONDS`, `LOGIN_ADDRESS_LOCKOUT_SECONDS`.
   */
  perAddress?: LoginLimitRule;
}

export interface SearchCriteriaOptions {
  /** Attribute matched against the username when the request names none. Default `'uid'`. Env `LDAP_SEARCH_CRITERIA`. */
  default?: string;
  /** Attributes a client may name in `search_criteria`. Default `['uid', 'cn', 'mail']`. Env `LDAP_ALLOWED_SEARCH_CRITERIA` (comma-separated). */
  allowed?: readonly string[];
}

/** Whether a refused login's answer says why the directory refused the account. */
export type RevealReason = 'never' | 'verified' | 'always';

/** How the directory's password-policy answers (locked, expired, must change...) are passed on. */
export interface PasswordPolicyOptions {
  /**
   * When a 401 from the token endpoint carries `reason` (`account_locked`, `password_expired`,
   * ...): `verified` only when the directory proved the password right, so that
   * nobody learns anything about an account whose password they do not know; `always` also for
   * a lockout, which directories report whatever the password (it tells a prober the account
   * exists and is locked); `never` keeps the seed's plain 401. Env `LDAP_REVEAL_ACCOUNT_STATE`.
   */
  revealReason?: RevealReason;
  /**
   * Whether user binds carry OpenLDAP's password-policy request control, without which slapd's
   * ppolicy overlay reports nothing (Active Directory's answers need no control). `auto` sends it when the directory's root DSE lists it in `supportedControl`, read once, and
   * also when the root DSE cannot be read; `always` and `never` skip the look-up. The control
   * costs the directory about a tenth of its bind throughput, hence not sent where it does
   * nothing. Env `LDAP_PASSWORD_POLICY_CONTROL`.
   */
  control?: PasswordPolicyControlUse;
}

/** When user binds carry the password-policy request control. */
export type PasswordPolicyControlUse = 'auto' | 'always' | 'never';

/**
 * Everything `createAuth` accepts. Only `ldap.url`/`ldap.topDn` and the signing key are required:
 * `secretKey` for HS256, `token.signingKey` for the other algorithms.
 */
export interface AuthOptions {
  /**
   * The HS256 signing key (flask-ldap-auth's `SECRET_KEY`): at least 32 bytes (a string counts
   * its UTF-8 bytes; a shorter key is a `ConfigurationError`), random, e.g. from
   * `openssl rand -base64 48`. Required with HS256, unused with the asymmetric algorithms.
   */
  secretKey?: string | Uint8Array;
  ldap: LdapOptions;
  token?: TokenOptions;
  searchCriteria?: SearchCriteriaOptions;
  loginLimits?: LoginLimitOptions;
  /** What is read from the user's entry, and copied into the token. */
  user?: UserOptions;
  /** How groups are found. */
  groups?: GroupOptions;
  /**
   * Proxies whose `X-Forwarded-For` is believed when working out the client's address for the
   * per-address limit, and whose `X-Forwarded-Proto`/`X-Forwarded-Host` (else `Forwarded`'s
   * `proto=`/`host=`) give the scheme and host of the URLs the standalone service and the Hono
   * adapter build (Express, Fastify, Koa and Nest follow their own proxy settings): addresses,
   * CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`. Default none: the socket's peer is
   * the client, and those headers are ignored. Env `TRUSTED_PROXIES`.
   */
  trustedProxies?: readonly string[];
  /**
   * Where login counters and revocations live. Default: in memory, one process. With Redis
   * (ioredis: one server, Sentinel or Cluster), every instance shares them.
   */
  redis?: RedisOptions;
  /**
   * What happens when the shared store (Redis) cannot be reached. `closed`: logins,
   * and verifications when revocation is on, answer 503, so that no limit or revocation is skipped
   * silently. `open`: the failure is logged and the store is skipped. Env `STORE_FAILURE`.
   */
  storeFailure?: 'open' | 'closed';
  revocation?: {
    /**
     * Check every verification against the revocation store, and serve `POST {mount}/revoke`.
     * Off by default, so that verifying a token costs no store call (with Redis, one round trip
     * per verification when on; in memory, one Map look-up). Env `TOKEN_REVOCATION`.
     */
    enabled?: boolean;
  };
  /** Browser sign-in on the standalone service (`ldap-token-auth serve`); see {@link BrowserOptions}. */
  browser?: BrowserOptions;
  passwordPolicy?: PasswordPolicyOptions;
  /** The standalone service as an OpenID Provider; see {@link OidcOptions}. */
  oidc?: OidcOptions;
  /** Receives warnings and errors (a pino logger fits). Default: silent. */
  logger?: Logger;
  /** Callbacks for metrics and audit: LDAP operations and token requests as they finish. */
  events?: AuthEvents;
  /** The clock, in milliseconds since the epoch; tests freeze it. Default `Date.now`. */
  now?: () => number;
}
