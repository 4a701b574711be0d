import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import type { AuthEvents } from './events.js';
import { escapeDnValue, isAttributeName } from './ldap/escape.js';
import type { Logger } from './logger.js';

/** Where to look for users, and how to reach the directory. */
export interface LdapOptions {
  /** `ldap://host:port` or `ldaps://host:port`. Env `LDAP_AUTH_SERVER`. */
  url: string;
  /** The base under which users are searched, e.g. `ou=people,dc=example,dc=org`. Env `LDAP_TOP_DN`. */
  topDn: string;
  /** Search scope under `topDn`. Default `'sub'`. Env `LDAP_SEARCH_SCOPE`. */
  scope?: 'base' | 'one' | 'sub';
  /**
   * The service account that searches for users, for directories that refuse anonymous search.
   * `username` is a full DN, or a bare name expanded as flask-ldap-auth does:
   * `<default search criteria>=<name>,<topDn>`. Env `LDAP_USERNAME`, `LDAP_PASSWORD`.
   * Default: none, searches are anonymous.
   */
  serviceAccount?: { username: string; password: string };
  /** Milliseconds an LDAP operation may take before the directory counts as down. Default 5000. Env `LDAP_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Milliseconds a TCP connection may take. Default 3000. Env `LDAP_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Connections kept open for searches, and as many again for user binds. Default 4. Env `LDAP_POOL_SIZE`. */
  poolSize?: number;
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
const seconds = z.number().int().positive();
const milliseconds = z.number().int().positive();

const optionsSchema = z.object({
  secretKey: z.union([z.string().min(1), z.instanceof(Uint8Array).refine((key) => key.length > 0)]),
  ldap: z.object({
    url: z.string().regex(/^ldaps?:\/\/[^\s]+$/i, 'must be an ldap:// or ldaps:// URL'),
    topDn: z.string().min(1),
    scope: z.enum(['base', 'one', 'sub']).default('sub'),
    serviceAccount: z
      .object({ username: z.string().min(1), password: z.string().min(1) })
      .optional(),
    timeoutMs: milliseconds.default(5000),
    connectTimeoutMs: milliseconds.default(3000),
    poolSize: z.number().int().min(1).max(256).default(4),
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
  searchCriteria: z
    .object({
      default: attributeName.default('uid'),
      allowed: z.array(attributeName).min(1).default(['uid', 'cn', 'mail']),
    })
    .default({ default: 'uid', allowed: ['uid', 'cn', 'mail'] }),
});

/** The validated, defaulted and frozen form of {@link AuthOptions} that the core runs on. */
export interface ResolvedOptions {
  readonly secretKey: Uint8Array;
  readonly ldap: {
    readonly url: string;
    readonly topDn: string;
    readonly scope: 'base' | 'one' | 'sub';
    /** The service account with its name already expanded to a DN. */
    readonly serviceAccount?: { readonly dn: string; readonly password: string };
    readonly timeoutMs: number;
    readonly connectTimeoutMs: number;
    readonly poolSize: number;
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
  const criteria = {
    default: searchCriteria.default,
    allowed: [...new Set([searchCriteria.default, ...searchCriteria.allowed])],
  };
  const account = ldap.serviceAccount;
  return deepFreeze({
    secretKey:
      typeof secretKey === 'string'
        ? new TextEncoder().encode(secretKey)
        : new Uint8Array(secretKey),
    ldap: {
      ...ldap,
      serviceAccount: account && {
        dn: serviceAccountDn(account.username, criteria.default, ldap.topDn),
        password: account.password,
      },
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
function serviceAccountDn(username: string, criteria: string, topDn: string): string {
  return username.includes('=') ? username : `${criteria}=${escapeDnValue(username)},${topDn}`;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !(child instanceof Uint8Array)) deepFreeze(child);
  }
  return Object.freeze(value);
}
