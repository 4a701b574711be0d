// Resolution: the options as given, checked against the schema, turned into the frozen form the
// core runs on (servers parsed, preset defaults and DNs filled in, signing keys loaded).
import { type DirectoryPreset, PRESETS } from '../ldap/presets.js';
import { serviceAccountDn } from '../ldap/service-account.js';
import type { TlsSettings } from '../ldap/tls.js';
import { resolveConnection } from '../ldap/transport.js';
import type { ServerAddress } from '../ldap/urls.js';
import type { RedisOptions } from '../stores/redis-client.js';
import type { KeySet, SigningAlgorithm } from '../token/keys.js';
import { keySetOf } from '../token/signing-keys.js';
import { type ResolvedBrowserOptions, resolveBrowser } from './browser.js';
import {
  type ResolvedGroupOptions,
  type ResolvedUserOptions,
  resolveGroups,
  resolveUser,
} from './identity.js';
import { type ResolvedOidcOptions, resolveOidc } from './oidc-resolved.js';
import { configurationErrorOf } from './option-errors.js';
import { optionsSchema } from './schema/options.js';
import type {
  AuthOptions,
  LoginLimitRule,
  PasswordPolicyControlUse,
  RevealReason,
} from './types.js';

export { PASSWORD_POLICY_CONTROL_USES, REVEAL_REASONS } from './schema/ldap.js';
export { DEFAULT_MAX_SESSION_SECONDS } from './schema/token.js';
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
  readonly oidc: ResolvedOidcOptions;
  readonly user: ResolvedUserOptions;
  readonly groups: ResolvedGroupOptions;
}

/** Resolved options, and the signing keys they name, loaded. */
export interface Configuration {
  readonly options: ResolvedOptions;
  readonly keys: KeySet;
}

/**
 * Validates options into a new frozen object; the caller's object is never written to.
 * @throws {ConfigurationError} naming the first invalid option.
 */
export function resolveOptions(options: AuthOptions): ResolvedOptions {
  return resolveConfiguration(options).options;
}

/**
 * {@link resolveOptions}, with the keys loaded on the way (a bad key stops the service at
 * start-up): `createAuth` signs with these, so they are read once.
 * @throws {ConfigurationError} naming the first invalid option.
 */
export function resolveConfiguration(options: AuthOptions): Configuration {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw configurationErrorOf(parsed.error.issues[0]!, optionsSchema);
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
    oidc,
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
  const keys = keySetOf({ ...token, verificationKeys }, secret);
  const resolved = deepFreeze({
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
    oidc: resolveOidc(oidc),
  });
  return { options: resolved, keys };
}

function deepFreeze<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object' && !(child instanceof Uint8Array)) deepFreeze(child);
  }
  return Object.freeze(value);
}
