import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import type { AuthEvents } from './events.js';
import { escapeDnValue, isAttributeName } from './ldap/escape.js';
import { type DirectoryPreset, PRESET_NAMES, PRESETS, type PresetName } from './ldap/presets.js';
import type { Pem, TlsSettings } from './ldap/tls.js';
import { resolveConnection } from './ldap/transport.js';
import type { ServerAddress } from './ldap/urls.js';
import type { Logger } from './logger.js';

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
}

export interface SearchCriteriaOptions {
  /** Attribute matched against the username when the request names none. Default `'uid'`. Env `LDAP_SEARCH_CRITERIA`. */
  default?: string;
  /** Attributes a client may name in `search_criteria`. Default `['uid', 'cn', 'mail']`. Env `LDAP_ALLOWED_SEARCH_CRITERIA` (comma-separated). */
  allowed?: readonly string[];
}

/** Everything `createAuth` accepts. Only `secretKey` and `ldap.url`/`ldap.topDn` are required. */
export interface AuthOptions {
  /** The HS256 signing key (flask-ldap-auth's `SECRET_KEY`). Use at least 32 random bytes. */
  secretKey: string | Uint8Array;
  ldap: LdapOptions;
  token?: TokenOptions;
  searchCriteria?: SearchCriteriaOptions;
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

const optionsSchema = z.object({
  secretKey: z.union([z.string().min(1), z.instanceof(Uint8Array).refine((key) => key.length > 0)]),
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
    })
    .default({ defaultDuration: 3600, maxDuration: 86_400, verifyCacheSize: 10_000 })
    .refine((token) => token.defaultDuration <= token.maxDuration, {
      message: 'defaultDuration must not exceed maxDuration',
      path: ['defaultDuration'],
    }),
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
  };
  readonly searchCriteria: { readonly default: string; readonly allowed: readonly string[] };
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
  const { secretKey, ldap, token, searchCriteria } = parsed.data;
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
  return deepFreeze({
    secretKey:
      typeof secretKey === 'string'
        ? new TextEncoder().encode(secretKey)
        : new Uint8Array(secretKey),
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
    token,
    searchCriteria: criteria,
  });
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
