// Every environment variable the library and the service read: the one table that fromEnv,
// `ldap-token-auth --help` and the README's configuration reference are made from.
/** One environment variable: what it sets, and the option path it sets it at. */
export interface EnvironmentVariable {
  name: string;
  /** Dotted path of the option in {@link AuthOptions}. */
  option: string;
  description: string;
  /** The default, as a person would write it; `undefined` when the variable is required or unset means "none". */
  default?: string;
  required?: boolean;
  /** Required only when tokens are signed with HS256 (`TOKEN_ALGORITHM` unset or `HS256`). */
  hs256Only?: boolean;
  /** Never shown in diagnostics, and taken as it is, spaces included. */
  secret?: boolean;
  /**
   * Read by `ldap-token-auth serve` only, never by `fromEnv`; `option` is then the command-line
   * flag that overrides it.
   */
  service?: boolean;
  kind:
    | 'string'
    | 'integer'
    | 'list'
    | 'scope'
    | 'boolean'
    | 'file'
    | 'preset'
    | 'algorithm'
    | 'storeFailure'
    | 'revealReason'
    | 'policyControl'
    | 'claims'
    | 'groupStrategy';
}

/**
 * Every variable `fromEnv` reads. flask-ldap-auth's own names come first, unchanged.
 * The configuration reference in the README is written from this table.
 */
export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  {
    name: 'SECRET_KEY',
    option: 'secretKey',
    kind: 'string',
    required: true,
    hs256Only: true,
    secret: true,
    description:
      'Key that signs tokens with HS256. Use at least 32 random bytes. Required unless `TOKEN_ALGORITHM` is `EdDSA`, `ES256` or `RS256`.',
  },
  {
    name: 'LDAP_AUTH_SERVER',
    option: 'ldap.url',
    kind: 'string',
    required: true,
    description:
      'Directory URL, `ldap://host:port` or `ldaps://host:port`; several, separated by spaces, for failover (the first that answers is used).',
  },
  {
    name: 'LDAP_TOP_DN',
    option: 'ldap.topDn',
    kind: 'string',
    required: true,
    description: 'Base DN under which users are searched.',
  },
  {
    name: 'LDAP_USERNAME',
    option: 'ldap.serviceAccount.username',
    kind: 'string',
    description:
      'Service account for searches: a DN, or a bare name expanded to `<LDAP_SEARCH_CRITERIA>=<name>,<LDAP_TOP_DN>` (with `LDAP_PRESET=activedirectory`, `user@domain` and `DOMAIN\\user` are used as they are). Unset: anonymous search.',
  },
  {
    name: 'LDAP_PASSWORD',
    option: 'ldap.serviceAccount.password',
    kind: 'string',
    secret: true,
    description: "The service account's password.",
  },
  {
    name: 'LDAP_SEARCH_SCOPE',
    option: 'ldap.scope',
    kind: 'scope',
    default: 'sub',
    description: 'Search scope under `LDAP_TOP_DN`: `base`, `one` or `sub`.',
  },
  {
    name: 'LDAP_SEARCH_CRITERIA',
    option: 'searchCriteria.default',
    kind: 'string',
    default: 'uid',
    description:
      "Attribute the username is matched against when the request names none. Default: the preset's, `uid` (`sAMAccountName` for `activedirectory`).",
  },
  {
    name: 'LDAP_ALLOWED_SEARCH_CRITERIA',
    option: 'searchCriteria.allowed',
    kind: 'list',
    default: 'uid,cn,mail',
    description:
      "Comma-separated attributes a client may name in `search_criteria`. Default: the preset's (`sAMAccountName,userPrincipalName,mail,cn` for `activedirectory`, `uid,mail,krbPrincipalName` for `freeipa`).",
  },
  {
    name: 'LDAP_TIMEOUT_MS',
    option: 'ldap.timeoutMs',
    kind: 'integer',
    default: '5000',
    description:
      'Milliseconds an LDAP operation (search, bind, StartTLS) may take before the directory counts as unavailable (503); a request waits at most this plus `LDAP_CONNECT_TIMEOUT_MS` for a free pooled connection.',
  },
  {
    name: 'LDAP_CONNECT_TIMEOUT_MS',
    option: 'ldap.connectTimeoutMs',
    kind: 'integer',
    default: '3000',
    description:
      'Milliseconds a connection to one directory server may take (TCP, and the TLS handshake of `ldaps://`) before the next server is tried.',
  },
  {
    name: 'LDAP_POOL_SIZE',
    option: 'ldap.poolSize',
    kind: 'integer',
    default: '4',
    description: 'Directory connections kept for searches, and as many for password checks.',
  },
  {
    name: 'LDAP_IDLE_TIMEOUT_MS',
    option: 'ldap.idleTimeoutMs',
    kind: 'integer',
    default: '300000',
    description:
      'Milliseconds a pooled connection may stay unused before it is closed, ahead of servers and firewalls that drop idle ones (Active Directory: 900 s).',
  },
  {
    name: 'LDAP_STARTTLS',
    option: 'ldap.startTls',
    kind: 'boolean',
    default: 'false',
    description: 'Upgrade `ldap://` connections with StartTLS before anything else is sent.',
  },
  {
    name: 'LDAP_REQUIRE_TLS',
    option: 'ldap.requireTls',
    kind: 'boolean',
    default: 'true',
    description:
      'Refuse to start when a password would cross the network in clear text (an `ldap://` server without `LDAP_STARTTLS`). Default `true`, except when every server is on this machine (`localhost`, `127.0.0.0/8`, `::1`).',
  },
  {
    name: 'LDAP_TLS_CA_FILE',
    option: 'ldap.tls.ca',
    kind: 'file',
    description:
      "PEM file of the CA certificates to trust for `ldaps://` and StartTLS (e.g. a private CA), instead of Node's built-in list.",
  },
  {
    name: 'LDAP_TLS_CERT_FILE',
    option: 'ldap.tls.cert',
    kind: 'file',
    description: 'PEM file of a client certificate, for directories that ask for one.',
  },
  {
    name: 'LDAP_TLS_KEY_FILE',
    option: 'ldap.tls.key',
    kind: 'file',
    description: "PEM file of the client certificate's private key.",
  },
  {
    name: 'LDAP_TLS_SERVERNAME',
    option: 'ldap.tls.servername',
    kind: 'string',
    description:
      "Name the directory's certificate must carry, when it is not the host in `LDAP_AUTH_SERVER`.",
  },
  {
    name: 'LDAP_TLS_REJECT_UNAUTHORIZED',
    option: 'ldap.tls.rejectUnauthorized',
    kind: 'boolean',
    default: 'true',
    description:
      '**Leave it on.** `false` accepts any certificate, so anyone on the network path can pose as the directory and read every password; for a test bench only (a warning is logged at start-up).',
  },
  {
    name: 'LDAP_PRESET',
    option: 'ldap.preset',
    kind: 'preset',
    default: 'openldap',
    description:
      'Defaults for a kind of directory: `openldap`, `activedirectory` (login as `sAMAccountName`, `DOMAIN\\user` or `user@domain`; people only) or `freeipa` (POSIX accounts only). See "Directories in production".',
  },
  {
    name: 'TOKEN_DEFAULT_DURATION',
    option: 'token.defaultDuration',
    kind: 'integer',
    default: '3600',
    description: 'Token lifetime in seconds when the request has no `token_duration`.',
  },
  {
    name: 'TOKEN_MAX_DURATION',
    option: 'token.maxDuration',
    kind: 'integer',
    default: '86400',
    description: 'Longest `token_duration` a client may ask for, in seconds.',
  },
  {
    name: 'TOKEN_VERIFY_CACHE_SIZE',
    option: 'token.verifyCacheSize',
    kind: 'integer',
    default: '10000',
    description:
      'Verified tokens remembered so a repeated token skips the signature check (expiry is checked every time); 0 turns it off.',
  },
  {
    name: 'TOKEN_ALGORITHM',
    option: 'token.algorithm',
    kind: 'algorithm',
    default: 'HS256',
    description:
      '`HS256` (signed with `SECRET_KEY`, which every verifier must then hold), or `EdDSA`, `ES256`, `RS256` (signed with `TOKEN_SIGNING_KEY_FILE`; the public keys are served as a JWKS).',
  },
  {
    name: 'TOKEN_SIGNING_KEY_FILE',
    option: 'token.signingKey',
    kind: 'file',
    description:
      'PEM or JWK file of the private key for `EdDSA` (Ed25519), `ES256` (P-256) or `RS256` (RSA, 2048 bits or more); its `kid` is its RFC 7638 thumbprint.',
  },
  {
    name: 'TOKEN_VERIFICATION_KEYS_FILE',
    option: 'token.verificationKeys',
    kind: 'file',
    description:
      'PEM, JWK or JWKS file of further public keys still accepted (and published), e.g. the previous signing key during a rotation. A token whose key is in neither file is refused.',
  },
  {
    name: 'TOKEN_ISSUER',
    option: 'token.issuer',
    kind: 'string',
    description: 'Set as the `iss` claim and required on verification. Unset: none.',
  },
  {
    name: 'TOKEN_AUDIENCE',
    option: 'token.audience',
    kind: 'string',
    description: 'Set as the `aud` claim and required on verification. Unset: none.',
  },
  {
    name: 'TOKEN_MAX_SESSION_SECONDS',
    option: 'token.maxSessionSeconds',
    kind: 'integer',
    description:
      'Longest a login can be extended by `POST {mount}/refresh`, in seconds from the password check (the `auth_time` claim); later refreshes are refused and no refreshed token outlives it. Unset: no limit.',
  },
  {
    name: 'TOKEN_CLOCK_SKEW_SECONDS',
    option: 'token.clockToleranceSeconds',
    kind: 'integer',
    default: '0',
    description:
      'Seconds of clock difference tolerated on `exp` and `nbf` when verifying. 0: a token expires exactly when it says.',
  },
  {
    name: 'LOGIN_LIMITS',
    option: 'loginLimits.enabled',
    kind: 'boolean',
    default: 'true',
    description:
      'Brute-force protection on the token endpoint: failed logins counted per username and per client address, checked before any bind; over a limit, `429` with `Retry-After`.',
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_USER',
    option: 'loginLimits.perUsername.failures',
    kind: 'integer',
    default: '5',
    description:
      'Failed logins allowed per username (case-insensitive) within `LOGIN_USER_WINDOW_SECONDS`; the next attempt is refused without asking the directory. A successful login clears the count.',
  },
  {
    name: 'LOGIN_USER_WINDOW_SECONDS',
    option: 'loginLimits.perUsername.windowSeconds',
    kind: 'integer',
    default: '900',
    description: 'Seconds over which the failures of a username are counted.',
  },
  {
    name: 'LOGIN_USER_LOCKOUT_SECONDS',
    option: 'loginLimits.perUsername.lockoutSeconds',
    kind: 'integer',
    default: '900',
    description:
      'Seconds a username stays locked once over its limit (the right password is refused too).',
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_ADDRESS',
    option: 'loginLimits.perAddress.failures',
    kind: 'integer',
    default: '100',
    description:
      'Failed logins allowed per client address, whatever the usernames, within `LOGIN_ADDRESS_WINDOW_SECONDS`.',
  },
  {
    name: 'LOGIN_ADDRESS_WINDOW_SECONDS',
    option: 'loginLimits.perAddress.windowSeconds',
    kind: 'integer',
    default: '900',
    description: 'Seconds over which the failures of an address are counted.',
  },
  {
    name: 'LOGIN_ADDRESS_LOCKOUT_SECONDS',
    option: 'loginLimits.perAddress.lockoutSeconds',
    kind: 'integer',
    default: '900',
    description: 'Seconds an address stays locked once over its limit.',
  },
  {
    name: 'TRUSTED_PROXIES',
    option: 'trustedProxies',
    kind: 'list',
    description:
      'Comma-separated proxies whose `X-Forwarded-For` is believed for the client address (addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`). Unset: none, the socket peer is the client.',
  },
  {
    name: 'REDIS_URL',
    option: 'redis.url',
    kind: 'string',
    description:
      '`redis://[:password@]host:port[/db]` (or `rediss://`): login counters and revocations shared by every instance through this Redis. Unset (and no sentinels or cluster): in memory, per process.',
  },
  {
    name: 'REDIS_SENTINELS',
    option: 'redis.sentinels.hosts',
    kind: 'list',
    description:
      'Comma-separated Sentinels as `host:port`, with `REDIS_SENTINEL_NAME`, instead of `REDIS_URL`.',
  },
  {
    name: 'REDIS_SENTINEL_NAME',
    option: 'redis.sentinels.name',
    kind: 'string',
    description: 'The name of the primary the Sentinels watch.',
  },
  {
    name: 'REDIS_CLUSTER_NODES',
    option: 'redis.clusterNodes',
    kind: 'list',
    description: 'Comma-separated Redis Cluster nodes as `host:port`, instead of `REDIS_URL`.',
  },
  {
    name: 'REDIS_KEY_PREFIX',
    option: 'redis.keyPrefix',
    kind: 'string',
    default: 'ldap-token-auth:',
    description: 'Prefix of every Redis key written.',
  },
  {
    name: 'STORE_FAILURE',
    option: 'storeFailure',
    kind: 'storeFailure',
    default: 'closed',
    description:
      'When Redis cannot be reached: `closed` answers 503 (logins, and verifications with `TOKEN_REVOCATION`), so no limit or revocation is skipped silently; `open` logs and skips the store.',
  },
  {
    name: 'TOKEN_REVOCATION',
    option: 'revocation.enabled',
    kind: 'boolean',
    default: 'false',
    description:
      'Check every verification against the revocation store and serve `POST {mount}/revoke`. Off by default: verifying then costs no store call.',
  },
  {
    name: 'LOGIN_PAGE',
    option: 'browser.enabled',
    kind: 'boolean',
    default: 'false',
    description:
      'Browser sign-in on `ldap-token-auth serve`: the sign-in page at `{mount}/login`, the token in a cookie, `POST {mount}/logout`, and `{mount}/verify` sending browsers without a session to the page. See "Browser sign-in".',
  },
  {
    name: 'LOGIN_URL',
    option: 'browser.loginUrl',
    kind: 'string',
    description:
      'Where `{mount}/verify` sends browsers without a session: a path on the host they asked for, or an absolute URL of the sign-in page. Unset: `{mount}/login`.',
  },
  {
    name: 'LOGIN_ALLOWED_REDIRECT_HOSTS',
    option: 'browser.allowedRedirectHosts',
    kind: 'list',
    description:
      'Comma-separated hosts the sign-in page may return a browser to (`rd`): `app.example.org`, `host:port`, or `.example.org` for the domain and its subdomains. Relative paths are always allowed. Unset: none.',
  },
  {
    name: 'LOGIN_PAGE_TITLE',
    option: 'browser.title',
    kind: 'string',
    default: 'Sign in',
    description: "The sign-in page's heading.",
  },
  {
    name: 'COOKIE_NAME',
    option: 'browser.cookieName',
    kind: 'string',
    default: 'ldap_token_auth',
    description:
      'Name of the cookie that carries the token after a browser sign-in; sent as `__Host-<name>` when `Secure` without `COOKIE_DOMAIN` (the default).',
  },
  {
    name: 'COOKIE_SECURE',
    option: 'browser.cookieSecure',
    kind: 'boolean',
    default: 'true',
    description:
      'Mark the sign-in cookies `Secure` (HTTPS only). `false` is for plain-http development only; a warning is logged at start-up.',
  },
  {
    name: 'COOKIE_DOMAIN',
    option: 'browser.cookieDomain',
    kind: 'string',
    description:
      '`Domain` of the token cookie (e.g. `example.org`), so one sign-in serves every subdomain. Unset: the host that set it only.',
  },
  {
    name: 'LDAP_REVEAL_ACCOUNT_STATE',
    option: 'passwordPolicy.revealReason',
    kind: 'revealReason',
    default: 'verified',
    description:
      "When a refused login's 401 says why (`reason`: `account_locked`, `password_expired`, `password_must_change`...): `verified` only when the directory proved the password right; `always` also for lockouts, reported whatever the password (this tells a prober the account exists); `never` keeps the plain 401.",
  },
  {
    name: 'LDAP_PASSWORD_POLICY_CONTROL',
    option: 'passwordPolicy.control',
    kind: 'policyControl',
    default: 'auto',
    description:
      "Whether user binds carry OpenLDAP's password-policy request control (slapd's ppolicy overlay answers only then): `auto` when the root DSE lists it in `supportedControl` (read once; sent when unreadable), `always`, or `never`. The control costs the directory about a tenth of its bind throughput.",
  },
  {
    name: 'LDAP_USER_ATTRIBUTES',
    option: 'user.attributes',
    kind: 'list',
    default: 'cn,mail,displayName',
    description:
      "Comma-separated attributes read from the user's entry with the search that finds it, given to protected routes as `user.attributes` and carried in the token's `attributes` claim (one value: a string; several: an array). `objectGUID`/`objectSid` come in text form; photos, certificates and password attributes are refused.",
  },
  {
    name: 'TOKEN_CLAIMS',
    option: 'user.claims',
    kind: 'claims',
    default: 'name=displayName|cn,email=mail',
    description:
      'Top-level token claims copied from attributes: `claim=attribute`, comma-separated; `a|b` takes the first attribute present.',
  },
  {
    name: 'LDAP_GROUP_STRATEGY',
    option: 'groups.strategy',
    kind: 'groupStrategy',
    default: 'memberOf',
    description:
      "How a user's groups are found: `memberOf` (the entry's memberOf values, no extra query), `search` (`LDAP_GROUP_FILTER` under `LDAP_GROUP_BASE_DN`), `inChain` (Active Directory nested groups, matching rule 1.2.840.113556.1.4.1941), `nested` (OpenLDAP nested groupOfNames, one query per level) or `none`.",
  },
  {
    name: 'LDAP_GROUP_BASE_DN',
    option: 'groups.baseDn',
    kind: 'string',
    description:
      'Base DN of the group searches (`search`, `inChain`, `nested`). Default: the `dc=` part of `LDAP_TOP_DN`.',
  },
  {
    name: 'LDAP_GROUP_FILTER',
    option: 'groups.filter',
    kind: 'string',
    default: '(|(member={dn})(uniqueMember={dn})(memberUid={username}))',
    description:
      "Filter for a user's own groups (`search`, `nested`); `{dn}` is the user's DN, `{username}` its login attribute's value, both escaped. Default with `LDAP_PRESET=activedirectory` or `freeipa`: `(member={dn})`.",
  },
  {
    name: 'LDAP_GROUP_NAME_ATTRIBUTE',
    option: 'groups.nameAttribute',
    kind: 'string',
    default: 'cn',
    description:
      "Attribute that names a group in the token's `groups` claim (with `memberOf`, read from the group DN's first RDN when it is this attribute).",
  },
  {
    name: 'TOKEN_MAX_GROUPS',
    option: 'groups.maxInToken',
    kind: 'integer',
    default: '100',
    description:
      'Most group names a token carries (direct groups first); more are left out with a warning. `LDAP_REQUIRED_GROUP` is checked against all of them.',
  },
  {
    name: 'LDAP_GROUP_MAX_DEPTH',
    option: 'groups.maxDepth',
    kind: 'integer',
    default: '10',
    description:
      '`nested`: levels of nesting followed above the direct groups; deeper ones are left out with a warning.',
  },
  {
    name: 'LDAP_GROUP_TIME_BUDGET_MS',
    option: 'groups.timeBudgetMs',
    kind: 'integer',
    default: '3000',
    description:
      '`nested`, and `memberOf` when group names are read from the groups: milliseconds group resolution may take; past it the login or refresh is answered 503, never a token with part of the groups.',
  },
  {
    name: 'LDAP_REQUIRED_GROUP',
    option: 'groups.required',
    kind: 'string',
    description:
      'Only members of this group (its name, or its DN; case ignored) get a token: others get 403 at request-token and 401 at refresh. Unset: anyone in the directory.',
  },
  // The standalone service's own settings (`ldap-token-auth serve`), not options of createAuth.
  {
    name: 'HOST',
    option: '--host',
    service: true,
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address the service listens on.',
  },
  {
    name: 'PORT',
    option: '--port',
    service: true,
    kind: 'integer',
    default: '5000',
    description: 'Port the service listens on.',
  },
  {
    name: 'WORKERS',
    option: '--workers',
    service: true,
    kind: 'integer',
    default: '1',
    description: 'Processes sharing the port (node:cluster), 1 to 64.',
  },
  {
    name: 'LOG_LEVEL',
    option: '--log-level',
    service: true,
    kind: 'string',
    default: 'info',
    description: 'Least severe log lines written: `debug`, `info`, `warn` or `error`.',
  },
  {
    name: 'SHUTDOWN_GRACE_MS',
    option: '--shutdown-grace-ms',
    service: true,
    kind: 'integer',
    default: '10000',
    description:
      'On SIGTERM or SIGINT, milliseconds requests in flight may take to finish before their connections are cut.',
  },
];
