// A real OpenLDAP slapd per test suite: own temp directory, own slapd.conf, data loaded with
// slapadd, running in the foreground on a free loopback port and stopped by PID.
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
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { type ManagedProcess, registerExitCleanup, runCommand, startProcess } from './process.js';

export const SLAPD_BASE_DN = 'dc=example,dc=org';
export const SLAPD_ROOT_DN = 'cn=admin,dc=example,dc=org';
export const DEFAULT_LDIF = fileURLToPath(new URL('../fixtures/directory.ldif', import.meta.url));

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
  /** Password of cn=admin,dc=example,dc=org (the rootdn, which bypasses all ACLs). */
  rootPassword?: string;
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
}

export interface SlapdServer {
  /** ldap://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
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
  /** Stops slapd (SIGTERM, then SIGKILL after 3 s) and deletes the temp directory. */
  stop(): Promise<void>;
  /** SIGSTOP: connections are accepted by the kernel but never answered. */
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

function buildConfig(dir: string, options: SlapdOptions, rootPassword: string): string {
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
    ...(options.globalConfig ?? []),
    '',
    'database mdb',
    `suffix ${quote(SLAPD_BASE_DN)}`,
    `rootdn ${quote(SLAPD_ROOT_DN)}`,
    `rootpw ${quote(rootPassword)}`,
    `directory ${quote(join(dir, 'db'))}`,
    // Throwaway data: skip fsync, and keep the map small.
    'dbnosync',
    'maxsize 16777216',
    ...(options.access ?? accessRules(options.anonymousSearch ?? true)),
    ...(options.databaseConfig ?? []),
    ...overlays.flatMap((overlay) => [`overlay ${overlay.name}`, ...(overlay.config ?? [])]),
    '',
  ];
  return lines.join('\n');
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

  const launch = (port: number) =>
    startProcess({
      name: 'slapd',
      command: 'slapd',
      // -d keeps slapd in the foreground (no fork, so the PID is slapd's own); `none` rather than
      // 0 because with 0 slapd prints nothing at all, even why it failed to start.
      args: ['-d', 'none', '-f', configPath, '-h', `ldap://127.0.0.1:${port}/`],
      cwd: dir,
      ready: { port, timeoutMs: options.readyTimeoutMs ?? 10_000 },
    });

  // Another process may take the free port before slapd binds it: retry with a fresh one.
  let port = 0;
  let child: ManagedProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
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
    get pid() {
      return current.pid;
    },
    baseDn: SLAPD_BASE_DN,
    rootDn: SLAPD_ROOT_DN,
    rootPassword,
    dir,
    configPath,
    get stderr() {
      return current.stderr;
    },
    get running() {
      return current.running;
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
      current = await launch(port);
    },
  };
}
