import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import {
  authenticate,
  indexEntries,
  namingContextsOf,
  refuseAnonymousSearch,
  search,
} from './directory-operations.js';
import { createLdapServer, ResultCode } from './ldapjs-server.js';
import { type LdifEntry, parseLdif } from './ldif.js';

/** Where the directory's content comes from: LDIF text, or the path of an LDIF file. */
export type TestDirectorySource =
  | { ldif: string; ldifFile?: never }
  | { ldifFile: string; ldif?: never };

/** Options of {@link startTestDirectory}. */
export type TestDirectoryOptions = TestDirectorySource & {
  /**
   * Whether a connection that has not bound as an entry may search. When `false`, such a
   * search succeeds with no entries. Default `true`.
   */
  anonymousSearch?: boolean;
  /** Interface to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** Port to listen on; `0` picks a free one. Default `0`. */
  port?: number;
};

/** An entry as loaded from the LDIF, `userPassword` included. */
export interface DirectoryEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** Requests received since the directory started; live counters. */
export interface TestDirectoryStats {
  /** Bind requests, anonymous ones included, successful or not. */
  readonly binds: number;
  /** Search requests, refused ones included. */
  readonly searches: number;
}

/** A running embedded directory. */
export interface TestDirectory {
  /** `ldap://host:port`, ready for an LDAP client. */
  readonly url: string;
  readonly port: number;
  readonly entries: readonly DirectoryEntry[];
  readonly stats: TestDirectoryStats;
  /** Stops listening and drops every open connection; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts an in-memory LDAP directory serving the given LDIF: simple binds against
 * `userPassword` (clear, `{SHA}` or `{SSHA}`), searches in the three scopes, nothing else.
 * Behaves as slapd does for those operations, within what ldapjs permits.
 *
 * @example
 * ```ts
 * import { Client } from 'ldapts';
 * import { startTestDirectory } from 'ldap-token-auth/testing';
 *
 * const directory = await startTestDirectory({ ldifFile: 'test/fixtures/directory.ldif' });
 * const client = new Client({ url: directory.url });
 * await client.bind('uid=alice,ou=people,dc=example,dc=org', 'wonderland');
 * await client.unbind();
 * await directory.close();
 * ```
 * @throws {LdifError} when the LDIF is malformed.
 * @throws {TypeError} on invalid options, or an LDIF naming an entry twice.
 */
export async function startTestDirectory(options: TestDirectoryOptions): Promise<TestDirectory> {
  const { anonymousSearch = true, host = '127.0.0.1', port = 0 } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const entries = parseLdif(await readSource(options));
  const index = indexEntries(entries);
  const namingContexts = namingContextsOf(index);

  const stats = { binds: 0, searches: 0 };
  // Who each connection is bound as; absent or null means anonymous.
  const boundAs = new WeakMap<Socket, string | null>();

  const server = createLdapServer({
    onRequest({ type, connection }) {
      if (type === 'BindRequest') {
        stats.binds++;
        // RFC 4511 section 4.2.1: a bind, whatever its outcome, first drops the identity.
        boundAs.set(connection, null);
      } else if (type === 'SearchRequest') {
        stats.searches++;
      }
    },

    bind(req, res, next) {
      const outcome = authenticate(index, req);
      if (outcome.boundAs !== undefined) boundAs.set(req.connection, outcome.boundAs);
      res.diagnosticMessage = outcome.message ?? '';
      res.end(outcome.code);
      next();
    },

    search(req, res, next) {
      const anonymous = !boundAs.get(req.connection);
      res.end(
        !anonymousSearch && anonymous
          ? refuseAnonymousSearch(res)
          : search(index, namingContexts, req, res),
      );
      next();
    },

    unsupported(_req, res, next) {
      res.diagnosticMessage = 'the test directory is read-only';
      res.end(ResultCode.unwillingToPerform);
      next();
    },
  });

  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    // An entry and its search's result are two writes: with Nagle's algorithm the second waits
    // for the client's delayed ACK (40 ms on Linux), so a search that finds someone took 40 ms
    // longer than one that finds no one, a gap slapd (which sets TCP_NODELAY) does not have.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `ldap://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    entries: entries.map(freezeEntry),
    stats,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function readSource(source: TestDirectorySource): Promise<string> {
  if (source.ldif !== undefined && source.ldifFile !== undefined) {
    throw new TypeError('startTestDirectory takes `ldif` or `ldifFile`, not both');
  }
  if (typeof source.ldif === 'string') return source.ldif;
  if (typeof source.ldifFile === 'string') return readFile(source.ldifFile, 'utf8');
  throw new TypeError('startTestDirectory needs either `ldif` (text) or `ldifFile` (a path)');
}

function freezeEntry(entry: LdifEntry): DirectoryEntry {
  const attributes = Object.fromEntries(
    Object.entries(entry.attributes).map(([name, values]) => [name, Object.freeze([...values])]),
  );
  return Object.freeze({ dn: entry.dn, attributes: Object.freeze(attributes) });
}
