import {
  AndFilter,
  EqualityFilter,
  InvalidDNSyntaxError,
  InvalidCredentialsError as LdapInvalidCredentials,
  NoSuchObjectError,
  PresenceFilter,
  type SearchOptions,
  type SearchResult,
  SizeLimitExceededError,
} from 'ldapts';
import { DirectoryUnavailableError, InvalidCredentialsError } from '../errors.js';
import type { AuthEvents, PoolStats } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import {
  ACCOUNT_STATE_ATTRIBUTES,
  passwordWarningOf,
  refusalAfterSuccess,
  refusalOfEntry,
} from './account-state.js';
import { decoyDn, LoginTimes } from './decoy.js';
import { directoryError } from './directory-errors.js';
import { directoryPools } from './directory-pools.js';
import { attributeRequest, entryValues } from './entry-values.js';
import { isRefusal } from './failures.js';
import { findUserEntry, type UserEntryResult, type UserQuery } from './find-user-entry.js';
import { type GroupSearchRequest, groupSearchOptions } from './group-search.js';
import type { FoundEntry } from './groups.js';
import type { DirectoryUser, LoginAttempt } from './login-attempt.js';
import { PasswordPolicyControl, PolicyControlDecision } from './password-policy-control.js';
import type { ConnectionPool } from './pool.js';
import type { DirectorySettings, PasswordPolicyControlUse } from './settings.js';
import { type TimedOperation, timedOperations } from './timed-operation.js';
import { warnIfUnverified } from './tls.js';

/** What a directory reports to, and how it behaves beyond its settings. */
export interface DirectoryContext {
  logger: Logger;
  /** `ldapOperation` is told of every operation. Default: none. */
  events?: AuthEvents;
  /** Default `auto`: ask the server whether it supports the control. */
  policyControl?: PasswordPolicyControlUse;
  /** The time of day, ms since the epoch, for account expiry dates; tests freeze it. Default `Date.now`. */
  now?: () => number;
}

/**
 * The directory, seen as the one question the library asks of it: is this the password of the
 * entry this username names? Search-then-bind: find the entry, then bind as it.
 * Searches and user binds each have their pool (see directory-pools.ts).
 */
export class Directory {
  readonly #options: DirectorySettings;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #timed: TimedOperation;
  readonly #searches: ConnectionPool;
  readonly #binds: ConnectionPool;
  readonly #policyControl: PolicyControlDecision;
  readonly #decoyDn: string;
  readonly #loginTimes: LoginTimes;

  constructor(options: DirectorySettings, context: DirectoryContext) {
    const { logger, events = {}, policyControl = 'auto', now = Date.now } = context;
    this.#options = options;
    this.#logger = logger;
    this.#now = now;
    this.#timed = timedOperations(events);
    this.#decoyDn = decoyDn(options.topDn);
    this.#loginTimes = new LoginTimes(options.timeoutMs);
    this.#policyControl = new PolicyControlDecision(policyControl, async () => {
      const result = await this.#search('', { scope: 'base', attributes: ['supportedControl'] });
      const listed = result.searchEntries[0]?.supportedControl ?? [];
      return (Array.isArray(listed) ? listed : [listed]).map(String);
    });
    const pools = directoryPools(options, logger, this.#timed);
    this.#searches = pools.searches;
    this.#binds = pools.binds;
    warnIfUnverified(options.tls, logger);
  }

  /**
   * An unknown or ambiguous username takes as long as a wrong password (decoy bind, see decoy.ts).
   * @throws {InvalidCredentialsError} unknown user, wrong password, or several matching entries.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async authenticate(attempt: LoginAttempt): Promise<DirectoryUser> {
    const startedAt = performance.now();
    const found = await this.findUser(attempt);
    if (found) await attempt.beforeBind?.(found);
    // Asks for the password-policy response (ldapts parses it into this control, see there).
    const policy = new PasswordPolicyControl();
    const controls = (await this.#policyControl.wanted()) ? [policy] : [];
    // Nobody found: bind as a DN that cannot exist, the round trip a wrong password costs.
    const dn = found?.dn ?? this.#decoyDn;
    try {
      await this.#binds.use((client) =>
        this.#timed('bind', () => client.bind(dn, attempt.password, controls)),
      );
    } catch (error) {
      const wrongPassword = found && error instanceof LdapInvalidCredentials;
      if (wrongPassword) this.#loginTimes.wrongPassword(startedAt);
      if (found || !isRefusal(error))
        throw directoryError(error, 'bind', this.#options, this.#logger, policy.response);
    }
    if (!found) {
      await this.#loginTimes.unknownUser(startedAt);
      throw new InvalidCredentialsError('Invalid username or password');
    }
    const { values } = found;
    // The password is right, but the directory may still restrict the session (must change it).
    const refusal = refusalAfterSuccess(policy.response);
    if (refusal) {
      throw new InvalidCredentialsError('The directory refused the account', refusal);
    }
    const warning = passwordWarningOf(policy.response);
    if (warning) {
      this.#logger.info(
        { event: 'password_expiring', dn, ...warning },
        'The password of a user who just logged in expires soon (or has, with grace logins left)',
      );
    }
    return { username: attempt.username, dn, values };
  }

  /**
   * Reads one entry by its DN (a base search through the search pool): whether it still exists,
   * is still a user this directory's preset admits (e.g. a person, a POSIX account), and is not
   * disabled, locked or expired as far as the preset's account-state attributes say (see
   * `refusalOfEntry`). Used by refresh, which has a DN from a token and no password.
   * @param attributes read from the entry, as at login.
   * @returns the entry's DN as the directory spells it and the attributes' values, or
   *   `undefined` when it is gone.
   * @throws {InvalidCredentialsError} the account is disabled, locked or expired (with the
   *   reason; `passwordVerified` false).
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async lookup(dn: string, attributes: readonly string[] = []): Promise<FoundEntry | undefined> {
    const entry = await this.#readEntry(dn, [
      ...attributes,
      ...ACCOUNT_STATE_ATTRIBUTES[this.#options.preset.name],
    ]);
    if (!entry) return undefined;
    const refusal = refusalOfEntry(this.#options.preset.name, entry.values, this.#now());
    if (refusal) {
      throw new InvalidCredentialsError('The directory says the account may not be used', refusal);
    }
    return entry;
  }

  async #readEntry(dn: string, attributes: readonly string[]): Promise<FoundEntry | undefined> {
    const conditions = this.#options.preset.userConditions;
    const filter =
      conditions.length === 0
        ? new PresenceFilter({ attribute: 'objectClass' })
        : new AndFilter({ filters: conditions.map((condition) => new EqualityFilter(condition)) });
    try {
      const result = await this.#search(dn, {
        scope: 'base',
        filter,
        ...attributeRequest(attributes),
        sizeLimit: 1,
      });
      const entry = result.searchEntries[0];
      return entry && { dn: entry.dn, values: entryValues(entry) };
    } catch (error) {
      // noSuchObject: the entry, or a branch above it, is gone. invalidDNSyntax: not a DN this
      // directory knows; a token cannot make it one.
      if (error instanceof NoSuchObjectError || error instanceof InvalidDNSyntaxError) return;
      throw directoryError(error, 'search', this.#options, this.#logger);
    }
  }

  /**
   * Asks the directory for the top DN itself: proves it answers, and that the configured search
   * identity may read there. For readiness probes.
   * @throws {DirectoryUnavailableError}
   */
  async ping(): Promise<void> {
    try {
      await this.#searches.use((client) =>
        this.#timed('ping', () =>
          client.search(this.#options.topDn, { scope: 'base', attributes: ['1.1'], sizeLimit: 1 }),
        ),
      );
    } catch (error) {
      throw directoryError(error, 'search', this.#options, this.#logger);
    }
  }

  /**
   * A search through the search pool (service account or anonymous, never a user's connection),
   * for group look-ups. A base that does not exist finds nothing (logged once per search).
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async searchEntries(base: string, request: GroupSearchRequest): Promise<FoundEntry[]> {
    try {
      const result = await this.#search(base, groupSearchOptions(request));
      return result.searchEntries.map((entry) => ({ dn: entry.dn, values: entryValues(entry) }));
    } catch (error) {
      if (error instanceof SizeLimitExceededError) {
        this.#logger.error(
          { event: 'group_search_size_limit', base },
          `A group search under ${base} found more entries than the directory lets this account ` +
            'read (sizeLimitExceeded); raise its size limit (slapd: limits ... size=unlimited) ' +
            'rather than hand out tokens with part of the groups',
        );
        throw new DirectoryUnavailableError('The directory is unavailable', { cause: error });
      }
      if (error instanceof NoSuchObjectError || error instanceof InvalidDNSyntaxError) {
        this.#logger.warn(
          { event: 'search_base_missing', base, resultCode: error.code },
          `The directory has no entry ${base}: nothing found there`,
        );
        return [];
      }
      throw directoryError(error, 'search', this.#options, this.#logger);
    }
  }

  /** Connections open and in use, per pool. */
  get stats(): { searches: PoolStats; binds: PoolStats } {
    return { searches: this.#searches.stats, binds: this.#binds.stats };
  }

  /** Closes every connection; resolves once they are all closed. */
  async close(): Promise<void> {
    await Promise.all([this.#searches.close(), this.#binds.close()]);
  }

  /**
   * The entry a name matched against `query.criteria` names, found as a login finds it (the
   * configured scope, user conditions and normalisation); `undefined` when it names none, or
   * several.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async findUser(query: UserQuery): Promise<FoundEntry | undefined> {
    let found: UserEntryResult;
    try {
      found = await findUserEntry(
        (base, options) => this.#search(base, options),
        this.#options,
        query,
      );
    } catch (error) {
      throw directoryError(error, 'search', this.#options, this.#logger);
    }
    if (found.outcome === 'ambiguous') {
      this.#logger.warn(
        { event: 'login_ambiguous', criteria: found.attribute },
        'The username matches more than one directory entry; refusing the login',
      );
    }
    return found.outcome === 'found' ? found.entry : undefined;
  }

  /** One search through the search pool, timed. */
  #search(base: string, options: SearchOptions): Promise<SearchResult> {
    return this.#searches.use((client) =>
      this.#timed('search', () => client.search(base, options)),
    );
  }
}
