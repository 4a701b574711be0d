// How a user's groups are found, one strategy at a time (none, memberOf, search, inChain, nested),
// within the configured depth and time budget.
import type { Filter } from 'ldapts';
import { DirectoryUnavailableError } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import { GroupFilterTemplate } from './group-filter.js';
import { dnKey, type Group, sortLevel, unique } from './group-lists.js';
import type { GroupSearchRequest } from './group-search.js';
import { inChainFilter, parentsFilter } from './membership-filters.js';
import type { DirectoryPreset } from './presets.js';
import { rdnValue } from './rdn.js';
import type { GroupSettings } from './settings.js';

export type { Group } from './group-lists.js';

/** An entry a search returned, values keyed by lower-cased attribute name. */
export interface FoundEntry {
  dn: string;
  values: ReadonlyMap<string, readonly string[]>;
}

/** The search the resolver needs: through the search pool, never a user's own connection. */
export type GroupSearch = (base: string, request: GroupSearchRequest) => Promise<FoundEntry[]>;

/** Who the groups are looked up for: the entry the user search (or refresh) read. */
export interface GroupSubject {
  dn: string;
  /**
   * The entry's own value of the login attribute, for `{username}`; never what the person typed
   * (an entry without the attribute gets no token, so it never reaches the group search).
   */
  username: string;
  values: ReadonlyMap<string, readonly string[]>;
}

/** `memberOf`: base searches for group names running at once, at most. */
export const MEMBER_OF_READS_AT_ONCE = 8;

/** Group DNs per query of the `nested` strategy: big levels are split to keep filters small. */
export const NESTED_BATCH = 100;

/**
 * Finds a user's groups by the configured strategy. Every query goes through `search`, the
 * search pool (service account or anonymous), never the connection the user bound on.
 */
export class GroupResolver {
  readonly #settings: GroupSettings;
  readonly #preset: DirectoryPreset;
  readonly #search: GroupSearch;
  readonly #logger: Logger;
  readonly #filter: GroupFilterTemplate;
  readonly #memberOf: string;
  /** Some entry had `memberOf` values: the directory keeps them. */
  #memberOfSeen = false;
  #memberOfWarned = false;

  constructor(
    settings: GroupSettings,
    preset: DirectoryPreset,
    search: GroupSearch,
    logger: Logger,
  ) {
    this.#settings = settings;
    this.#preset = preset;
    this.#search = search;
    this.#logger = logger;
    this.#filter = new GroupFilterTemplate(settings.filter);
    this.#memberOf = preset.groups.memberOfAttribute ?? 'memberOf';
  }

  /** What the user search must also read for this strategy: memberOf, or the login attribute. */
  get userAttributes(): string[] {
    switch (this.#settings.strategy) {
      case 'memberOf':
        return [this.#memberOf];
      case 'search':
      case 'nested':
        return [this.#preset.loginAttribute];
      default:
        return [];
    }
  }

  /**
   * The user's groups, direct ones first, each level sorted by name.
   * @throws {DirectoryUnavailableError} the directory cannot answer, or `nested` (or `memberOf`
   *   reading group names) ran out of time.
   */
  async resolve(subject: GroupSubject): Promise<Group[]> {
    switch (this.#settings.strategy) {
      case 'none':
        return [];
      case 'memberOf':
        return this.#fromMemberOf(subject);
      case 'search':
        return this.#direct(subject);
      case 'inChain':
        return this.#inChain(subject);
      case 'nested':
        return this.#nested(subject);
    }
  }

  /**
   * The DNs of the user's `memberOf`, named from their RDN when it is the name attribute (no
   * query); other groups are read by a base search each, at most {@link MEMBER_OF_READS_AT_ONCE}
   * at a time (someone in thousands of groups must not take every connection of the pool), within
   * the time budget.
   */
  async #fromMemberOf(subject: GroupSubject): Promise<Group[]> {
    const started = performance.now();
    const left = () => this.#settings.timeBudgetMs - (performance.now() - started);
    const dns = subject.values.get(this.#memberOf.toLowerCase()) ?? [];
    this.#noticeMemberOf(dns.length > 0);
    const attribute = this.#settings.nameAttribute;
    const groups: Group[] = [];
    const unread: string[] = [];
    for (const dn of dns) {
      const name = rdnValue(dn, attribute);
      if (name !== undefined) groups.push({ dn, name });
      else unread.push(dn);
    }
    if (unread.length > 0) groups.push(...(await this.#readNames(unread, left)));
    return sortLevel(unique(groups));
  }

  /**
   * A directory that does not keep `memberOf` (slapd without the memberof overlay) gives every
   * user no groups, and a required group then refuses everyone with nothing else to say why.
   * Said once, at the first entry without it, unless an entry has already shown the directory
   * keeps it (then this user is simply in no group).
   */
  #noticeMemberOf(present: boolean): void {
    if (present) this.#memberOfSeen = true;
    if (present || this.#memberOfSeen || this.#memberOfWarned) return;
    this.#memberOfWarned = true;
    this.#logger.warn(
      { event: 'member_of_missing', attribute: this.#memberOf },
      `A user's entry has no ${this.#memberOf} attribute, so the memberOf group strategy finds ` +
        'no groups for them (and LDAP_REQUIRED_GROUP refuses them). If the directory does not ' +
        `maintain ${this.#memberOf} (slapd without the memberof overlay), or the search identity ` +
        'may not read it, set LDAP_GROUP_STRATEGY=search (or nested) and LDAP_GROUP_BASE_DN',
    );
  }

  /** Reads the name attribute of each group, a few at a time, unless the budget runs out. */
  async #readNames(dns: readonly string[], left: () => number): Promise<Group[]> {
    const attribute = this.#settings.nameAttribute;
    const groups: Group[] = [];
    let next = 0;
    let abandoned = false;
    const worker = async () => {
      while (!abandoned && next < dns.length) {
        const dn = dns[next++]!;
        const [entry] = await this.#search(dn, { scope: 'base', attributes: [attribute] });
        groups.push({ dn, name: entry?.values.get(attribute.toLowerCase())?.[0] ?? dn });
      }
    };
    const workers = Math.min(MEMBER_OF_READS_AT_ONCE, dns.length);
    try {
      await this.#within(left, Promise.all(Array.from({ length: workers }, worker)));
    } finally {
      // Past the budget or on a failure, the reads not yet started are not started.
      abandoned = true;
    }
    return groups;
  }

  async #direct(subject: GroupSubject, deadline?: () => number): Promise<Group[]> {
    const filter = this.#filter.fill({ dn: subject.dn, username: subject.username });
    const found = await this.#within(deadline, this.#searchGroups(filter));
    return sortLevel(unique(found));
  }

  async #inChain(subject: GroupSubject): Promise<Group[]> {
    return sortLevel(unique(await this.#searchGroups(inChainFilter(subject.dn, this.#preset))));
  }

  /**
   * Breadth first from the direct groups: one query per level (per {@link NESTED_BATCH} groups)
   * for the groups containing the last level's; a group seen before is not followed again, so a
   * cycle ends the walk. Past `maxDepth` the rest is left out, with a warning when one more
   * query finds groups above the last level; past the time budget the whole resolution fails
   * (unavailable): a token never carries a silently partial list because the directory was slow.
   */
  async #nested(subject: GroupSubject): Promise<Group[]> {
    const started = performance.now();
    const left = () => this.#settings.timeBudgetMs - (performance.now() - started);
    const all = await this.#direct(subject, left);
    const seen = new Set(all.map((group) => dnKey(group.dn)));
    let frontier = all;
    for (let depth = 1; frontier.length > 0; depth++) {
      const next = await this.#parentsOf(frontier, seen, left);
      if (depth > this.#settings.maxDepth) {
        // One query past the last level: warn only when something is really left out.
        if (next.length > 0) {
          this.#logger.warn(
            { event: 'group_nesting_truncated', maxDepth: this.#settings.maxDepth },
            `Groups nested deeper than ${this.#settings.maxDepth} levels were left out (LDAP_GROUP_MAX_DEPTH)`,
          );
        }
        break;
      }
      frontier = sortLevel(next);
      all.push(...frontier);
    }
    return all;
  }

  /** The groups having any of `groups` as a member, less those in `seen` (which they join). */
  async #parentsOf(
    groups: readonly Group[],
    seen: Set<string>,
    left: () => number,
  ): Promise<Group[]> {
    const batches: string[][] = [];
    for (let index = 0; index < groups.length; index += NESTED_BATCH) {
      batches.push(groups.slice(index, index + NESTED_BATCH).map((group) => group.dn));
    }
    const found = await this.#within(
      left,
      Promise.all(batches.map((dns) => this.#searchGroups(parentsFilter(dns, this.#preset)))),
    );
    const next: Group[] = [];
    for (const group of found.flat()) {
      const key = dnKey(group.dn);
      if (seen.has(key)) continue;
      seen.add(key);
      next.push(group);
    }
    return next;
  }

  async #searchGroups(filter: Filter): Promise<Group[]> {
    const attribute = this.#settings.nameAttribute;
    const entries = await this.#search(this.#settings.baseDn, {
      scope: 'sub',
      filter,
      attributes: [attribute],
    });
    return entries.map((entry) => ({
      dn: entry.dn,
      name: entry.values.get(attribute.toLowerCase())?.[0] ?? entry.dn,
    }));
  }

  /** `work`, unless the budget `left()` runs out first: then the directory counts as unavailable. */
  async #within<T>(left: (() => number) | undefined, work: Promise<T>): Promise<T> {
    if (!left) return work;
    const remaining = left();
    if (remaining <= 0) {
      work.catch(() => undefined);
      throw this.#overBudget();
    }
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(this.#overBudget()), remaining);
    });
    // A search still running past the budget finishes on its own and returns its connection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, outOfTime]);
    } finally {
      clearTimeout(timer);
    }
  }

  #overBudget(): DirectoryUnavailableError {
    this.#logger.error(
      { event: 'group_resolution_over_budget', timeBudgetMs: this.#settings.timeBudgetMs },
      `Resolving groups took longer than ${this.#settings.timeBudgetMs} ms (LDAP_GROUP_TIME_BUDGET_MS); the directory counts as unavailable`,
    );
    return new DirectoryUnavailableError('Resolving groups took too long');
  }
}
