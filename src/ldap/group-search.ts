// How a group look-up is asked of the directory, the same by a login (Directory.searchEntries)
// and by `check` on its own connection.
import type { Filter, SearchOptions } from 'ldapts';
import { attributeRequest } from './entry-values.js';

/** One group look-up: a base read, or a search below the group base. */
export interface GroupSearchRequest {
  scope: 'base' | 'sub';
  filter?: Filter;
  attributes: readonly string[];
}

/** Entries per page of a group search. */
export const GROUP_PAGE_SIZE = 500;

/** The ldapts search options of a group look-up. */
export function groupSearchOptions(request: GroupSearchRequest): SearchOptions {
  return {
    scope: request.scope,
    ...(request.filter ? { filter: request.filter } : {}),
    ...attributeRequest(request.attributes),
    // A person may be in more groups than a server sends in one answer (AD's MaxPageSize is
    // 1000): paged results (RFC 2696) fetch them all, within the server's own limits.
    ...(request.scope === 'sub' ? { paged: { pageSize: GROUP_PAGE_SIZE } } : {}),
  };
}
