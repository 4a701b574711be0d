// The options a user gives createAuth and the adapters: documented, with their defaults. The
// schema that checks them and fills the defaults is src/config.ts.

import type { PresetName } from '../ldap/presets.js';
import type { Pem } from '../ldap/tls.js';
import type { AuthEvents } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import type { RedisOptions } from '../stores/redis-client.js';
import type { SigningAlgorithm } from '../token/keys.js';

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
  /** Search scope under `topDn`. Default `'sub'`. Env `LDAP_SEARCH_SCOPE`. */
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
   * connectTimeoutMs`. Default 5000. Env `LDAP_TIMEOUT_MS`.
   */
  timeoutMs?: number;
  /** Milliseconds a connection (TCP, and the TLS handshake of `ldaps://`) may take. Default 3000. Env `LDAP_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Connections kept open for searches, and as many again for user binds. Default 4. Env `LDAP_POOL_SIZE`. */
  poolSize?: number;
  /**
   * Milliseconds a pooled connection may stay unused before it is closed, to stay ahead of
   * servers and firewalls that drop idle connections (Active Directory: 900 s). Default 300000
   * (5 minutes). Env `LDAP_IDLE_TIMEOUT_MS`.
   */
  idleTimeoutMs?: number;
  /** Upgrade `ldap://` connections with StartTLS before anything else is sent. Default `false`. Env `LDAP_STARTTLS`. */
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
   * a user entry must have, username forms, group attributes. Default `'openldap'`.
   * Env `LDAP_PRESET`.
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
   * Verify the server's certificate and name. Default `true`. `false` lets anyone on the network
   * path impersonate the directory and read every password: for a test bench only.
   * Env `LDAP_TLS_REJECT_UNAUTHORIZED`.
   */
  rejectUnauthorized?: boolean;
  /** The name the server's certificate must carry, when it is not the URL's host. Env `LDAP_TLS_SERVERNAME`. */
  servername?: string;
}

export interface TokenOptions {
  /** Lifetime in seconds when the request gives no `token_duration`. Default 3600. Env `TOKEN_DEFAULT_DURATION`. */
  defaultDuration?: number;
  /**
   * The longest lifetime a client may ask for, in seconds. Default 86400 (24 h). A token is also
   * cut at its session's end (`maxSessionSeconds`). Env `TOKEN_MAX_DURATION`.
   */
  maxDuration?: number;
  /**
   * Verified tokens remembered so a repeated token skips the signature check (expiry is still
   * checked every time). 0 turns this off. Default 10000. Env `TOKEN_VERIFY_CACHE_SIZE`.
   */
  verifyCacheSize?: number;
  /**
   * How tokens are signed. `HS256` (the default) shares `secretKey` with every verifier;
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
   * sign in again). Default 43200 (12 hours: a working day with margin, so that a leaked token is
   * not access for ever). Env `TOKEN_MAX_SESSION_SECONDS`.
   */
  maxSessionSeconds?: number;
  /**
   * Seconds of clock difference tolerated on `exp` and `nbf`. Default 0: a token expires exactly
   * when it says. Env `TOKEN_CLOCK_SKEW_SECONDS`.
   */
  clockToleranceSeconds?: number;
}

/** One brute-force limit: `failures` failed logins within `windowSeconds`, then a lockout. */
export interface LoginLimitRule {
  /** Failed logins allowed within the window; the next attempt is refused (429) before any bind. */
  failures?: number;
  /** Seconds over which failures are counted. Default 900 (15 minutes). */
  windowSeconds?: number;
  /** Seconds a username or address stays locked once over the limit. Default 900. */
  lockoutSeconds?: number;
}

/** Brute-force protection on the token endpoint. */
export interface LoginLimitOptions {
  /** Default `true`. Env `LOGIN_LIMITS`. */
  enabled?: boolean;
  /**
   * Failed logins per username (counted case-insensitively, whoever tries). A successful login
   * clears the count. Default 5 per 15 minutes, locked 15 minutes. Env
   * `LOGIN_MAX_FAILURES_PER_USER`, `LOGIN_USER_WINDOW_SECONDS`, `LOGIN_USER_LOCKOUT_SECONDS`.
   */
  perUsername?: LoginLimitRule;
  /**
   * Failed logins per client address, whatever the usernames: one bot trying many accounts.
   * Default 100 per 15 minutes, locked 15 minutes. Env `LOGIN_MAX_FAILURES_PER_ADDRESS`,
   * `LOGIN_ADDRESS_WINDOW_SECONDS`, `LOGIN_ADDRESS_LOCKOUT_SECONDS`.
   */
  perAddress?: LoginLimitRule;
}

/**
 * Browser sign-in on the standalone service: a sign-in page at `{mount}/login`, the token kept in
 * a cookie, `{mount}/verify` reading that cookie and sending browsers without one to the page.
 * The adapters serve no sign-in page; only `ldap-token-auth serve` reads these.
 */
export interface BrowserOptions {
  /** Serve `GET`/`POST {mount}/login` and `POST {mount}/logout`, and redirect browsers from `{mount}/verify`. Default `false`. Env `LOGIN_PAGE`. */
  enabled?: boolean;
  /**
   * Name of the cookie that carries the token. Default `'ldap_token_auth'`. Sent as
   * `__Host-<name>` when `cookieSecure` is on and `cookieDomain` unset (the default), so that no
   * sibling subdomain can plant a session. Env `COOKIE_NAME`.
   */
  cookieName?: string;
  /**
   * Mark the cookies `Secure` (sent over HTTPS only), and name the CSRF cookie `__Host-...` (the
   * token cookie too, without `cookieDomain`).
   * Default `true`; `false` is for plain-http development only (a warning is logged at start-up).
   * Env `COOKIE_SECURE`.
   */
  cookieSecure?: boolean;
  /**
   * `Domain` of the token cookie, e.g. `example.org`, so one sign-in serves every subdomain.
   * Default: none, the cookie goes back only to the host that set it. Env `COOKIE_DOMAIN`.
   */
  cookieDomain?: string;
  /**
   * Hosts the sign-in page may send a browser back to (`rd`): `app.example.org`, `app.example.org:8443`,
   * or `.example.org` for that domain and every subdomain. Relative paths (`/app/`) are always
   * allowed. Default: none. Env `LOGIN_ALLOWED_REDIRECT_HOSTS` (comma-separated).
   */
  allowedRedirectHosts?: readonly string[];
  /**
   * Where `{mount}/verify` sends browsers: a path on the host the browser asked for, or an
   * absolute `https://` URL of the sign-in page. Default `{mount}/login`. Env `LOGIN_URL`.
   */
  loginUrl?: string;
  /** The sign-in page's heading and title. Default `'Sign in'`. Env `LOGIN_PAGE_TITLE`. */
  title?: string;
  /**
   * How often a browser session asks the directory again whether its person may still sign in
   * (the entry exists, is not disabled or locked, is still in `groups.required`) and renews its
   * cookie with the groups of now, in seconds: at the first use of the session once this much
   * time has passed since its token was signed, once per session across workers and instances.
   * 0 turns re-checks off (the session then lasts as long as its cookie). Default 300.
   * Env `SESSION_RECHECK_SECONDS`.
   */
  sessionRecheckSeconds?: number;
  /**
   * When the directory cannot answer a re-check: `open` (the default) keeps the session, logs a
   * warning and asks again one interval later; `closed` answers 503 until the directory answers.
   * Env `SESSION_RECHECK_FAILURE`.
   */
  sessionRecheckFailure?: 'open' | 'closed';
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
   * ...): `verified` (the default) only when the directory proved the password right, so that
   * nobody learns anything about an account whose password they do not know; `always` also for
   * a lockout, which directories report whatever the password (it tells a prober the account
   * exists and is locked); `never` keeps the seed's plain 401. Env `LDAP_REVEAL_ACCOUNT_STATE`.
   */
  revealReason?: RevealReason;
  /**
   * Whether user binds carry OpenLDAP's password-policy request control, without which slapd's
   * ppolicy overlay reports nothing (Active Directory's answers need no control). `auto` (the
   * default) sends it when the directory's root DSE lists it in `supportedControl`, read once, and
   * also when the root DSE cannot be read; `always` and `never` skip the look-up. The control
   * costs the directory about a tenth of its bind throughput, hence not sent where it does
   * nothing. Env `LDAP_PASSWORD_POLICY_CONTROL`.
   */
  control?: PasswordPolicyControlUse;
}

/** When user binds carry the password-policy request control. */
export type PasswordPolicyControlUse = 'auto' | 'always' | 'never';

/** What is read from the user's entry, and what of it goes into the token. */
export interface UserOptions {
  /**
   * The attribute whose value, as the user's entry stores it, is the token's `sub` (and
   * `req.user.username`, `X-Auth-User`, the key `revokeAllFor` takes), whatever name or attribute
   * the person typed. Default: the login attribute (`searchCriteria.default`: `uid`, or
   * `sAMAccountName` with the activedirectory preset). `entryUUID` or `objectGUID` (as text) give
   * an identifier that survives renames. The login attribute's value is always carried as
   * `preferred_username`. An entry lacking either attribute gets no token (401, logged); with
   * several values, the one the entry's DN names is used, and none named means no token.
   * Env `LDAP_SUBJECT_ATTRIBUTE`.
   */
  subjectAttribute?: string;
  /**
   * Attributes read from the user's entry in the same search that finds it (no extra round trip),
   * available as `req.user.attributes` and carried in the token's `attributes` claim: one value
   * as a string, several as an array. `objectGUID` and `objectSid` come as their text forms;
   * photos, certificates and `;binary` attributes are refused at start-up (a token is no place for
   * them), and so are password attributes (`userPassword`, `unicodePwd`, ...), never read.
   * Default `['cn', 'mail', 'displayName']`. Env `LDAP_USER_ATTRIBUTES` (comma-separated).
   */
  attributes?: readonly string[];
  /**
   * Top-level token claims copied from attributes: claim name -> attribute, or attributes of
   * which the first present wins. Default `{ name: ['displayName', 'cn'], email: 'mail' }`.
   * Registered names (`sub`, `exp`, `groups`, `attributes`, ...) are refused. Env `TOKEN_CLAIMS`
   * (`name=displayName|cn,email=mail`).
   */
  claims?: Readonly<Record<string, string | readonly string[]>>;
}

/** How a user's groups are found, for the `groups` claim, requirements and the required group. */
export interface GroupOptions {
  /**
   * - `memberOf` (default): the user entry's `memberOf` values (slapd's memberof overlay, Active
   *   Directory, FreeIPA), read with the user search: no extra query.
   * - `search`: one search under `baseDn` with `filter`.
   * - `inChain`: Active Directory's nested membership, one search with the matching rule
   *   LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941).
   * - `nested`: `search`, then the groups containing those groups, level by level (OpenLDAP
   *   `groupOfNames`/`groupOfUniqueNames` nesting), one batched query per level.
   * - `none`: no groups.
   * Env `LDAP_GROUP_STRATEGY`.
   */
  strategy?: 'none' | 'memberOf' | 'search' | 'inChain' | 'nested';
  /**
   * Where `search`, `inChain` and `nested` look for groups. Default: the `dc=` part of `ldap.topDn`
   * (`dc=example,dc=org` for `ou=people,dc=example,dc=org`). Env `LDAP_GROUP_BASE_DN`.
   */
  baseDn?: string;
  /**
   * The `search` and `nested` strategies' filter for a user's own groups; `{dn}` is the user's DN,
   * `{username}` its login attribute's value (e.g. `uid`), both escaped as RFC 4515 asks. Default
   * `(|(member={dn})(uniqueMember={dn})(memberUid={username}))` (`(member={dn})` with the
   * `activedirectory` and `freeipa` presets). Env `LDAP_GROUP_FILTER`.
   */
  filter?: string;
  /**
   * The attribute that names a group in the `groups` claim. Default `cn`. For `memberOf`, the
   * name is read from the group's DN when its first RDN is this attribute (no query).
   * Env `LDAP_GROUP_NAME_ATTRIBUTE`.
   */
  nameAttribute?: string;
  /**
   * Most group names put in a token (direct groups first), to keep tokens small; more are dropped
   * with a warning in the log. The required group is checked against all of them. Default 100.
   * Env `TOKEN_MAX_GROUPS`.
   */
  maxInToken?: number;
  /** `nested`: levels of nesting followed above the direct groups. Default 10. Env `LDAP_GROUP_MAX_DEPTH`. */
  maxDepth?: number;
  /**
   * `nested`, and `memberOf` when names are read from the groups (a `nameAttribute` that is not
   * their RDN's): milliseconds the resolution may take; past it the login (or refresh) is
   * answered 503 rather than with a token missing groups. Default 3000.
   * Env `LDAP_GROUP_TIME_BUDGET_MS`.
   */
  timeBudgetMs?: number;
  /**
   * Only members of this group (a name, or a DN when it contains `=`; compared ignoring case) get
   * a token: others get 403 at request-token and 401 at refresh. A name matches any group of
   * that name the strategy finds; give the DN where users can create groups. Default: none.
   * Env `LDAP_REQUIRED_GROUP`.
   */
  required?: string;
}

/**
 * Everything `createAuth` accepts. Only `ldap.url`/`ldap.topDn` and the signing key are required:
 * `secretKey` for HS256 (the default), `token.signingKey` for the other algorithms.
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
  /** How groups are found. Default: the `memberOf` attribute. */
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
   * What happens when the shared store (Redis) cannot be reached. `closed` (the default): logins,
   * and verifications when revocation is on, answer 503, so that no limit or revocation is skipped
   * silently. `open`: the failure is logged and the store is skipped. Env `STORE_FAILURE`.
   */
  storeFailure?: 'open' | 'closed';
  revocation?: {
    /**
     * Check every verification against the revocation store, and serve `POST {mount}/revoke`.
     * Default `false`, so that verifying a token costs no store call (with Redis, one round trip
     * per verification when on; in memory, one Map look-up). Env `TOKEN_REVOCATION`.
     */
    enabled?: boolean;
  };
  /** Browser sign-in on the standalone service (`ldap-token-auth serve`); see {@link BrowserOptions}. */
  browser?: BrowserOptions;
  passwordPolicy?: PasswordPolicyOptions;
  /** Receives warnings and errors (a pino logger fits). Default: silent. */
  logger?: Logger;
  /** Callbacks for metrics and audit: LDAP operations and token requests as they finish. */
  events?: AuthEvents;
  /** The clock, in milliseconds since the epoch; tests freeze it. Default `Date.now`. */
  now?: () => number;
}
