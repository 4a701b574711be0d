import { readFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { DnSyntaxError, formatDn, parseDn, type Rdn, rdnKey } from './dn.js';
import {
  type BindRequest,
  createLdapServer,
  type Response,
  ResultCode,
  type SearchRequest,
  type SearchResponse,
  SearchScope,
} from './ldapjs-server.js';
import { type LdifEntry, parseLdif } from './ldif.js';
import { checkPassword } from './password.js';

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
 * What a search from a connection not bound as an entry gets when `anonymousSearch` is off:
 * slapd's answer under `access to * by anonymous auth by users read`, which the slapd suite
 * shows is insufficientAccess (50), not an empty success.
 */
function refuseAnonymousSearch(res: Response): number {
  res.diagnosticMessage = 'anonymous search is not allowed';
  return ResultCode.insufficientAccess;
}

interface StoredEntry {
  /** The DN as slapd would return it: no stray spaces, minimal escaping, UTF-8 as is. */
  readonly dn: string;
  readonly path: readonly string[];
  /** Everything but `userPassword`: what searches may see and filters may test. */
  readonly visible: Readonly<Record<string, readonly string[]>>;
  readonly passwords: readonly string[];
}

const PASSWORD_ATTRIBUTE = 'userpassword';

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
  const namingContexts = [...index.values()]
    .filter((entry) => !index.has(key(entry.path.slice(1))))
    .map((entry) => entry.dn);

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

function key(path: readonly string[]): string {
  return path.join(',');
}

/** Parses the DN into the comparison keys of its RDNs, leftmost first; null if not a DN. */
function pathOf(dn: string): string[] | null {
  try {
    return parseDn(dn).map(rdnKey);
  } catch (error) {
    if (error instanceof DnSyntaxError) return null;
    throw error;
  }
}

function indexEntries(entries: readonly LdifEntry[]): Map<string, StoredEntry> {
  const index = new Map<string, StoredEntry>();
  for (const entry of entries) {
    // The LDIF parser has already checked the syntax.
    const rdns: Rdn[] = parseDn(entry.dn);
    if (rdns.length === 0) throw new TypeError('the root DSE (empty DN) cannot be an entry');
    const path = rdns.map(rdnKey);
    if (index.has(key(path))) throw new TypeError(`the LDIF has the entry "${entry.dn}" twice`);

    const visible: Record<string, readonly string[]> = {};
    let passwords: readonly string[] = [];
    for (const [name, values] of Object.entries(entry.attributes)) {
      if (name.toLowerCase() === PASSWORD_ATTRIBUTE) passwords = values;
      else visible[name] = values;
    }
    index.set(key(path), { dn: formatDn(rdns), path, visible, passwords });
  }
  return index;
}

interface BindOutcome {
  code: number;
  message?: string;
  /** Set on success: the DN the connection is now bound as (null for anonymous). */
  boundAs?: string | null;
}

// The answers follow slapd's bind.c for simple binds.
function authenticate(index: Map<string, StoredEntry>, req: BindRequest): BindOutcome {
  const path = pathOf(req.dn);
  if (path === null) return { code: ResultCode.invalidDnSyntax, message: 'invalid DN' };
  if (path.length === 0) {
    return req.credentials === ''
      ? { code: ResultCode.success, boundAs: null }
      : { code: ResultCode.invalidCredentials };
  }
  if (req.credentials === '') {
    return {
      code: ResultCode.unwillingToPerform,
      message: 'unauthenticated bind (DN with no password) disallowed',
    };
  }
  const entry = index.get(key(path));
  if (entry?.passwords.some((stored) => checkPassword(stored, req.credentials))) {
    return { code: ResultCode.success, boundAs: entry.dn };
  }
  return { code: ResultCode.invalidCredentials };
}

function search(
  index: Map<string, StoredEntry>,
  namingContexts: readonly string[],
  req: SearchRequest,
  res: SearchResponse,
): number {
  const base = pathOf(req.baseObject.toString());
  if (base === null) {
    res.diagnosticMessage = 'invalid DN';
    return ResultCode.invalidDnSyntax;
  }
  if (base.length === 0 && req.scope === SearchScope.base) {
    sendRootDse(namingContexts, req, res);
    return ResultCode.success;
  }
  if (!index.has(key(base))) {
    res.matchedDN = closestAncestor(index, base);
    return ResultCode.noSuchObject;
  }

  let sent = 0;
  for (const entry of index.values()) {
    if (!inScope(entry.path, base, req.scope) || !matches(req, entry.visible)) continue;
    if (req.sizeLimit > 0 && sent === req.sizeLimit) return ResultCode.sizeLimitExceeded;
    res.sendEntry(entry.dn, selectAttributes(entry.visible, {}, req));
    sent++;
  }
  return ResultCode.success;
}

function inScope(path: readonly string[], base: readonly string[], scope: number): boolean {
  const depth = path.length - base.length;
  if (depth < 0 || !base.every((rdn, i) => rdn === path[depth + i])) return false;
  if (scope === SearchScope.base) return depth === 0;
  if (scope === SearchScope.one) return depth === 1;
  return true;
}

function matches(req: SearchRequest, attributes: Readonly<Record<string, readonly string[]>>) {
  try {
    return req.filter.matches(attributes, false);
  } catch {
    // ldapjs cannot evaluate some filters (extensible match): RFC 4511 calls that Undefined,
    // which selects nothing.
    return false;
  }
}

function closestAncestor(index: Map<string, StoredEntry>, path: readonly string[]): string {
  for (let i = 1; i < path.length; i++) {
    const ancestor = index.get(key(path.slice(i)));
    if (ancestor) return ancestor.dn;
  }
  return '';
}

/**
 * RFC 4511 section 4.5.1.8: no list or `*` means every user attribute, operational ones
 * only by name or `+`; `1.1` names nothing; names compare case-insensitively.
 */
function selectAttributes(
  user: Readonly<Record<string, readonly string[]>>,
  operational: Readonly<Record<string, readonly string[]>>,
  req: SearchRequest,
): { type: string; values: readonly string[] }[] {
  const wanted = req.attributes.map((name) => name.toLowerCase());
  const allUser = wanted.length === 0 || wanted.includes('*');
  const allOperational = wanted.includes('+');
  const pick =
    (all: boolean) =>
    ([name]: [string, readonly string[]]) =>
      all || wanted.includes(name.toLowerCase());
  return [
    ...Object.entries(user).filter(pick(allUser)),
    ...Object.entries(operational).filter(pick(allOperational)),
  ].map(([type, values]) => ({ type, values: req.typesOnly ? [] : values }));
}

function sendRootDse(namingContexts: readonly string[], req: SearchRequest, res: SearchResponse) {
  const user = { objectClass: ['top'] };
  const operational = { namingContexts, supportedLDAPVersion: ['3'] };
  if (matches(req, { ...user, ...operational })) {
    res.sendEntry('', selectAttributes(user, operational, req));
  }
}

function freezeEntry(entry: LdifEntry): DirectoryEntry {
  const attributes = Object.fromEntries(
    Object.entries(entry.attributes).map(([name, values]) => [name, Object.freeze([...values])]),
  );
  return Object.freeze({ dn: entry.dn, attributes: Object.freeze(attributes) });
}
