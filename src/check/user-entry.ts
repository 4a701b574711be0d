// What `check --user` says about the entry it found: the claims a token issued to it would carry
// (attributes, claims mapped from them, groups), worked out by the same Identity a login uses,
// with its group look-ups made on check's own connection.
import { type Client, ResultCodeError } from 'ldapts';
import type { ResolvedOptions } from '../config.js';
import { Identity } from '../identity.js';
import { attributeRequest, entryValues } from '../ldap/entry-values.js';
import type { GroupSearch } from '../ldap/groups.js';
import { silentLogger } from '../logger.js';

/** The user's entry as the user search returned it (ldapts's search entry). */
export interface FoundUser {
  dn: string;
  [attribute: string]: string | string[] | Buffer | Buffer[];
}

/**
 * Check reads and pages like the login's group look-ups (Directory.searchEntries), but on its one
 * connection, and answers the same way: a base that does not exist (noSuchObject 32,
 * invalidDNSyntax 34) finds nothing; any other refusal, sizeLimitExceeded (4) included, throws,
 * as the login's 503 does. Internal; exported for its test.
 */
export function searchOn(client: Pick<Client, 'search'>): GroupSearch {
  return async (base, { scope, filter, attributes }) => {
    try {
      const result = await client.search(base, {
        scope,
        ...(filter ? { filter } : {}),
        ...attributeRequest(attributes),
        ...(scope === 'sub' ? { paged: { pageSize: 500 } } : {}),
      });
      return result.searchEntries.map((entry) => ({ dn: entry.dn, values: entryValues(entry) }));
    } catch (error) {
      if (error instanceof ResultCodeError && (error.code === 32 || error.code === 34)) return [];
      throw error;
    }
  };
}

const noSearch: GroupSearch = () => Promise.reject(new Error('no group search here'));

/** What the user search asks for: what a login's user search reads. */
export function userSearchAttributes(options: ResolvedOptions): {
  attributes: string[];
  explicitBufferAttributes?: string[];
} {
  return attributeRequest(new Identity(options, noSearch, silentLogger).attributesToRead);
}

/**
 * What a token issued to this entry would carry (`sub` the entry's own value, as at login): shown by `check --user` (text:
 * one `key: value` per line; JSON: the step's `details`).
 * @throws {InvalidCredentialsError} the entry has no usable subject: a login would get a 401.
 * @throws {ForbiddenError} the entry is outside the required group: a login would get a 403.
 * @throws {DirectoryUnavailableError} the group look-up failed.
 */
export async function tokenContents(
  entry: FoundUser,
  options: ResolvedOptions,
  client: Client,
): Promise<Record<string, unknown>> {
  const identity = new Identity(options, searchOn(client), silentLogger);
  const found = { dn: entry.dn, values: entryValues(entry) };
  const { subject, loginName } = identity.identify(found);
  const claims = await identity.claimsFor(found, loginName);
  return { sub: subject, dn: entry.dn, ...claims };
}
