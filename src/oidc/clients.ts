// The OpenID Connect clients file (OIDC_CLIENTS_FILE): a JSON or YAML list of clients in the
// standard metadata names. Strict like the options: a misspelt field is an error naming the file,
// the client and the field, never a setting silently left at its default.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigurationError } from '../errors.js';
import { closestKey } from '../options/option-errors.js';
import {
  oidcClientSchema,
  oidcClientsSchema,
  type ParsedOidcClient,
} from '../options/schema/oidc.js';

export type { OidcClient } from '../options/oidc.js';
/** A client as checked: every default filled in. */
export type ResolvedOidcClient = ParsedOidcClient;

/**
 * The clients in `text`, JSON when it parses as JSON, else YAML. `source` names the text in
 * errors (the file's path).
 * @throws {ConfigurationError} naming `source`, the client (position and id) and the field.
 */
export function parseOidcClients(text: string, source: string): ResolvedOidcClient[] {
  const document = documentOf(text, source);
  const parsed = oidcClientsSchema.safeParse(document);
  if (parsed.success) return [...parsed.data];
  throw clientError(parsed.error.issues[0]!, document, source);
}

/** {@link parseOidcClients} on the file at `path`. */
export async function readOidcClients(path: string): Promise<ResolvedOidcClient[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigurationError(
      `OIDC_CLIENTS_FILE ${path} cannot be read (${reason})`,
      'OIDC_CLIENTS_FILE',
    );
  }
  return parseOidcClients(text, path);
}

function documentOf(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: YAML, of which JSON is nearly a subset, is tried next.
  }
  try {
    return parseYaml(text) ?? [];
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw failure(source, `is neither JSON nor YAML: ${reason}`);
  }
}

function clientError(issue: z.core.$ZodIssue, document: unknown, source: string) {
  const [index, field, ...rest] = issue.path;
  if (typeof index !== 'number') {
    return failure(source, 'must be a list of clients (a JSON array or a YAML sequence)');
  }
  const entry: unknown = Array.isArray(document) ? document[index] : undefined;
  const id =
    entry &&
    typeof entry === 'object' &&
    'client_id' in entry &&
    typeof entry.client_id === 'string'
      ? ` (client_id ${JSON.stringify(entry.client_id)})`
      : '';
  const client = `client #${index + 1}${id}`;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const closest = closestKey(key, Object.keys(oidcClientSchema.shape));
    const hint = closest ? `; did you mean ${closest}?` : '';
    return failure(source, `${client}: unknown field ${key}${hint}`, `${index}.${key}`);
  }
  if (field === undefined) return failure(source, `${client}: must be an object`, `${index}`);
  const path = [field, ...rest].join('.');
  return failure(source, `${client}: ${path} ${issue.message}`, `${index}.${path}`);
}

function failure(source: string, message: string, path?: string): ConfigurationError {
  return new ConfigurationError(
    `Invalid OpenID Connect clients in ${source}: ${message}`,
    'OIDC_CLIENTS_FILE',
    { path: `oidc.clients${path === undefined ? '' : `.${path}`}`, detail: message },
  );
}
