// The user search of a login: the one entry a username names. Shared by the login itself
// (Directory.authenticate) and by `check --user`, so both see the directory the same way.
import { type Filter, type SearchOptions, type SearchResult, SizeLimitExceededError } from 'ldapts';
import { attributeRequest, entryValues } from './entry-values.js';
import { userFilter } from './escape.js';
import type { FoundEntry } from './groups.js';
import type { UserSearchSettings } from './settings.js';
import { normaliseLogin } from './usernames.js';

/** Runs one search: ldapts's `Client.search`, or the same through a pool. */
export type UserSearch = (base: string, options: SearchOptions) => Promise<SearchResult>;

export interface UserQuery {
  /** The name as the person typed it. */
  username: string;
  /** The attribute it is matched against. */
  criteria: string;
  /** Attributes read with the entry, so none needs a second round trip. Default: none. */
  attributes?: readonly string[];
}

/** A login names exactly one entry, none, or several (then it is refused, never guessed). */
export type UserEntryMatch =
  | { outcome: 'found'; entry: FoundEntry }
  | { outcome: 'none' }
  | { outcome: 'ambiguous' };

/** The match, with what was asked: the attribute after normalisation, and the filter. */
export type UserEntryResult = UserEntryMatch & { attribute: string; filter: Filter };

/** The filter of the user search, and the attribute the (normalised) name is matched against. */
export function userSearchFilter(
  settings: UserSearchSettings,
  query: UserQuery,
): { attribute: string; filter: Filter } {
  const { attribute, value } = normaliseLogin(settings.preset, query.criteria, query.username);
  return { attribute, filter: userFilter(attribute, value, settings.preset.userConditions) };
}

/**
 * Looks for the entry `query.username` names under the top DN.
 * @throws what `search` throws, except the size limit that means "more than one entry".
 */
export async function findUserEntry(
  search: UserSearch,
  settings: UserSearchSettings,
  query: UserQuery,
): Promise<UserEntryResult> {
  const asked = userSearchFilter(settings, query);
  const { filter } = asked;
  try {
    const result = await search(settings.topDn, {
      scope: settings.scope,
      filter,
      ...attributeRequest(query.attributes ?? []),
      // Two are enough to tell "one" from "several".
      sizeLimit: 2,
    });
    // Continuation references (searchResultReference, RFC 4511 4.5.3) point at other servers;
    // they are never followed, so a user is only found on the configured directory.
    const [entry, another] = result.searchEntries;
    if (another) return { outcome: 'ambiguous', ...asked };
    if (!entry) return { outcome: 'none', ...asked };
    return { outcome: 'found', entry: { dn: entry.dn, values: entryValues(entry) }, ...asked };
  } catch (error) {
    // The size limit of 2 was hit: more than one entry matches.
    if (error instanceof SizeLimitExceededError) return { outcome: 'ambiguous', ...asked };
    throw error;
  }
}
