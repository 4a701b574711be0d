import type { AuthenticatedUser } from './auth.js';
import type { ResolvedOptions } from './config.js';
import { ForbiddenError } from './errors.js';
import { pickAttributes } from './ldap/entry-values.js';
import {
  type FoundEntry,
  GroupResolver,
  type GroupSearch,
  groupClaim,
  hasGroup,
} from './ldap/groups.js';
import type { Logger } from './logger.js';
import { attributesOf, groupsOfClaim, mappedClaims } from './token/claims.js';
import type { TokenClaims } from './token/tokens.js';

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
   * What the search that finds the user reads (no second round trip): the configured attributes,
   * those claims are copied from, and what the group strategy needs (memberOf, or the login
   * attribute for `{username}`).
   */
  readonly attributesToRead: readonly string[];

  constructor(options: ResolvedOptions, search: GroupSearch, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#groups = new GroupResolver(options.groups, options.ldap.preset, search, logger);
    this.attributesToRead = Object.freeze([
      ...new Set([
        ...options.user.attributes,
        ...Object.values(options.user.claims).flat(),
        ...this.#groups.userAttributes,
      ]),
    ]);
  }

  /**
   * The claims a token carries about the user of `entry`, beyond `sub` and `dn`.
   * @throws {ForbiddenError} outside `groups.required` (refresh turns it into a 401).
   * @throws {DirectoryUnavailableError} the groups could not be read.
   */
  async claimsFor(username: string, entry: FoundEntry): Promise<Record<string, unknown>> {
    const { user, groups } = this.#options;
    const found = await this.#groups.resolve({ dn: entry.dn, username, values: entry.values });
    if (groups.required !== undefined && !hasGroup(found, groups.required)) {
      throw new ForbiddenError('You are not allowed to obtain a token');
    }
    const claims: Record<string, unknown> = mappedClaims(entry.values, user.claims);
    if (groups.strategy !== 'none') {
      claims.groups = groupClaim(found, groups.maxInToken, this.#logger);
    }
    claims.attributes = pickAttributes(entry.values, user.attributes);
    return claims;
  }
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
