import { readFileSync } from 'node:fs';
import { freePort } from '../../test/helpers/ports.js';
import { startProcess } from '../../test/helpers/process.js';

export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  /** Resident memory of the server process, in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  /** Node arguments (script and its own arguments). */
  args: string[];
  env: Record<string, string>;
  /** CPU list for `taskset -c`; undefined runs unpinned. */
  cpus?: string;
}

/** Starts a server process on a free port and waits until it accepts connections. */
export async function startServer(spec: ServerSpec): Promise<BenchServer> {
  const port = await freePort();
  const node = [process.execPath, ...spec.args];
  const process_ = await startProcess({
    name: spec.name,
    command: spec.cpus ? 'taskset' : node[0]!,
    args: spec.cpus ? ['-c', spec.cpus, ...node] : node.slice(1),
    env: { ...spec.env, PORT: String(port), HOST: '127.0.0.1' },
    ready: { port },
  });
  return {
    name: spec.name,
    url: `http://127.0.0.1:${port}`,
    pid: process_.pid,
    rssMiB: () => rssMiB(process_.pid),
    stop: () => process_.stop(),
  };
}

/** VmRSS of a process and its children (cluster workers), in MiB. */
export function rssMiB(pid: number): number {
  const pids = [pid, ...children(pid)];
  let kib = 0;
  for (const each of pids) {
    try {
      const status = readFileSync(`/proc/${each}/status`, 'utf8');
      kib += Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return kib / 1024;
}

function children(pid: number): number[] {
  try {
    const direct = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return direct.flatMap((child) => [child, ...children(child)]);
  } catch {
    return [];
  }
}
