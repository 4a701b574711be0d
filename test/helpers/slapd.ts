// A real OpenLDAP slapd per test suite: own temp directory, own slapd.conf, data loaded with
// slapadd, running in the foreground on a free loopback port and stopped by PID. Flavours:
// anonymous search allowed or refused, TLS (StartTLS, plus an ldaps:// port; certificates from
// test/helpers/certificates.ts), cn=Monitor for counting connections and operations.
//
// What an ANONYMOUS subtree search under ou=people,dc=example,dc=org answers in the closed
// flavour (found by experiment with slapd 2.5.13; it is decided by the ACL, not by slapd):
//   - with the closed flavour below (`access to * by anonymous auth by users read`):
//     resultCode 50 insufficientAccess, no entries. Anonymous holds `auth`, which includes
//     `disclose`, so slapd may reveal that the base exists and refuses the search.
//   - with the other common hardening (`access to * by users read by * none`): resultCode 32
//     noSuchObject, no matchedDN, no entries: without `disclose` slapd hides the base entirely.
//   - never "success with zero entries" (that would take search access to the base but not to
//     the entries below it). Binding as a user works in both cases.
// A client must therefore treat 50 and 32 from an anonymous search as "anonymous search is
// refused" (a configuration problem), not as "user not found".
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Attribute, Change, Client } from 'ldapts';
import { parseLdif } from '../../src/testing/ldif.js';
import { freePort } from './ports.js';
import {
  type ExitStatus,
  type ManagedProcess,
  registerExitCleanup,
  runCommand,
  startProcess,
  waitForPort,
} from './process.js';

export const SLAPD_BASE_DN = 'dc=example,dc=org';
export const SLAPD_ROOT_DN = 'cn=admin,dc=example,dc=org';
export const DEFAULT_LDIF = fileURLToPath(new URL('../fixtures/directory.ldif', import.meta.url));
/** Groups of every kind for the group suites (see its header); added over LDAP with {@link addLdif}. */
export const GROUPS_LDIF = fileURLToPath(new URL('../fixtures/groups.ldif', import.meta.url));

/**
 * slapd's memberof overlay (Debian ships it as /usr/lib/ldap/memberof.so): keeps `memberOf` on
 * the members of `groupOfNames` groups as groups are added and changed over LDAP. It does not
 * run under slapadd, so groups meant to show in `memberOf` must be added with {@link addLdif}.
 * `refint` also removes a deleted group from its members' `memberOf`.
 */
/**
 * LDIF of an inetOrgPerson `uid` under `ou=people`, password `<uid>-password`, with `extra`
 * attribute lines (password-policy states, for instance).
 */
export function personLdif(uid: string, extra: readonly string[] = []): string {
  return [
    `dn: uid=${uid},ou=people,${SLAPD_BASE_DN}`,
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${uid}`,
    `sn: ${uid}`,
    `userPassword: ${uid}-password`,
    ...extra,
    '',
  ].join('\n');
}

export const MEMBEROF_OVERLAY: SlapdOverlay = {
  name: 'memberof',
  config: ['memberof-refint true'],
};

const MODULE_DIR = '/usr/lib/ldap';
const SCHEMA_DIR = '/etc/ldap/schema';
const BASE_SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];

/** An overlay on the mdb database, e.g. `{ name: 'memberof' }` or `{ name: 'ppolicy', config: [...] }`. */
export interface SlapdOverlay {
  name: string;
  /** Lines after `overlay <name>` (its own directives). */
  config?: string[];
  /** Module to load for it; defaults to the overlay name when /usr/lib/ldap has such a module. */
  module?: string;
}

export interface SlapdOptions {
  /**
   * true (default): anonymous may search and read everything but userPassword.
   * false ("closed"): anonymous may only bind; bound users (e.g. uid=search-bot) search and read.
   */
  anonymousSearch?: boolean;
  /** Path of the LDIF loaded with slapadd; defaults to test/fixtures/directory.ldif. */
  ldif?: string;
  /** LDIF text loaded after `ldif` (extra entries for one suite). */
  extraLdif?: string;
  /** Password of cn=admin,<suffix> (the rootdn, which bypasses all ACLs). */
  rootPassword?: string;
  /**
   * The database's suffix; default `dc=example,dc=org`. Another suffix needs an `ldif` whose
   * entries live under it (a second directory with other people, as a partner company's).
   */
  suffix?: string;
  /** Extra schemas after core/cosine/inetorgperson/nis: names in /etc/ldap/schema or paths. */
  schemas?: string[];
  /** Extra modules to load from /usr/lib/ldap (back_mdb is always loaded). */
  modules?: string[];
  /** Lines in the global section, before the database (TLSCertificateFile, loglevel...). */
  globalConfig?: string[];
  /** Lines in the mdb database section, after the ACLs (index, limits...). */
  databaseConfig?: string[];
  /** Overlays on the mdb database, in order. */
  overlays?: SlapdOverlay[];
  /** Replaces the flavour's ACL with these full `access to ...` lines (first match wins). */
  access?: string[];
  /** How long to wait for the port to accept connections; default 10 s. */
  readyTimeoutMs?: number;
  /**
   * TLS: the certificate slapd presents for StartTLS on its ldap:// port (and on its ldaps://
   * port with `ldaps`), `caFile` the CAs it trusts for client certificates.
   */
  tls?: SlapdTls;
  /** Also listen on an ldaps:// port (needs `tls`). */
  ldaps?: boolean;
  /** Serve cn=Monitor (connections, operations), readable by the rootdn only. */
  monitor?: boolean;
}

export interface SlapdTls {
  certFile: string;
  keyFile: string;
  caFile?: string;
  /** TLSVerifyClient: whether slapd asks for (`try`) or requires (`demand`) a client certificate. */
  verifyClient?: 'never' | 'allow' | 'try' | 'demand';
}

export interface SlapdServer {
  /** ldap://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** ldaps://127.0.0.1:PORT when started with `ldaps`. */
  readonly ldapsUrl: string | undefined;
  /** PID of the current slapd process (changes on restart()). */
  readonly pid: number;
  readonly baseDn: string;
  readonly rootDn: string;
  readonly rootPassword: string;
  /** Temp directory holding slapd.conf, the LDIF and the database. */
  readonly dir: string;
  readonly configPath: string;
  /** slapd's stderr (startup/shutdown messages and errors only, thanks to `-d none`). */
  readonly stderr: string;
  readonly running: boolean;
  /** How the current slapd process ended (exit code, or the signal that killed it); undefined while it runs. */
  readonly exitStatus: ExitStatus | undefined;
  /** Stops slapd (SIGTERM, then SIGKILL after 3 s) and deletes the temp directory. */
  stop(): Promise<void>;
  /** SIGSTOP, resolving once every thread is stopped: connections are accepted but never answered. */
  pause(): Promise<void>;
  resume(): void;
  /** Kills slapd (default SIGKILL) without cleaning up, for failure tests; restart() recovers. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops slapd if running and starts it again on the same port with the same data. */
  restart(): Promise<void>;
}

function accessRules(anonymousSearch: boolean): string[] {
  // The first matching `access to` wins, so userPassword comes first. Anonymous needs `auth` on
  // it to bind; nobody but the owner (and the rootdn) ever reads it.
  const password = 'access to attrs=userPassword by self write by anonymous auth by * none';
  const rest = anonymousSearch
    ? 'access to * by * read'
    : 'access to * by anonymous auth by users read';
  return [password, rest];
}

function schemaPath(schema: string): string {
  return isAbsolute(schema) ? schema : join(SCHEMA_DIR, `${schema}.schema`);
}

function moduleExists(name: string): boolean {
  return ['.la', '.so'].some((ext) => existsSync(join(MODULE_DIR, `${name}${ext}`)));
}

/** The rootdn of a database with this suffix. */
function rootDnOf(suffix: string): string {
  return `cn=admin,${suffix}`;
}

function buildConfig(dir: string, options: SlapdOptions, rootPassword: string): string {
  const suffix = options.suffix ?? SLAPD_BASE_DN;
  const overlays = options.overlays ?? [];
  const modules = ['back_mdb', ...(options.modules ?? [])];
  for (const overlay of overlays) {
    const module = overlay.module ?? (moduleExists(overlay.name) ? overlay.name : undefined);
    if (module && !modules.includes(module)) modules.push(module);
  }
  const quote = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const lines = [
    '# Generated by test/helpers/slapd.ts',
    ...[...BASE_SCHEMAS, ...(options.schemas ?? [])].map((s) => `include ${quote(schemaPath(s))}`),
    `pidfile ${quote(join(dir, 'slapd.pid'))}`,
    `argsfile ${quote(join(dir, 'slapd.args'))}`,
    `modulepath ${MODULE_DIR}`,
    ...modules.map((module) => `moduleload ${module}`),
    ...tlsConfig(options.tls),
    ...(options.globalConfig ?? []),
    '',
    'database mdb',
    `suffix ${quote(suffix)}`,
    `rootdn ${quote(rootDnOf(suffix))}`,
    `rootpw ${quote(rootPassword)}`,
    `directory ${quote(join(dir, 'db'))}`,
    // Throwaway data: skip fsync, and keep the map small.
    'dbnosync',
    'maxsize 16777216',
    ...(options.access ?? accessRules(options.anonymousSearch ?? true)),
    ...(options.databaseConfig ?? []),
    ...overlays.flatMap((overlay) => [`overlay ${overlay.name}`, ...(overlay.config ?? [])]),
    '',
    ...(options.monitor ? monitorConfig(rootDnOf(suffix)) : []),
  ];
  return lines.join('\n');
}

function tlsConfig(tls: SlapdTls | undefined): string[] {
  if (!tls) return [];
  return [
    `TLSCertificateFile ${tls.certFile}`,
    `TLSCertificateKeyFile ${tls.keyFile}`,
    ...(tls.caFile ? [`TLSCACertificateFile ${tls.caFile}`] : []),
    `TLSVerifyClient ${tls.verifyClient ?? 'never'}`,
  ];
}

// slapd's monitor backend is built in on Debian (slapd -VVV: "Included static backends: monitor"),
// so it needs no moduleload: only its database section, readable by the rootdn alone.
function monitorConfig(rootDn: string): string[] {
  return [
    'database monitor',
    `access to dn.subtree="cn=Monitor" by dn.exact="${rootDn}" read by * none`,
  ];
}

async function slapadd(configPath: string, ldifPath: string): Promise<void> {
  const result = await runCommand('slapadd', ['-q', '-f', configPath, '-l', ldifPath]);
  if (result.exitCode !== 0) {
    throw new Error(
      `slapadd -l ${ldifPath} failed (exit ${result.exitCode}):\n${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && /errno=98|Address already in use/.test(error.message);
}

/** Starts a slapd with the fixture data (or `options.ldif`) and resolves once it accepts connections. */
export async function startSlapd(options: SlapdOptions = {}): Promise<SlapdServer> {
  const rootPassword = options.rootPassword ?? 'admin-secret';
  const dir = await mkdtemp(join(tmpdir(), 'ldap-token-auth-slapd-'));
  const forgetDir = registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'slapd.conf');

  try {
    await writeFile(configPath, buildConfig(dir, options, rootPassword));
    // slapadd creates the mdb files but not their directory.
    await mkdir(join(dir, 'db'));
    await slapadd(configPath, options.ldif ?? DEFAULT_LDIF);
    if (options.extraLdif !== undefined) {
      const extraPath = join(dir, 'extra.ldif');
      await writeFile(extraPath, options.extraLdif);
      await slapadd(configPath, extraPath);
    }
  } catch (error) {
    forgetDir();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  if (options.ldaps && !options.tls) throw new Error('startSlapd: ldaps needs tls');
  const launch = async (port: number, ldapsPort: number) => {
    const urls = [
      `ldap://127.0.0.1:${port}/`,
      ...(options.ldaps ? [`ldaps://127.0.0.1:${ldapsPort}/`] : []),
    ];
    const started = await startProcess({
      name: 'slapd',
      command: 'slapd',
      // -d keeps slapd in the foreground (no fork, so the PID is slapd's own); `none` rather than
      // 0 because with 0 slapd prints nothing at all, even why it failed to start.
      args: ['-d', 'none', '-f', configPath, '-h', urls.join(' ')],
      cwd: dir,
      ready: { port, timeoutMs: options.readyTimeoutMs },
    });
    if (options.ldaps) {
      await waitForPort(ldapsPort, { timeoutMs: options.readyTimeoutMs }).catch(async (error) => {
        await started.kill();
        throw error;
      });
    }
    return started;
  };

  // Another process may take the free port before slapd binds it: retry with a fresh one.
  let port = 0;
  let ldapsPort = 0;
  let child: ManagedProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    ldapsPort = options.ldaps ? await freePort() : 0;
    try {
      child = await launch(port, ldapsPort);
    } catch (error) {
      if (attempt < 5 && isAddressInUse(error)) continue;
      forgetDir();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  let current: ManagedProcess = child;

  return {
    url: `ldap://127.0.0.1:${port}`,
    port,
    ldapsUrl: options.ldaps ? `ldaps://127.0.0.1:${ldapsPort}` : undefined,
    get pid() {
      return current.pid;
    },
    baseDn: options.suffix ?? SLAPD_BASE_DN,
    rootDn: rootDnOf(options.suffix ?? SLAPD_BASE_DN),
    rootPassword,
    dir,
    configPath,
    get stderr() {
      return current.stderr;
    },
    get running() {
      return current.running;
    },
    get exitStatus() {
      return current.exitStatus;
    },
    async stop() {
      await current.stop();
      forgetDir();
      rmSync(dir, { recursive: true, force: true });
    },
    pause: () => current.pause(),
    resume: () => current.resume(),
    kill: (signal) => current.kill(signal),
    async restart() {
      await current.stop();
      current = await launch(port, ldapsPort);
    },
  };
}

// --- Changes over LDAP, as the rootdn (so overlays see them) ---------------------------------

/** Runs `change` on a connection bound as the rootdn. */
export async function asRoot<T>(
  server: SlapdServer,
  change: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ url: server.url, timeout: 10_000, connectTimeout: 2000 });
  try {
    await client.bind(server.rootDn, server.rootPassword);
    return await change(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Adds the entries of an LDIF text or file (its content records) over LDAP, in order. */
export async function addLdif(server: SlapdServer, ldif: string): Promise<void> {
  const text = ldif.includes('\n') ? ldif : await readFile(ldif, 'utf8');
  await asRoot(server, async (client) => {
    for (const entry of parseLdif(text)) await client.add(entry.dn, entry.attributes);
  });
}

/** Adds (or with `operation: 'delete'`, removes) values of one attribute of an entry. */
export async function changeValues(
  server: SlapdServer,
  dn: string,
  operation: 'add' | 'delete' | 'replace',
  type: string,
  values: string[],
): Promise<void> {
  await asRoot(server, (client) =>
    client.modify(dn, new Change({ operation, modification: new Attribute({ type, values }) })),
  );
}

// --- cn=Monitor --------------------------------------------------------------------------------

/** One client connection as slapd's monitor lists it. */
export interface MonitoredConnection {
  /** `cn=Connection N,cn=Connections,cn=Monitor`'s N. */
  id: number;
  /** Who the connection is bound as; empty for anonymous. */
  authzDn: string;
  /** `IP=127.0.0.1:PORT` */
  peer: string;
}

/**
 * Reads slapd's own counters from cn=Monitor (needs `monitor: true`) on one connection bound once
 * as the rootdn. Its own connection counts in `current` and appears in `connections()`.
 */
export class SlapdMonitor {
  readonly #client: Client;

  private constructor(client: Client) {
    this.#client = client;
  }

  /** `startTls`: options for a StartTLS upgrade first (for a slapd that requires TLS). */
  static async open(server: SlapdServer, startTls?: ConnectionOptions): Promise<SlapdMonitor> {
    const client = new Client({ url: server.url, timeout: 5000, connectTimeout: 2000 });
    if (startTls) await client.startTLS({ ...startTls });
    await client.bind(server.rootDn, server.rootPassword);
    return new SlapdMonitor(client);
  }

  async #counter(dn: string, attribute: string): Promise<number> {
    const { searchEntries } = await this.#client.search(dn, {
      scope: 'base',
      attributes: [attribute],
    });
    return Number(searchEntries[0]?.[attribute]);
  }

  /** Connections slapd accepted since it started (`total`) and has open now (`current`). */
  async connectionCounts(): Promise<{ total: number; current: number }> {
    const [total, current] = await Promise.all([
      this.#counter('cn=Total,cn=Connections,cn=Monitor', 'monitorCounter'),
      this.#counter('cn=Current,cn=Connections,cn=Monitor', 'monitorCounter'),
    ]);
    return { total, current };
  }

  /** The open connections, this monitor's own included. */
  async connections(): Promise<MonitoredConnection[]> {
    const { searchEntries } = await this.#client.search('cn=Connections,cn=Monitor', {
      scope: 'one',
      filter: '(objectClass=monitorConnection)',
      attributes: [
        'monitorConnectionNumber',
        'monitorConnectionAuthzDN',
        'monitorConnectionPeerAddress',
      ],
    });
    return searchEntries.map((entry) => ({
      id: Number(entry.monitorConnectionNumber),
      authzDn: String(entry.monitorConnectionAuthzDN ?? ''),
      peer: String(entry.monitorConnectionPeerAddress ?? ''),
    }));
  }

  /** Bind and search operations slapd has started since it started. */
  async operations(): Promise<{ binds: number; searches: number }> {
    const [binds, searches] = await Promise.all([
      this.#counter('cn=Bind,cn=Operations,cn=Monitor', 'monitorOpInitiated'),
      this.#counter('cn=Search,cn=Operations,cn=Monitor', 'monitorOpInitiated'),
    ]);
    return { binds, searches };
  }

  /**
   * Polls until slapd has `current` connections open (closes are processed asynchronously), and
   * returns the count; after `timeoutMs`, a guard against a hang, returns what it has.
   */
  async waitForCurrent(current: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await this.connectionCounts();
      if (counts.current === current || Date.now() > deadline) return counts.current;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    return this.#client.unbind().catch(() => undefined);
  }
}
