import {
  AndFilter,
  type Client,
  EqualityFilter,
  type Filter,
  InvalidDNSyntaxError,
  InvalidCredentialsError as LdapInvalidCredentials,
  NoSuchObjectError,
  PresenceFilter,
  ResultCodeError,
  type SearchOptions,
  type SearchResult,
  SizeLimitExceededError,
} from 'ldapts';
import { DirectoryUnavailableError, InvalidCredentialsError } from '../errors.js';
import type { AuthEvents, LdapOperationEvent, PoolStats } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import {
  ACCOUNT_STATE_ATTRIBUTES,
  passwordWarningOf,
  refusalAfterSuccess,
  refusalOf,
  refusalOfEntry,
} from './account-state.js';
import { Connector } from './connector.js';
import { decoyDn, LoginTimes } from './decoy.js';
import { attributeRequest, entryValues } from './entry-values.js';
import { describeFailure, isRefusal, ServiceAccountBindError } from './failures.js';
import { findUserEntry, type UserEntryResult } from './find-user-entry.js';
import type { FoundEntry } from './groups.js';
import type { DirectoryUser, LoginAttempt } from './login-attempt.js';
import {
  PasswordPolicyControl,
  type PasswordPolicyResponse,
  PolicyControlDecision,
} from './password-policy-control.js';
import { ConnectionPool } from './pool.js';
import type { DirectorySettings, PasswordPolicyControlUse } from './settings.js';
import { warnIfUnverified } from './tls.js';
import type { ServerAddress } from './urls.js';

/** Entries per page of a group search. */
const GROUP_PAGE_SIZE = 500;

/**
 * The directory, seen as the one question the library asks of it: is this the password of the
 * entry this username names? Search-then-bind: find the entry, then bind as it.
 *
 * Two pools share one {@link Connector} (failover, TLS): searches run on connections bound as the
 * service account (or anonymous), user binds on connections that go back to anonymous right
 * after each successful bind, so no connection ever rests in the pool bound as a person.
 */
export class Directory {
  readonly #options: DirectorySettings;
  readonly #logger: Logger;
  readonly #events: AuthEvents;
  readonly #searches: ConnectionPool;
  readonly #binds: ConnectionPool;
  /** Set once the directory refuses anonymous binds: bind connections are closed instead. */
  #closeAfterBind = false;
  readonly #policyControl: PolicyControlDecision;
  readonly #decoyDn: string;
  readonly #loginTimes: LoginTimes;

  constructor(
    options: DirectorySettings,
    logger: Logger,
    events: AuthEvents = {},
    policyControl: PasswordPolicyControlUse = 'auto',
  ) {
    this.#options = options;
    this.#decoyDn = decoyDn(options.topDn);
    this.#loginTimes = new LoginTimes(options.timeoutMs);
    this.#policyControl = new PolicyControlDecision(policyControl, async () => {
      const result = await this.#search('', { scope: 'base', attributes: ['supportedControl'] });
      const listed = result.searchEntries[0]?.supportedControl ?? [];
      return (Array.isArray(listed) ? listed : [listed]).map(String);
    });
    this.#logger = logger;
    this.#events = events;
    const connector = new Connector(
      options.servers,
      options.tls,
      { connectMs: options.connectTimeoutMs, operationMs: options.timeoutMs },
      logger,
    );
    const common = {
      size: options.poolSize,
      // Long enough for a connection lent out to come back even from a server that hangs, so
      // that a caller queued behind it can go to the next server.
      queueTimeoutMs: options.timeoutMs + options.connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      connector,
      onRetry: (server: ServerAddress, error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn(
          { event: 'directory_connection_lost', url: server.url, reason },
          `Lost the connection to ${server.url} during an operation (${reason}); trying again on a new connection`,
        );
      },
    };
    const account = options.serviceAccount;
    this.#searches = new ConnectionPool({
      ...common,
      prepare: account
        ? async (client) => {
            try {
              await this.#timed('serviceBind', () => client.bind(account.dn, account.password));
            } catch (error) {
              throw new ServiceAccountBindError(error);
            }
          }
        : undefined,
    });
    this.#binds = new ConnectionPool({ ...common, reset: (client) => this.#anonymous(client) });
    warnIfUnverified(options.tls, logger);
  }

  /**
   * An unknown or ambiguous username takes as long as a wrong password (decoy bind, see decoy.ts).
   * @throws {InvalidCredentialsError} unknown user, wrong password, or several matching entries.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async authenticate(attempt: LoginAttempt): Promise<DirectoryUser> {
    const startedAt = performance.now();
    const found = await this.#findUser(attempt);
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
      if (found || !isRefusal(error)) throw this.#translate(error, 'bind', policy.response);
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
    const refusal = refusalOfEntry(this.#options.preset.name, entry.values, Date.now());
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
      throw this.#translate(error, 'search');
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
      throw this.#translate(error, 'search');
    }
  }

  /**
   * A search through the search pool (service account or anonymous, never a user's connection),
   * for group look-ups. A base that does not exist finds nothing (logged once per search).
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async searchEntries(
    base: string,
    options: { scope: 'base' | 'sub'; filter?: Filter; attributes: readonly string[] },
  ): Promise<FoundEntry[]> {
    try {
      const result = await this.#search(base, {
        scope: options.scope,
        ...(options.filter ? { filter: options.filter } : {}),
        ...attributeRequest(options.attributes),
        // A person may be in more groups than a server sends in one answer (AD's MaxPageSize
        // is 1000): paged results (RFC 2696) fetch them all, within the server's own limits.
        ...(options.scope === 'sub' ? { paged: { pageSize: GROUP_PAGE_SIZE } } : {}),
      });
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
      throw this.#translate(error, 'search');
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

  /** Runs one LDAP operation and reports how long it took and how it ended. */
  async #timed<T>(operation: LdapOperationEvent['operation'], run: () => Promise<T>): Promise<T> {
    const report = this.#events.ldapOperation;
    if (!report) return run();
    const started = performance.now();
    try {
      const result = await run();
      report({ operation, durationMs: performance.now() - started, outcome: 'success' });
      return result;
    } catch (error) {
      const outcome = error instanceof ResultCodeError ? 'refused' : 'unavailable';
      report({ operation, durationMs: performance.now() - started, outcome });
      throw error;
    }
  }

  /**
   * Returns a bind connection to anonymous after a successful user bind, with an anonymous simple
   * bind (RFC 4513, 5.1.1): one round trip, no password check. A directory that refuses those
   * gets its bind connections closed instead (the pool discards a connection whose reset fails).
   */
  async #anonymous(client: Client): Promise<void> {
    if (this.#closeAfterBind) throw new Error('closing bind connections after use');
    try {
      await client.bind('', '');
    } catch (error) {
      if (error instanceof ResultCodeError && !this.#closeAfterBind) {
        this.#closeAfterBind = true;
        this.#logger.warn(
          { event: 'anonymous_bind_refused', resultCode: error.code },
          'The directory refuses anonymous binds, so connections that checked a password are ' +
            'closed after each login instead of being reused',
        );
      }
      throw error;
    }
  }

  /** The entry the username names; `undefined` when it names none, or several. */
  async #findUser(attempt: LoginAttempt): Promise<FoundEntry | undefined> {
    let found: UserEntryResult;
    try {
      found = await findUserEntry(
        (base, options) => this.#search(base, options),
        this.#options,
        attempt,
      );
    } catch (error) {
      throw this.#translate(error, 'search');
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

  #translate(error: unknown, operation: 'search' | 'bind', policy?: PasswordPolicyResponse): Error {
    if (error instanceof LdapInvalidCredentials && operation === 'bind') {
      return new InvalidCredentialsError('Invalid username or password', {
        cause: error,
        ...refusalOf(error, policy),
      });
    }
    if (operation === 'bind' && isRefusal(error)) {
      this.#logger.warn(
        { event: 'login_refused_by_directory', resultCode: error.code },
        `The directory refused the bind: ${error.message}`,
      );
      return new InvalidCredentialsError('Invalid username or password', {
        cause: error,
        ...refusalOf(error, policy),
      });
    }
    const { event, level, message, fields } = describeFailure(error, operation, this.#options);
    this.#logger[level]({ event, operation, url: this.#options.url, ...fields }, message);
    return new DirectoryUnavailableError('The directory is unavailable', { cause: error });
  }
}
