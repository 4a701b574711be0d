// What `check --user` says about the entry it found: the claims a token issued to it would carry
// (attributes, claims mapped from them, groups), worked out by the same Identity a login uses,
// with its group look-ups made on check's own connection.
import { type Client, InvalidDNSyntaxError, NoSuchObjectError } from 'ldapts';
import { Identity } from '../../core/identity.js';
import { ForbiddenError } from '../../errors.js';
import { entryValues } from '../../ldap/entry-values.js';
import { groupSearchOptions } from '../../ldap/group-search.js';
import { type FoundEntry, GroupResolver, type GroupSearch } from '../../ldap/groups.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { silentLogger } from '../../shared/logger.js';

/**
 * Check reads and pages like the login's group look-ups (Directory.searchEntries), but on its one
 * connection, and answers the same way: a base that does not exist (noSuchObject 32,
 * invalidDNSyntax 34) finds nothing; any other refusal, sizeLimitExceeded (4) included, throws,
 * as the login's 503 does. Internal; exported for its test.
 */
export function searchOn(client: Pick<Client, 'search'>): GroupSearch {
  return async (base, request) => {
    try {
      const result = await client.search(base, groupSearchOptions(request));
      return result.searchEntries.map((entry) => ({ dn: entry.dn, values: entryValues(entry) }));
    } catch (error) {
      if (error instanceof NoSuchObjectError || error instanceof InvalidDNSyntaxError) return [];
      throw error;
    }
  };
}

const noSearch: GroupSearch = () => Promise.reject(new Error('no group search here'));

/** What the user search reads: what a login's user search reads. */
export function userSearchAttributes(options: ResolvedOptions): readonly string[] {
  return new Identity(options, noSearch, silentLogger).attributesToRead;
}

/**
 * What a token issued to this entry would carry (`sub` the entry's own value, as at login): shown by `check --user` (text:
 * one `key: value` per line; JSON: the step's `details`).
 * @throws {InvalidCredentialsError} the entry has no usable subject: a login would get a 401.
 * @throws {ForbiddenError} the entry is outside the required group: a login would get a 403.
 * @throws {DirectoryUnavailableError} the group look-up failed.
 */
export async function tokenContents(
  found: FoundEntry,
  options: ResolvedOptions,
  client: Client,
): Promise<Record<string, unknown>> {
  const identity = new Identity(options, searchOn(client), silentLogger);
  const { subject, loginName } = identity.identify(found);
  try {
    return { sub: subject, dn: found.dn, ...(await identity.claimsFor(found, loginName)) };
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    const groups = options.groups;
    const resolver = new GroupResolver(groups, options.ldap.preset, searchOn(client), silentLogger);
    const names = (await resolver.resolve({ ...found, username: loginName })).map(
      (group) => group.name,
    );
    const memberOf = options.ldap.preset.groups.memberOfAttribute ?? 'memberOf';
    const missing =
      groups.strategy === 'memberOf' && !found.values.get(memberOf.toLowerCase())?.length;
    throw new NotInRequiredGroup(groups.required ?? '', names, missing ? memberOf : undefined);
  }
}

/**
 * Why a login would get a 403: the groups the strategy found, none of them the required one;
 * `missingAttribute` when the memberOf strategy found no memberOf on the entry at all.
 */
export class NotInRequiredGroup extends ForbiddenError {
  readonly required: string;
  readonly groups: readonly string[];
  readonly missingAttribute?: string;

  constructor(required: string, groups: readonly string[], missingAttribute?: string) {
    super('You are not allowed to obtain a token');
    this.required = required;
    this.groups = groups;
    if (missingAttribute) this.missingAttribute = missingAttribute;
  }

  /** For a person: "no memberOf on the entry", or "groups found: a, b; required: c". */
  get why(): string {
    if (this.missingAttribute) return `no ${this.missingAttribute} on the entry`;
    const found = this.groups.length > 0 ? this.groups.join(', ') : 'none';
    return `groups found: ${found}; required: ${this.required}`;
  }

  /** What to change, when it is not simply "add the user to the group". */
  get hint(): string | undefined {
    if (!this.missingAttribute) return undefined;
    return (
      `if the directory does not maintain ${this.missingAttribute} (slapd without the memberof ` +
      'overlay), set LDAP_GROUP_STRATEGY=search and LDAP_GROUP_BASE_DN; otherwise the user is ' +
      'in no group: add them to it'
    );
  }

  get details(): Record<string, unknown> {
    return {
      groupsFound: this.groups,
      required: this.required,
      ...(this.missingAttribute ? { missingAttribute: this.missingAttribute } : {}),
    };
  }
}
