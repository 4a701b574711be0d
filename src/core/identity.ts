import { ForbiddenError, InvalidCredentialsError } from '../errors.js';
import { pickAttributes } from '../ldap/entry-values.js';
import { groupClaim, hasGroup } from '../ldap/group-lists.js';
import { type FoundEntry, GroupResolver, type GroupSearch } from '../ldap/groups.js';
import { rdnValue } from '../ldap/rdn.js';
import { foldName } from '../ldap/usernames.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { Logger } from '../shared/logger.js';
import { attributesOf, groupsOfClaim, mappedClaims } from '../token/claims.js';
import type { TokenClaims } from '../token/tokens.js';
import type { AuthenticatedUser } from './types.js';

/** Who the entry is, in the directory's own words. */
export interface EntryIdentity {
  /** The subject attribute's value as stored: the token's `sub`. */
  subject: string;
  /** The login attribute's value as stored: `preferred_username`, the filter's `{username}`. */
  loginName: string;
}

/**
 * Who a user is, beyond the password being right: the claims a token carries about them
 * (attributes, claims mapped from them, groups), and whether they may have a token at all (the
 * required group). Read at login and again at every refresh.
 */
export class Identity {
  readonly #options: Pick<ResolvedOptions, 'user' | 'groups'>;
  readonly #groups: GroupResolver;
  readonly #logger: Logger;
  /**
   * What the search that finds the user reads (no second round trip): the subject and login
   * attributes, the configured attributes, those claims are copied from, and what the group
   * strategy needs (memberOf, or the login attribute for `{username}`).
   */
  readonly attributesToRead: readonly string[];

  constructor(options: ResolvedOptions, search: GroupSearch, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#groups = new GroupResolver(options.groups, options.ldap.preset, search, logger);
    this.attributesToRead = Object.freeze([
      ...new Set([
        options.user.subjectAttribute,
        options.user.loginAttribute,
        ...options.user.attributes,
        ...Object.values(options.user.claims).flat(),
        ...this.#groups.userAttributes,
      ]),
    ]);
  }

  /**
   * The entry's subject and login name, as the directory stores them: never what was typed, so
   * that every spelling and every attribute a person may log in with gives one subject.
   * @throws {InvalidCredentialsError} the entry lacks one of the attributes, or has several
   *   values and its DN names none of them (logged, with the attribute and the DN).
   */
  identify(entry: FoundEntry): EntryIdentity {
    const { subjectAttribute, loginAttribute } = this.#options.user;
    return {
      subject: this.#valueOf(entry, subjectAttribute),
      loginName: this.#valueOf(entry, loginAttribute),
    };
  }

  #valueOf(entry: FoundEntry, attribute: string): string {
    const values = entry.values.get(attribute.toLowerCase()) ?? [];
    const value = values.length === 1 ? values[0] : namedValue(entry.dn, attribute, values);
    if (value !== undefined && value !== '') return value;
    this.#logger.error(
      { event: 'subject_unavailable', attribute, dn: entry.dn, values: values.length },
      values.length === 0
        ? `The entry ${entry.dn} has no ${attribute}, which names the person in tokens: no token`
        : `The entry ${entry.dn} has ${values.length} values of ${attribute} and its DN names none of them: no token`,
    );
    throw new InvalidCredentialsError('The directory entry has no usable subject');
  }

  /**
   * The claims a token carries about the user of `entry`, beyond `sub` and `dn`.
   * @param loginName the entry's login name ({@link identify}), for `{username}`.
   * @throws {ForbiddenError} outside `groups.required` (refresh turns it into a 401).
   * @throws {DirectoryUnavailableError} the groups could not be read.
   */
  async claimsFor(entry: FoundEntry, loginName: string): Promise<Record<string, unknown>> {
    const { user, groups } = this.#options;
    const found = await this.#groups.resolve({
      dn: entry.dn,
      username: loginName,
      values: entry.values,
    });
    if (groups.required !== undefined && !hasGroup(found, groups.required)) {
      throw new ForbiddenError('You are not allowed to obtain a token');
    }
    const claims: Record<string, unknown> = mappedClaims(entry.values, user.claims);
    claims.preferred_username = loginName;
    if (groups.strategy !== 'none') {
      claims.groups = groupClaim(found, groups.maxInToken, this.#logger);
    }
    claims.attributes = pickAttributes(entry.values, user.attributes);
    return claims;
  }
}

/**
 * Of several values, the one the entry's DN names (`uid=alice,...` names `alice` among the uids
 * `alice` and `a.liddell`), as stored: a choice that does not depend on the order the directory
 * sends values in. `undefined` when the DN names none (or no value at all).
 */
function namedValue(dn: string, attribute: string, values: readonly string[]): string | undefined {
  const named = rdnValue(dn, attribute);
  if (named === undefined) return undefined;
  const key = foldName(named);
  return values.find((value) => foldName(value) === key);
}

/** The user a token describes, frozen: what every adapter hands to protected handlers. */
export function userOf(claims: TokenClaims): AuthenticatedUser {
  return Object.freeze({
    username: claims.sub,
    dn: claims.dn,
    attributes: attributesOf(claims.attributes),
    groups: groupsOfClaim(claims.groups),
    claims: Object.freeze(claims),
  });
}
