// The service's configuration file (`--config FILE`, or `CONFIG_FILE`): createAuth's options as
// JSON or YAML, under the environment variables, each of which wins over its option when set.
// Read once at start-up by `serve`, `check` and `token`; the library's fromEnv never reads it.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigurationError } from '../errors.js';
import { processWarning, warnIfShared } from './env-files.js';
import { ENVIRONMENT } from './environment/table.js';
import { environmentOver, type FromEnvOptions } from './from-env.js';
import { configurationErrorOf } from './option-errors.js';
import { mergeOver, valueAt } from './option-paths.js';
import type { AuthOptions } from './resolve.js';
import { optionsSchema } from './schema/options.js';

type Environment = Record<string, string | undefined>;

/** A configuration file, read and parsed. */
export interface ConfigFile {
  readonly path: string;
  readonly text: string;
  /** The options it holds, not yet checked against the schema. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** Options of createAuth that are callbacks: only a program can pass them. */
const CODE_ONLY = ['logger', 'events', 'now'];

/** Options that hold a secret (a Redis URL only when it carries a password). */
const SECRETS = ['secretKey', 'ldap.serviceAccount.password', 'token.signingKey', 'ldap.tls.key'];

/**
 * The file at `path`: `.json` is JSON, `.yaml` and `.yml` YAML, any other name JSON when it
 * parses as JSON, else YAML.
 * @throws {ConfigurationError} naming the file: unreadable, malformed (with the line), not a
 * mapping of options, or setting a callback option.
 */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigurationError(`Configuration file ${path} cannot be read (${code})`);
  }
  const parsed = parseText(path, text) ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError(
      `Configuration file ${path} must hold a mapping of createAuth's options (ldap, token, ...), not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
    );
  }
  const options = parsed as Record<string, unknown>;
  const callback = CODE_ONLY.find((key) => key in options);
  if (callback) {
    throw new ConfigurationError(
      `${where({ path, text }, callback)}: ${callback} cannot be set in a configuration file: it is a callback, passed to createAuth in code`,
      undefined,
      { path: callback, detail: 'only a program can pass it' },
    );
  }
  return { path, text, options };
}

/** What {@link optionsFrom} reads: the file (else `CONFIG_FILE`'s), then the environment. */
export interface OptionSources extends FromEnvOptions {
  /** The file `--config` named; wins over `CONFIG_FILE`. */
  file?: string | undefined;
  env?: Environment;
  /** Options under the file's, for what neither it nor a variable gives (token verify's directory). */
  defaults?: Readonly<Record<string, unknown>>;
}

/**
 * The options `serve`, `check` and `token` run with: the configuration file's, if any, with each
 * environment variable that is set in their place (fromEnv's rules, `_FILE` twins included), and
 * checked. A file holding a secret that other users may read is warned about, as a key file is.
 * @throws {ConfigurationError} naming the variable at fault, or the file, the option and its line.
 */
export function optionsFrom(sources: OptionSources = {}): {
  options: AuthOptions;
  /** The configuration file read, if any. */
  file: string | undefined;
} {
  const env = sources.env ?? process.env;
  const path = sources.file?.trim() || env.CONFIG_FILE?.trim() || undefined;
  const settings = sources.logger ? { logger: sources.logger } : {};
  const defaults = sources.defaults ?? {};
  if (path === undefined) {
    const under = sources.defaults && {
      options: defaults,
      refused: (error: ConfigurationError) => error,
    };
    return { options: environmentOver(under, env, settings), file: path };
  }
  const file = readConfigFile(path);
  if (holdsSecret(file.options)) {
    const warn = sources.logger ? sources.logger.warn.bind(sources.logger) : processWarning;
    warnIfShared(sources.file?.trim() ? '--config' : 'CONFIG_FILE', path, warn);
  }
  const refused = (error: ConfigurationError) => {
    const message = `${where(file, error.option ?? '')}: ${error.message}${serviceHint(error.option)}`;
    return new ConfigurationError(message, undefined, {
      path: error.option ?? '',
      detail: error.detail,
    });
  };
  // A misspelt key first: else a misspelt required option would read as a missing variable.
  const unknown = optionsSchema
    .safeParse(file.options)
    .error?.issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown) throw refused(configurationErrorOf(unknown, optionsSchema));
  return {
    options: environmentOver(
      { options: mergeOver(defaults, file.options), refused },
      env,
      settings,
    ),
    file: path,
  };
}

function holdsSecret(options: Readonly<Record<string, unknown>>): boolean {
  if (SECRETS.some((path) => valueAt(options, path) !== undefined)) return true;
  const redis = valueAt(options, 'redis.url');
  if (typeof redis !== 'string') return false;
  try {
    return new URL(redis).password !== '';
  } catch {
    return false; // the schema says what is wrong with it
  }
}

/** A hint when a top-level key is one of the service's own settings, which a file does not hold. */
function serviceHint(option: string | undefined): string {
  const key = option?.split('.')[0]?.toLowerCase();
  const setting = ENVIRONMENT.find(
    (variable) =>
      variable.service &&
      variable.option !== '--config' &&
      variable.option.slice(2).replaceAll('-', '') === key,
  );
  if (!setting) return '';
  return ` (the service's own settings are not in the file: use ${setting.option} or ${setting.name})`;
}

function parseText(path: string, text: string): unknown {
  const extension = extname(path).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return parseYaml(path, text);
  if (extension === '.json') return parseJson(path, text);
  try {
    return JSON.parse(text);
  } catch {
    return parseYaml(path, text);
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    const position = /at position (\d+)/.exec(reason)?.[1];
    const offset = position === undefined ? undefined : Number(position);
    const line = reason.includes('end of JSON input')
      ? text.trimEnd().split('\n').length
      : offset === undefined
        ? yamlErrorLine(text)
        : text.slice(0, offset).split('\n').length;
    throw malformed(path, 'JSON', line, reason);
  }
}

function parseYaml(path: string, text: string): unknown {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const [error] = document.errors;
  if (error) throw malformed(path, 'YAML', lines.linePos(error.pos[0]).line, error.message);
  return document.toJS();
}

/** Where YAML, which reads JSON too, finds the first error: for JSON errors without a position. */
function yamlErrorLine(text: string): number | undefined {
  const lines = new LineCounter();
  const [error] = parseDocument(text, { lineCounter: lines }).errors;
  return error ? lines.linePos(error.pos[0]).line : undefined;
}

function malformed(path: string, format: string, line: number | undefined, reason: string) {
  const at = line === undefined ? '' : ` at line ${line}`;
  return new ConfigurationError(
    `Configuration file ${path} is not valid ${format}${at}: ${reason.split('\n')[0]}`,
  );
}

/** `Configuration file PATH, line N` for an option's dotted path (its key's line, when found). */
function where(file: Pick<ConfigFile, 'path' | 'text'>, option: string): string {
  const line = lineOf(file.text, option);
  return `Configuration file ${file.path}${line === undefined ? '' : `, line ${line}`}`;
}

/** The line of the deepest key of `option` found in the file (YAML's parser reads JSON too). */
function lineOf(text: string, option: string): number | undefined {
  const lines = new LineCounter();
  let node: unknown = parseDocument(text, { lineCounter: lines }).contents;
  let offset: number | undefined;
  for (const key of option.split('.').filter(Boolean)) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (!pair || !isScalar(pair.key)) break;
      offset = pair.key.range?.[0];
      node = pair.value;
    } else if (isSeq(node) && isNode(node.items[Number(key)])) {
      const item = node.items[Number(key)] as Node;
      offset = item.range?.[0];
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}
