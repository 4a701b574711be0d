import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import type { AuthEvents } from './events.js';
import { escapeDnValue, isAttributeName } from './ldap/escape.js';
import { type DirectoryPreset, PRESET_NAMES, PRESETS, type PresetName } from './ldap/presets.js';
import type { Pem, TlsSettings } from './ldap/tls.js';
import { resolveConnection } from './ldap/transport.js';
import type { ServerAddress } from './ldap/urls.js';
import type { Logger } from './logger.js';
import type { RedisOptions } from './stores/redis-client.js';
import { KeySet, SIGNING_ALGORITHMS, type SigningAlgorithm } from './token/keys.js';

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
  /** The longest lifetime a client may ask for, in seconds. Default 86400 (24 h). Env `TOKEN_MAX_DURATION`. */
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
   * The longest a login can be extended by refreshes, in seconds from the password check
   * (`auth_time`): a refresh after that is refused (401), and a refreshed token never outlives it.
   * Default: none. Env `TOKEN_MAX_SESSION_SECONDS`.
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

export interface SearchCriteriaOptions {
  /** Attribute matched against the username when the request names none. Default `'uid'`. Env `LDAP_SEARCH_CRITERIA`. */
  default?: string;
  /** Attributes a client may name in `search_criteria`. Default `['uid', 'cn', 'mail']`. Env `LDAP_ALLOWED_SEARCH_CRITERIA` (comma-separated). */
  allowed?: readonly string[];
}

/**
 * Everything `createAuth` accepts. Only `ldap.url`/`ldap.topDn` and the signing key are required:
 * `secretKey` for HS256 (the default), `token.signingKey` for the other algorithms.
 */
export interface AuthOptions {
  /**
   * The HS256 signing key (flask-ldap-auth's `SECRET_KEY`). Use at least 32 random bytes.
   * Required with HS256, unused with the asymmetric algorithms.
   */
  secretKey?: string | Uint8Array;
  ldap: LdapOptions;
  token?: TokenOptions;
  searchCriteria?: SearchCriteriaOptions;
  loginLimits?: LoginLimitOptions;
  /**
   * Proxies whose `X-Forwarded-For` is believed when working out the client's address for the
   * per-address limit: addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`.
   * Default none: the socket's peer is the client, and the header is ignored. Env `TRUSTED_PROXIES`.
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
  /** Receives warnings and errors (a pino logger fits). Default: silent. */
  logger?: Logger;
  /** Callbacks for metrics and audit: LDAP operations and token requests as they finish. */
  events?: AuthEvents;
  /** The clock, in milliseconds since the epoch; tests freeze it. Default `Date.now`. */
  now?: () => number;
}

const attributeName = z.string().refine(isAttributeName, 'must be an LDAP attribute name');
const pemPart = z.union([z.string().min(1), z.instanceof(Buffer)]);
const pem = z.union([pemPart, z.array(pemPart).min(1)]);
const seconds = z.number().int().positive();
const milliseconds = z.number().int().positive();

function limitRule(defaults: Required<LoginLimitRule>) {
  return z
    .object({
      failures: z.number().int().min(1).max(1_000_000).default(defaults.failures),
      windowSeconds: seconds.default(defaults.windowSeconds),
      lockoutSeconds: seconds.default(defaults.lockoutSeconds),
    })
    .default(defaults);
}

const optionsSchema = z.object({
  secretKey: z
    .union([z.string().min(1), z.instanceof(Uint8Array).refine((key) => key.length > 0)])
    .optional(),
  ldap: z.object({
    url: z.union([z.string(), z.array(z.string()).min(1)]),
    topDn: z.string().min(1),
    scope: z.enum(['base', 'one', 'sub']).default('sub'),
    serviceAccount: z
      .object({ username: z.string().min(1), password: z.string().min(1) })
      .optional(),
    timeoutMs: milliseconds.default(5000),
    connectTimeoutMs: milliseconds.default(3000),
    poolSize: z.number().int().min(1).max(256).default(4),
    idleTimeoutMs: milliseconds.default(300_000),
    startTls: z.boolean().default(false),
    requireTls: z.boolean().optional(),
    tls: z
      .object({
        ca: pem.optional(),
        cert: pem.optional(),
        key: pem.optional(),
        rejectUnauthorized: z.boolean().default(true),
        servername: z.string().min(1).optional(),
      })
      .default({ rejectUnauthorized: true }),
    preset: z.enum(PRESET_NAMES).default('openldap'),
  }),
  token: z
    .object({
      defaultDuration: seconds.default(3600),
      maxDuration: seconds.default(86_400),
      verifyCacheSize: z.number().int().min(0).max(10_000_000).default(10_000),
      algorithm: z
        .enum(SIGNING_ALGORITHMS as [SigningAlgorithm, ...SigningAlgorithm[]])
        .default('HS256'),
      signingKey: z.string().min(1).optional(),
      verificationKeys: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
      issuer: z.string().min(1).optional(),
      audience: z.string().min(1).optional(),
      clockToleranceSeconds: z.number().int().min(0).max(3600).default(0),
      maxSessionSeconds: seconds.optional(),
    })
    .default({
      defaultDuration: 3600,
      maxDuration: 86_400,
      verifyCacheSize: 10_000,
      algorithm: 'HS256',
      clockToleranceSeconds: 0,
    })
    .refine((token) => token.defaultDuration <= token.maxDuration, {
      message: 'defaultDuration must not exceed maxDuration',
      path: ['defaultDuration'],
    }),
  loginLimits: z
    .object({
      enabled: z.boolean().default(true),
      perUsername: limitRule({ failures: 5, windowSeconds: 900, lockoutSeconds: 900 }),
      perAddress: limitRule({ failures: 100, windowSeconds: 900, lockoutSeconds: 900 }),
    })
    .default({
      enabled: true,
      perUsername: { failures: 5, windowSeconds: 900, lockoutSeconds: 900 },
      perAddress: { failures: 100, windowSeconds: 900, lockoutSeconds: 900 },
    }),
  trustedProxies: z
    .array(z.string().min(1))
    .default([])
    .refine((list) => {
      try {
        if (list.length > 0) proxyaddr.compile([...list]);
        return true;
      } catch {
        return false;
      }
    }, 'must be addresses, CIDR ranges, or loopback, linklocal, uniquelocal'),
  redis: z
    .object({
      url: z.string().min(1).optional(),
      sentinels: z
        .object({ hosts: z.array(z.string().min(1)).min(1), name: z.string().min(1) })
        .optional(),
      clusterNodes: z.array(z.string().min(1)).min(1).optional(),
      keyPrefix: z.string().min(1).default('ldap-token-auth:'),
    })
    .refine((redis) => redis.url || redis.sentinels || redis.clusterNodes, {
      message: 'needs url, sentinels or clusterNodes',
      path: ['url'],
    })
    .optional(),
  storeFailure: z.enum(['open', 'closed']).default('closed'),
  revocation: z.object({ enabled: z.boolean().default(false) }).default({ enabled: false }),
  // Defaults come from the preset.
  searchCriteria: z
    .object({
      default: attributeName.optional(),
      allowed: z.array(attributeName).min(1).optional(),
    })
    .default({}),
});

/** The validated, defaulted and frozen form of {@link AuthOptions} that the core runs on. */
export interface ResolvedOptions {
  /** The HS256 secret; empty with the asymmetric algorithms. */
  readonly secretKey: Uint8Array;
  readonly ldap: {
    /** The servers as configured, one string (white-space separated when several). */
    readonly url: string;
    /** The servers, parsed, in the configured order. */
    readonly servers: readonly ServerAddress[];
    readonly topDn: string;
    readonly scope: 'base' | 'one' | 'sub';
    /** The service account with its name already expanded to a DN. */
    readonly serviceAccount?: { readonly dn: string; readonly password: string };
    readonly timeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly poolSize: number;
    readonly idleTimeoutMs: number;
    readonly requireTls: boolean;
    /** StartTLS and certificates. */
    readonly tls: TlsSettings;
    readonly preset: DirectoryPreset;
  };
  readonly token: {
    readonly defaultDuration: number;
    readonly maxDuration: number;
    readonly verifyCacheSize: number;
    readonly algorithm: SigningAlgorithm;
    /** The private key (PEM or JWK text) of the asymmetric algorithms. */
    readonly signingKey?: string;
    /** Further public keys accepted (each PEM, JWK or JWKS text). */
    readonly verificationKeys: readonly string[];
    readonly issuer?: string;
    readonly audience?: string;
    readonly clockToleranceSeconds: number;
    readonly maxSessionSeconds?: number;
  };
  readonly searchCriteria: { readonly default: string; readonly allowed: readonly string[] };
  readonly loginLimits: {
    readonly enabled: boolean;
    readonly perUsername: Readonly<Required<LoginLimitRule>>;
    readonly perAddress: Readonly<Required<LoginLimitRule>>;
  };
  readonly trustedProxies: readonly string[];
  readonly redis?: Readonly<RedisOptions> & { readonly keyPrefix: string };
  readonly storeFailure: 'open' | 'closed';
  readonly revocation: { readonly enabled: boolean };
}

/**
 * Validates options into a new frozen object; the caller's object is never written to.
 * @throws {ConfigurationError} naming the first invalid option.
 */
export function resolveOptions(options: AuthOptions): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    throw new ConfigurationError(
      `Invalid option ${path || '(root)'}: ${issue.message}`,
      undefined,
      {
        path,
        detail: issue.message,
      },
    );
  }
  const {
    secretKey,
    ldap,
    token,
    searchCriteria,
    loginLimits,
    trustedProxies,
    redis,
    storeFailure,
    revocation,
  } = parsed.data;
  const preset = PRESETS[ldap.preset];
  const criteria = {
    default: searchCriteria.default ?? preset.loginAttribute,
    allowed: [
      ...new Set([
        searchCriteria.default ?? preset.loginAttribute,
        ...(searchCriteria.allowed ?? preset.allowedCriteria),
      ]),
    ],
  };
  const account = ldap.serviceAccount;
  const connection = resolveConnection(ldap);
  const secret =
    secretKey === undefined
      ? new Uint8Array()
      : typeof secretKey === 'string'
        ? new TextEncoder().encode(secretKey)
        : new Uint8Array(secretKey);
  const verificationKeys =
    token.verificationKeys === undefined ? [] : [token.verificationKeys].flat();
  // Loaded once here only to be checked: a bad key stops the service at start-up.
  keySetOf({ ...token, verificationKeys }, secret);
  return deepFreeze({
    secretKey: secret,
    ldap: {
      url: connection.url,
      servers: connection.servers,
      topDn: ldap.topDn,
      scope: ldap.scope,
      serviceAccount: account && {
        dn: serviceAccountDn(account.username, criteria.default, ldap.topDn, preset),
        password: account.password,
      },
      timeoutMs: ldap.timeoutMs,
      connectTimeoutMs: ldap.connectTimeoutMs,
      poolSize: ldap.poolSize,
      idleTimeoutMs: ldap.idleTimeoutMs,
      requireTls: connection.requireTls,
      tls: connection.tls,
      preset,
    },
    token: { ...token, verificationKeys },
    searchCriteria: criteria,
    loginLimits,
    trustedProxies,
    ...(redis ? { redis } : {}),
    storeFailure,
    revocation,
  });
}

/**
 * The keys tokens are signed and verified with, loaded from the options.
 * @throws {ConfigurationError} a missing, unreadable or unfitting key.
 */
export function keySetOf(
  token: Pick<ResolvedOptions['token'], 'algorithm' | 'signingKey' | 'verificationKeys'>,
  secret: Uint8Array,
): KeySet {
  const { algorithm, signingKey, verificationKeys: extra } = token;
  if (algorithm === 'HS256') {
    if (secret.length === 0) {
      throw new ConfigurationError('Invalid option secretKey: required with HS256', undefined, {
        path: 'secretKey',
        detail: 'required with HS256',
      });
    }
    return KeySet.fromSecret(secret);
  }
  if (!signingKey) {
    throw new ConfigurationError(
      `Invalid option token.signingKey: required with ${algorithm}`,
      undefined,
      { path: 'token.signingKey', detail: `required with ${algorithm}` },
    );
  }
  try {
    return KeySet.fromPrivateKey(algorithm, signingKey, extra);
  } catch (error) {
    const detail = (error as Error).message;
    // The private key is read first: any other failure is one of the verification keys.
    const path =
      error instanceof ConfigurationError &&
      (detail.includes('private key') || detail.includes('the signing key'))
        ? 'token.signingKey'
        : 'token.verificationKeys';
    throw new ConfigurationError(`Invalid option ${path}: ${detail}`, undefined, { path, detail });
  }
}

/**
 * flask-ldap-auth accepts a bare `LDAP_USERNAME` and builds `<criteria>=<name>,<top DN>` from it.
 * We expand with the default criteria once, rather than with each request's `search_criteria`,
 * so a client cannot change which account the service binds as.
 */
function serviceAccountDn(
  username: string,
  criteria: string,
  topDn: string,
  preset: DirectoryPreset,
): string {
  if (username.includes('=')) return username;
  // Active Directory takes a user principal name or a down-level logon name as the bind name.
  if (preset.usernames === 'activedirectory' && /[@\\]/.test(username)) return username;
  return `${criteria}=${escapeDnValue(username)},${topDn}`;
}

function deepFreeze<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !(child instanceof Uint8Array)) deepFreeze(child);
  }
  return Object.freeze(value);
}
