import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { escapeDnValue, isAttributeName } from '../ldap/escape.js';
import { type DirectoryPreset, PRESET_NAMES, PRESETS } from '../ldap/presets.js';
import type { TlsSettings } from '../ldap/tls.js';
import { resolveConnection } from '../ldap/transport.js';
import type { ServerAddress } from '../ldap/urls.js';
import type { RedisOptions } from '../stores/redis-client.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../token/keys.js';
import { keySetOf } from '../token/signing-keys.js';
import { browserSchema, type ResolvedBrowserOptions, resolveBrowser } from './browser.js';
import {
  groupsSchema,
  type ResolvedGroupOptions,
  type ResolvedUserOptions,
  resolveGroups,
  resolveUser,
  userSchema,
} from './identity.js';
import type {
  AuthOptions,
  LoginLimitRule,
  PasswordPolicyControlUse,
  RevealReason,
} from './types.js';

export type {
  AuthOptions,
  BrowserOptions,
  GroupOptions,
  LdapOptions,
  LdapTlsOptions,
  LoginLimitOptions,
  LoginLimitRule,
  PasswordPolicyControlUse,
  PasswordPolicyOptions,
  RevealReason,
  SearchCriteriaOptions,
  TokenOptions,
  UserOptions,
} from './types.js';

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

/**
 * `token.maxSessionSeconds`: 12 hours, a working day with margin. A session must end somewhere,
 * so that a leaked token, refreshed by whoever holds it, is not access for ever.
 */
export const DEFAULT_MAX_SESSION_SECONDS = 43_200;

/** The values of `passwordPolicy.control`. */
export const PASSWORD_POLICY_CONTROL_USES = [
  'auto',
  'always',
  'never',
] as const satisfies PasswordPolicyControlUse[];
/** The values of `passwordPolicy.revealReason`. */
export const REVEAL_REASONS = ['never', 'verified', 'always'] as const satisfies RevealReason[];

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
      maxSessionSeconds: seconds.default(DEFAULT_MAX_SESSION_SECONDS),
    })
    .default({
      defaultDuration: 3600,
      maxDuration: 86_400,
      verifyCacheSize: 10_000,
      algorithm: 'HS256',
      clockToleranceSeconds: 0,
      maxSessionSeconds: DEFAULT_MAX_SESSION_SECONDS,
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
  browser: browserSchema,
  passwordPolicy: z
    .object({
      revealReason: z.enum(REVEAL_REASONS).default('verified'),
      control: z.enum(PASSWORD_POLICY_CONTROL_USES).default('auto'),
    })
    .default({ revealReason: 'verified', control: 'auto' }),
  user: userSchema,
  groups: groupsSchema,
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
    readonly maxSessionSeconds: number;
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
  readonly browser: ResolvedBrowserOptions;
  readonly passwordPolicy: {
    readonly revealReason: RevealReason;
    readonly control: PasswordPolicyControlUse;
  };
  readonly user: ResolvedUserOptions;
  readonly groups: ResolvedGroupOptions;
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
    browser,
    passwordPolicy,
    user,
    groups,
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
    browser: resolveBrowser(browser),
    passwordPolicy,
    user: resolveUser(user, criteria.default),
    groups: resolveGroups(groups, ldap.topDn, preset),
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
