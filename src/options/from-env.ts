import { ConfigurationError } from '../errors.js';
import { PRESET_NAMES } from '../ldap/presets.js';
import type { Logger } from '../shared/logger.js';
import { SIGNING_ALGORITHMS } from '../token/keys.js';
import {
  processWarning,
  readSecretFile,
  readVariableFile,
  type Warn,
  warnIfShared,
} from './env-files.js';
import { ENVIRONMENT, type EnvironmentVariable } from './environment/table.js';
import { mergeOver, valueAt } from './option-paths.js';
import { type AuthOptions, resolveOptions } from './resolve.js';
import { GROUP_STRATEGIES } from './schema/identity.js';
import { PASSWORD_POLICY_CONTROL_USES, REVEAL_REASONS, SEARCH_SCOPES } from './schema/ldap.js';
import { FAILURE_MODES } from './schema/stores.js';

type Environment = Record<string, string | undefined>;

export { ENVIRONMENT, type EnvironmentVariable } from './environment/table.js';

/** How {@link fromEnv} reports what is allowed but unwise. */
export interface FromEnvOptions {
  /**
   * Receives the warnings (a key or secret file that other users may read) as `warn` lines.
   * Default: Node's `process.emitWarning`.
   */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Builds {@link AuthOptions} from environment variables, with flask-ldap-auth's names
 * (`SECRET_KEY`, `LDAP_AUTH_SERVER`, `LDAP_TOP_DN`, `LDAP_USERNAME`, `LDAP_PASSWORD`) and the
 * others listed in {@link ENVIRONMENT}. The result is validated before it is returned.
 * A secret may instead be read from the file its `_FILE` twin names (`SECRET_KEY_FILE`,
 * `LDAP_PASSWORD_FILE`, `REDIS_URL_FILE`), as container platforms mount secrets; not both.
 * @throws {ConfigurationError} whose `variable` names the first missing or invalid variable.
 *
 * @example
 * const auth = createAuth(fromEnv());
 */
export function fromEnv(
  env: Environment = process.env,
  settings: FromEnvOptions = {},
): AuthOptions {
  return environmentOver(undefined, env, settings);
}

/**
 * Options a configuration file gave (config-file.ts reads it): each variable that is set wins over
 * the option it maps to, and the file may hold what fromEnv would otherwise require.
 */
export interface FileOptions {
  readonly options: Readonly<Record<string, unknown>>;
  /** The schema's complaint about an option the file gave, restated to name the file and line. */
  refused(error: ConfigurationError): ConfigurationError;
}

/** {@link fromEnv} over a configuration file's options (none: fromEnv itself). */
export function environmentOver(
  file: FileOptions | undefined,
  env: Environment,
  settings: FromEnvOptions,
): AuthOptions {
  const warn: Warn = settings.logger ? settings.logger.warn.bind(settings.logger) : processWarning;
  const options: Record<string, unknown> = {};
  /** The variable each option was set from (its first one, or a `_FILE` twin). */
  const setBy = new Map<string, string>();
  const inFile = (path: string) => valueAt(file?.options, path) !== undefined;
  const algorithm = env.TOKEN_ALGORITHM?.trim() || valueAt(file?.options, 'token.algorithm');
  const hs256 = (algorithm ?? 'HS256') === 'HS256';
  for (const variable of ENVIRONMENT) {
    if (variable.service) continue;
    // Secrets are taken as they are: a password may really begin or end with a space.
    const raw = variable.secret ? env[variable.name] : env[variable.name]?.trim();
    if (!raw?.trim()) {
      // `SECRET_KEY_FILE` (the next row) stands in for a required `SECRET_KEY`.
      const twin = env[`${variable.name}_FILE`]?.trim();
      if (
        variable.required &&
        !(variable.hs256Only && !hs256) &&
        !twin &&
        !inFile(variable.option)
      ) {
        throw new ConfigurationError(
          `${variable.name} must be set: ${variable.description}`,
          variable.name,
        );
      }
      continue;
    }
    if (variable.kind === 'secretFile') {
      const plain = variable.name.slice(0, -'_FILE'.length);
      if (env[plain]?.trim()) {
        throw new ConfigurationError(
          `${plain} and ${variable.name} are both set: keep one (${variable.name} to read the value from a file)`,
          variable.name,
        );
      }
    }
    setBy.set(variable.option, variable.name);
    setPath(options, variable.option, parseValue(variable, raw, warn));
  }
  const given = (file ? mergeOver(file.options, options) : options) as {
    ldap?: { serviceAccount?: { username?: string; password?: string } };
  };
  const account = given.ldap?.serviceAccount;
  // Half an account from the file alone is the schema's to name, with the file and its line.
  const accountFromEnv =
    setBy.has('ldap.serviceAccount.username') || setBy.has('ldap.serviceAccount.password');
  if (account && accountFromEnv && (!account.username || !account.password)) {
    const missing = account.username ? 'LDAP_PASSWORD' : 'LDAP_USERNAME';
    throw new ConfigurationError(
      `${missing} must be set when the other service-account variable is`,
      missing,
    );
  }
  try {
    resolveOptions(given as AuthOptions);
  } catch (error) {
    if (!(error instanceof ConfigurationError) || !error.option) throw error;
    const path = error.option;
    const variable = ENVIRONMENT.find(
      (candidate) => path === candidate.option || path.startsWith(`${candidate.option}.`),
    );
    // The file is at fault for what it gave and no variable replaced (or for a key of its own).
    const fromFile = variable
      ? !setBy.has(variable.option) && inFile(variable.option)
      : inFile(path);
    if (file && fromFile) throw file.refused(error);
    if (!variable) throw error;
    const name = setBy.get(variable.option) ?? variable.name;
    throw new ConfigurationError(`${name} is invalid: ${error.detail}`, name);
  }
  return given as AuthOptions;
}

function parseValue(variable: EnvironmentVariable, raw: string, warn: Warn): unknown {
  const choice = CHOICES[variable.kind];
  if (choice) {
    if (!choice.values.includes(raw)) {
      throw new ConfigurationError(
        `${variable.name} must be ${choice.wording}, not "${raw}"`,
        variable.name,
      );
    }
    return raw;
  }
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
    case 'boolean': {
      const value = BOOLEANS[raw.toLowerCase()];
      if (value === undefined) {
        throw new ConfigurationError(
          `${variable.name} must be true or false (or 1/0, yes/no, on/off), not "${raw}"`,
          variable.name,
        );
      }
      return value;
    }
    case 'file': {
      const text = readVariableFile(variable.name, raw);
      if (variable.privateFile) warnIfShared(variable.name, raw, warn);
      return text;
    }
    case 'secretFile': {
      const secret = readSecretFile(variable.name, raw, warn);
      // REDIS_URL_FILE's URL is trimmed as REDIS_URL is; SECRET_KEY and passwords are not.
      const plain = ENVIRONMENT.find((other) => other.option === variable.option);
      return plain?.secret ? secret : secret.trim();
    }
    case 'claims':
      return parseClaims(variable.name, raw);
    default:
      return raw;
  }
}

interface Choice {
  values: readonly string[];
  wording: string;
}
const oneOf = (values: readonly string[]): Choice => ({
  values,
  wording: `one of ${values.join(', ')}`,
});
const either = (values: readonly string[]): Choice => ({
  values,
  wording: `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`,
});

/** The variables that take one of a few words, with how their error message lists them. */
const CHOICES: Partial<Record<EnvironmentVariable['kind'], Choice>> = {
  preset: oneOf(PRESET_NAMES),
  algorithm: oneOf(SIGNING_ALGORITHMS),
  storeFailure: either(FAILURE_MODES),
  revealReason: oneOf(REVEAL_REASONS),
  policyControl: oneOf(PASSWORD_POLICY_CONTROL_USES),
  groupStrategy: oneOf(GROUP_STRATEGIES),
  scope: either(SEARCH_SCOPES),
};

/** `name=displayName|cn,email=mail`: claim -> attributes, the first present wins. */
function parseClaims(variable: string, raw: string): Record<string, string[]> {
  const claims: Record<string, string[]> = {};
  for (const pair of raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [claim, from, extra] = pair.split('=').map((part) => part.trim());
    const attributes = (from ?? '')
      .split('|')
      .map((name) => name.trim())
      .filter(Boolean);
    if (!claim || extra !== undefined || attributes.length === 0) {
      throw new ConfigurationError(
        `${variable} must be claim=attribute pairs such as name=displayName|cn,email=mail, not "${pair}"`,
        variable,
      );
    }
    claims[claim] = attributes;
  }
  return claims;
}

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  '1': true,
  yes: true,
  on: true,
  false: false,
  '0': false,
  no: false,
  off: false,
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}
