import { type AuthOptions, resolveOptions } from './config.js';
import { ConfigurationError } from './errors.js';

type Environment = Record<string, string | undefined>;

/** One environment variable: what it sets, and the option path it sets it at. */
export interface EnvironmentVariable {
  name: string;
  /** Dotted path of the option in {@link AuthOptions}. */
  option: string;
  description: string;
  /** The default, as a person would write it; `undefined` when the variable is required or unset means "none". */
  default?: string;
  required?: boolean;
  /** Never shown in diagnostics, and taken as it is, spaces included. */
  secret?: boolean;
  kind: 'string' | 'integer' | 'list' | 'scope';
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
    secret: true,
    description: 'Key that signs tokens (HS256). Use at least 32 random bytes.',
  },
  {
    name: 'LDAP_AUTH_SERVER',
    option: 'ldap.url',
    kind: 'string',
    required: true,
    description: 'Directory URL, `ldap://host:port` or `ldaps://host:port`.',
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
      'Service account for searches: a DN, or a bare name expanded to `<LDAP_SEARCH_CRITERIA>=<name>,<LDAP_TOP_DN>`. Unset: anonymous search.',
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
    description: 'Attribute the username is matched against when the request names none.',
  },
  {
    name: 'LDAP_ALLOWED_SEARCH_CRITERIA',
    option: 'searchCriteria.allowed',
    kind: 'list',
    default: 'uid,cn,mail',
    description: 'Comma-separated attributes a client may name in `search_criteria`.',
  },
  {
    name: 'LDAP_TIMEOUT_MS',
    option: 'ldap.timeoutMs',
    kind: 'integer',
    default: '5000',
    description:
      'Milliseconds an LDAP operation may take before the directory counts as unavailable (503).',
  },
  {
    name: 'LDAP_CONNECT_TIMEOUT_MS',
    option: 'ldap.connectTimeoutMs',
    kind: 'integer',
    default: '3000',
    description: 'Milliseconds a connection to the directory may take.',
  },
  {
    name: 'LDAP_POOL_SIZE',
    option: 'ldap.poolSize',
    kind: 'integer',
    default: '4',
    description: 'Directory connections kept for searches, and as many for password checks.',
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
];

/**
 * Builds {@link AuthOptions} from environment variables, with flask-ldap-auth's names
 * (`SECRET_KEY`, `LDAP_AUTH_SERVER`, `LDAP_TOP_DN`, `LDAP_USERNAME`, `LDAP_PASSWORD`) and the
 * others listed in {@link ENVIRONMENT}. The result is validated before it is returned.
 * @throws {ConfigurationError} whose `variable` names the first missing or invalid variable.
 *
 * @example
 * const auth = createAuth(fromEnv());
 */
export function fromEnv(env: Environment = process.env): AuthOptions {
  const options: Record<string, unknown> = {};
  for (const variable of ENVIRONMENT) {
    // Secrets are taken as they are: a password may really begin or end with a space.
    const raw = variable.secret ? env[variable.name] : env[variable.name]?.trim();
    if (!raw?.trim()) {
      if (variable.required) {
        throw new ConfigurationError(
          `${variable.name} must be set: ${variable.description}`,
          variable.name,
        );
      }
      continue;
    }
    setPath(options, variable.option, parseValue(variable, raw));
  }
  const ldap = options.ldap as { serviceAccount?: { username?: string; password?: string } };
  const account = ldap.serviceAccount;
  if (account && (!account.username || !account.password)) {
    const missing = account.username ? 'LDAP_PASSWORD' : 'LDAP_USERNAME';
    throw new ConfigurationError(
      `${missing} must be set when the other service-account variable is`,
      missing,
    );
  }
  try {
    resolveOptions(options as unknown as AuthOptions);
  } catch (error) {
    if (!(error instanceof ConfigurationError) || !error.option) throw error;
    const variable = ENVIRONMENT.find((candidate) => error.option?.startsWith(candidate.option));
    if (!variable) throw error;
    throw new ConfigurationError(`${variable.name} is invalid: ${error.detail}`, variable.name);
  }
  return options as unknown as AuthOptions;
}

function parseValue(variable: EnvironmentVariable, raw: string): unknown {
  switch (variable.kind) {
    case 'integer': {
      if (!/^\d+$/.test(raw)) {
        throw new ConfigurationError(
          `${variable.name} must be a whole number, not "${raw}"`,
          variable.name,
        );
      }
      return Number(raw);
    }
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'scope':
      if (raw !== 'base' && raw !== 'one' && raw !== 'sub') {
        throw new ConfigurationError(
          `${variable.name} must be base, one or sub, not "${raw}"`,
          variable.name,
        );
      }
      return raw;
    default:
      return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
