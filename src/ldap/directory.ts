import { InvalidCredentialsError as LdapInvalidCredentials, ResultCodeError } from 'ldapts';
import type { ResolvedOptions } from '../config.js';
import { DirectoryUnavailableError, InvalidCredentialsError } from '../errors.js';
import type { AuthEvents, LdapOperationEvent, PoolStats } from '../events.js';
import type { Logger } from '../logger.js';
import { userFilter } from './escape.js';
import { ConnectionPool } from './pool.js';

/** A person the directory vouched for. */
export interface DirectoryUser {
  /** The name the person typed. */
  username: string;
  /** The entry's distinguished name, as the directory spells it. */
  dn: string;
}

export interface LoginAttempt {
  username: string;
  password: string;
  /** The attribute the username is matched against. */
  criteria: string;
}

/**
 * Bind result codes that describe the server's state rather than the person's credentials: busy,
 * unavailable, out of resources. Any other refusal of a user's bind (invalid credentials, a
 * locked account's unwillingToPerform, ...) is a failed login.
 */
const UNAVAILABLE_BIND_CODES = new Set([
  1, // operationsError
  3, // timeLimitExceeded
  51, // busy
  52, // unavailable
  80, // other
]);

/**
 * The directory, seen as the one question the library asks of it: is this the password of the
 * entry this username names? Search-then-bind: find the entry, then bind as it.
 */
export class Directory {
  readonly #options: ResolvedOptions['ldap'];
  readonly #logger: Logger;
  readonly #searches: ConnectionPool;
  readonly #binds: ConnectionPool;

  readonly #events: AuthEvents;

  constructor(options: ResolvedOptions['ldap'], logger: Logger, events: AuthEvents = {}) {
    this.#options = options;
    this.#logger = logger;
    this.#events = events;
    const account = options.serviceAccount;
    const common = {
      url: options.url,
      size: options.poolSize,
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
    };
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
    this.#binds = new ConnectionPool(common);
  }

  /**
   * @throws {InvalidCredentialsError} unknown user, wrong password, or several matching entries.
   * @throws {DirectoryUnavailableError} the directory cannot answer.
   */
  async authenticate(attempt: LoginAttempt): Promise<DirectoryUser> {
    const dn = await this.#findUser(attempt);
    try {
      await this.#binds.use((client) =>
        this.#timed('bind', () => client.bind(dn, attempt.password)),
      );
    } catch (error) {
      throw this.#translate(error, 'bind');
    }
    return { username: attempt.username, dn };
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

  /** Connections open and in use, per pool. */
  get stats(): { searches: PoolStats; binds: PoolStats } {
    return { searches: this.#searches.stats, binds: this.#binds.stats };
  }

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

  async #findUser({ username, criteria }: LoginAttempt): Promise<string> {
    let entries: { dn: string }[];
    try {
      const result = await this.#searches.use((client) =>
        this.#timed('search', () =>
          client.search(this.#options.topDn, {
            scope: this.#options.scope,
            filter: userFilter(criteria, username),
            // Ask for no attributes: only the DN is needed, and "1.1" says so (RFC 4511, 4.5.1.8).
            attributes: ['1.1'],
            sizeLimit: 2,
          }),
        ),
      );
      entries = result.searchEntries;
    } catch (error) {
      if (error instanceof ResultCodeError && error.code === 4) {
        entries = [{ dn: '' }, { dn: '' }]; // sizeLimitExceeded: more than one match
      } else {
        throw this.#translate(error, 'search');
      }
    }
    if (entries.length === 1) return entries[0]!.dn;
    if (entries.length > 1) {
      this.#logger.warn(
        { event: 'login_ambiguous', criteria },
        'The username matches more than one directory entry; refusing the login',
      );
    }
    throw new InvalidCredentialsError('Invalid username or password');
  }

  #translate(error: unknown, operation: 'search' | 'bind'): Error {
    if (error instanceof ServiceAccountBindError) {
      // Our own configuration is wrong or the account is locked: not the user's fault.
      this.#logger.error(
        { event: 'service_account_bind_failed', url: this.#options.url, reason: error.reason },
        'The service account could not bind; check LDAP_USERNAME and LDAP_PASSWORD',
      );
      return new DirectoryUnavailableError('The directory is unavailable', { cause: error });
    }
    if (error instanceof LdapInvalidCredentials) {
      return new InvalidCredentialsError('Invalid username or password', { cause: error });
    }
    if (
      operation === 'bind' &&
      error instanceof ResultCodeError &&
      !UNAVAILABLE_BIND_CODES.has(error.code)
    ) {
      this.#logger.warn(
        { event: 'login_refused_by_directory', resultCode: error.code },
        `The directory refused the bind: ${error.message}`,
      );
      return new InvalidCredentialsError('Invalid username or password', { cause: error });
    }
    if (operation === 'search' && error instanceof ResultCodeError) {
      // A search does not depend on the person's password, so its failure is never theirs:
      // typically anonymous search refused (50, or 32 when the ACL hides the base) or a wrong
      // LDAP_TOP_DN (32).
      this.#logger.error(
        { event: 'search_refused', url: this.#options.url, resultCode: error.code },
        `The directory refused the user search (${error.message}); check LDAP_TOP_DN, and ` +
          'configure LDAP_USERNAME and LDAP_PASSWORD if it refuses anonymous search',
      );
      return new DirectoryUnavailableError('The directory is unavailable', { cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    this.#logger.error(
      { event: 'directory_unavailable', operation, url: this.#options.url, reason },
      'The directory did not answer',
    );
    return new DirectoryUnavailableError('The directory is unavailable', { cause: error });
  }
}

/** The service account's own bind failed: a configuration problem, never a wrong user password. */
class ServiceAccountBindError extends Error {
  readonly reason: string;

  constructor(cause: unknown) {
    super('The service account bind failed', { cause });
    this.reason = cause instanceof Error ? cause.message : String(cause);
  }
}
