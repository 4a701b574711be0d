// Child processes for the interop suite: real servers (slapd, redis, nginx) kept by PID, and
// one-shot commands (slapadd, ldapsearch, http, curl). A missing binary is a broken test machine,
// so it is an error naming the Debian package, never a skipped test.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { connect, Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { GUARD_MS } from './timeouts.js';

/** Debian package for each binary the suite runs, so a missing one says what to install. */
const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  slapd: 'slapd',
  slapadd: 'slapd',
  slapcat: 'slapd',
  slappasswd: 'slapd',
  ldapsearch: 'ldap-utils',
  ldapwhoami: 'ldap-utils',
  ldapadd: 'ldap-utils',
  ldapmodify: 'ldap-utils',
  ldappasswd: 'ldap-utils',
  http: 'httpie',
  curl: 'curl',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  nginx: 'nginx',
  caddy: 'caddy',
  openssl: 'openssl',
};

// Daemons live in sbin, which is not on PATH for every user or CI image.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of `command`; throws an Error naming the Debian package when it is missing. */
export function resolveBinary(command: string, debianPackage?: string): string {
  const candidates = command.includes('/')
    ? [command]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS].map((dir) =>
        join(dir, command),
      );
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, try the next directory
    }
  }
  const name = command.split('/').pop() ?? command;
  const pkg = debianPackage ?? DEBIAN_PACKAGES[name];
  const hint = pkg ? `install the Debian package "${pkg}" (apt-get install ${pkg})` : 'install it';
  throw new Error(`${command} not found on this machine: ${hint}; the interop tests need it`);
}

// --- cleanup when the test process goes away -------------------------------------------------

const exitCleanups = new Set<() => void>();
let exitHooksInstalled = false;

function runExitCleanups(): void {
  for (const cleanup of [...exitCleanups]) {
    exitCleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort: the process is going away anyway
    }
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // 'exit' only allows synchronous work, which is why cleanups are synchronous (kill, rmSync).
  process.once('exit', runExitCleanups);
  // A fatal signal skips 'exit'; listening replaces the default death, so die again afterwards
  // unless someone else (the test runner) has taken charge of that signal.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runExitCleanups();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * Runs `cleanup` synchronously if the test process exits (normally or on SIGINT/SIGTERM/SIGHUP)
 * before the returned function is called to unregister it. Nothing can run on SIGKILL.
 */
export function registerExitCleanup(cleanup: () => void): () => void {
  installExitHooks();
  exitCleanups.add(cleanup);
  return () => {
    exitCleanups.delete(cleanup);
  };
}

// --- readiness ---------------------------------------------------------------------------------

export interface WaitForPortOptions {
  host?: string;
  /** Deadline for the whole wait; default 10 s. */
  timeoutMs?: number;
  /** Gives up early, e.g. when the server process has already exited. */
  signal?: AbortSignal;
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * How long a server may take to start listening before it counts as hung: a guard, not a
 * measurement. A loaded CI machine has been seen to take over 20 s to start `tsx` programs.
 */
export const READY_GUARD_MS = 60_000;

/** Resolves once a TCP connection to host:port succeeds; rejects at the deadline or on abort. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const deadline = Date.now() + (options.timeoutMs ?? READY_GUARD_MS);
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    if (await tryConnect(host, port)) return;
    if (Date.now() >= deadline) {
      throw new Error(`nothing accepted connections on ${host}:${port} before the deadline`);
    }
    await sleep(20);
  }
}

/** True while a process with this PID exists (our children are reaped by Node on exit). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// --- long-running servers ----------------------------------------------------------------------

/** Keeps the last `limit` characters, enough for an error message without growing forever. */
class TailBuffer {
  #text = '';
  constructor(private readonly limit = 64 * 1024) {}
  append(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > this.limit) this.#text = this.#text.slice(-this.limit);
  }
  toString(): string {
    return this.#text;
  }
}

export interface StartProcessOptions {
  /** Shown in error messages; defaults to the command. */
  name?: string;
  command: string;
  args: readonly string[];
  /** Overrides the built-in binary → package table for the "not installed" message. */
  debianPackage?: string;
  cwd?: string;
  /** Added to the test process environment. */
  env?: Record<string, string>;
  /** Wait until this TCP port accepts connections before resolving. */
  ready?: { port: number; host?: string; timeoutMs?: number };
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** False once the process has exited (for whatever reason). */
  readonly running: boolean;
  /** Set once the process has exited. */
  readonly exitStatus: ExitStatus | undefined;
  /** Captured output (the last 64 KiB of each stream), for error messages. */
  readonly stdout: string;
  readonly stderr: string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3 s); resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Sends `signal` (default SIGKILL) and resolves once the process is gone: crash simulation. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * SIGSTOP: the kernel still accepts TCP connections, but nothing answers (a hung server).
   * Resolves once every thread is really stopped: the signal is only queued when kill() returns,
   * and a thread busy on another core may still answer a request meanwhile.
   */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Resolves true when the process has exited within `timeoutMs`, false otherwise. */
  waitForExit(timeoutMs: number): Promise<boolean>;
}

function describeFailure(
  name: string,
  commandLine: string,
  reason: string,
  stderr: string,
  status?: ExitStatus,
  cause?: unknown,
): Error {
  const exit = status ? ` (exit code ${status.code}, signal ${status.signal})` : '';
  const output = stderr.trim() ? `\n--- stderr ---\n${stderr.trim()}` : ' (no stderr output)';
  return new Error(`${name} ${reason}${exit}\ncommand: ${commandLine}${output}`, { cause });
}

function unrefStreams(child: ChildProcess): void {
  // A server a test forgot to stop must not keep the test file alive: the exit hook kills it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof Socket) stream.unref();
  }
}

/**
 * Spawns a long-running process in the foreground (it must not daemonise, or the PID would be
 * wrong), captures its output, registers it for killing at exit, and waits for `ready.port`.
 * If it exits or does not become ready in time, rejects with its stderr in the message.
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  const binary = resolveBinary(options.command, options.debianPackage);
  const name = options.name ?? options.command;
  const commandLine = [binary, ...options.args].join(' ');
  const child = spawn(binary, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = new TailBuffer();
  const stderr = new TailBuffer();
  child.stdout?.on('data', (chunk: Buffer) => stdout.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.append(chunk));

  let exitStatus: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
    });
  });
  // All output has been read once 'close' fires; error messages wait for it briefly.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const settledOutput = () => Promise.race([closed, sleep(500)]).then(() => stderr.toString());

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(describeFailure(name, commandLine, `could not start: ${error.message}`, '')),
    );
  });
  const pid = child.pid;
  if (pid === undefined) throw describeFailure(name, commandLine, 'has no PID', '');
  const unregister = registerExitCleanup(() => {
    if (exitStatus === undefined) process.kill(pid, 'SIGKILL');
  });
  void exited.then(unregister);
  unrefStreams(child);

  const waitForExit = async (timeoutMs: number): Promise<boolean> => {
    if (exitStatus) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return result;
  };
  const signal = (sig: NodeJS.Signals) => {
    if (exitStatus === undefined) process.kill(pid, sig);
  };
  const kill = async (sig: NodeJS.Signals = 'SIGKILL') => {
    signal(sig);
    // A paused process only acts on a catchable signal once it is continued.
    signal('SIGCONT');
    if (!(await waitForExit(GUARD_MS))) {
      throw describeFailure(name, commandLine, `did not exit after ${sig}`, stderr.toString());
    }
  };
  const managed: ManagedProcess = {
    name,
    pid,
    get running() {
      return exitStatus === undefined;
    },
    get exitStatus() {
      return exitStatus;
    },
    get stdout() {
      return stdout.toString();
    },
    get stderr() {
      return stderr.toString();
    },
    async stop(graceMs = 3000) {
      if (exitStatus) return;
      signal('SIGTERM');
      signal('SIGCONT');
      if (await waitForExit(graceMs)) return;
      await kill('SIGKILL');
    },
    kill,
    pause: async () => {
      signal('SIGSTOP');
      await waitUntilStopped(child.pid!);
    },
    resume: () => signal('SIGCONT'),
    waitForExit,
  };

  if (options.ready) {
    const { port, host = '127.0.0.1', timeoutMs = READY_GUARD_MS } = options.ready;
    const gaveUp = new AbortController();
    void exited.then(() => gaveUp.abort(new Error('exited before it was ready')));
    try {
      await waitForPort(port, { host, timeoutMs, signal: gaveUp.signal });
    } catch (error) {
      const reason = exitStatus
        ? 'exited before it accepted connections'
        : `was not accepting connections on ${host}:${port} after ${timeoutMs} ms`;
      await managed.kill('SIGKILL').catch(() => undefined);
      throw describeFailure(name, commandLine, reason, await settledOutput(), exitStatus, error);
    }
  }
  return managed;
}

// --- one-shot commands -------------------------------------------------------------------------

export interface RunCommandOptions {
  cwd?: string;
  /** Added to the test process environment. */
  env?: Record<string, string>;
  /** Written to stdin, which is otherwise closed. */
  input?: string;
  /** Killed with SIGKILL after this long; default 30 s. */
  timeoutMs?: number;
  debianPackage?: string;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion and returns its exit code and output; never rejects on exit codes. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const binary = resolveBinary(command, options.debianPackage);
  const child = spawn(binary, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  if (options.input !== undefined) child.stdin?.end(options.input);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.once('close', (exitCode, signal) =>
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** Waits until /proc shows every thread of `pid` stopped ("T"); throws after a guard against a hang. */
async function waitUntilStopped(pid: number): Promise<void> {
  const deadline = Date.now() + GUARD_MS;
  for (;;) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    const states = await Promise.all(
      tasks.map(async (task) => {
        // A thread that exited meanwhile answers nothing either.
        const stat = await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').catch(() => ') T');
        // The state follows the parenthesised command name, which may itself contain spaces.
        return stat.charAt(stat.lastIndexOf(')') + 2);
      }),
    );
    if (states.every((state) => state === 'T')) return;
    if (Date.now() >= deadline) throw new Error(`process ${pid} did not stop: ${states.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
