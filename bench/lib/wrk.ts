import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** CPU list for `taskset -c`; undefined runs unpinned. */
  cpus?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Responses outside 2xx/3xx plus socket errors: must be 0. */
  errors: number;
}

let postScript: string | undefined;

/** Runs Debian's wrk (one thread) and reads its summary. */
export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(options.headers ?? {}))
    args.push('-H', `${name}: ${value}`);
  if (options.method === 'POST') args.push('-s', postScriptPath());
  args.push(options.url);
  const command = options.cpus ? ['taskset', '-c', options.cpus, 'wrk', ...args] : ['wrk', ...args];
  const output = await capture(command);
  return parseWrk(output);
}

function postScriptPath(): string {
  if (!postScript) {
    postScript = join(mkdtempSync(join(tmpdir(), 'bench-wrk-')), 'post.lua');
    writeFileSync(postScript, 'wrk.method = "POST"\n');
  }
  return postScript;
}

function capture(command: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk;
    });
    child.on('error', (error) =>
      reject(
        new Error(`${command[0]} could not start (apt-get install wrk util-linux)`, {
          cause: error,
        }),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk failed:\n${text}`)),
    );
  });
}

export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(output.match(pattern)?.[1] ?? 0);
  const socketErrors = output.match(
    /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/,
  );
  const errors =
    number(/Non-2xx or 3xx responses: (\d+)/) +
    (socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0);
  return {
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    requests: number(/(\d+) requests in/),
    p50: latency(output, '50%'),
    p99: latency(output, '99%'),
    errors,
  };
}

function latency(output: string, label: string): number {
  const match = output.match(new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`));
  if (!match) return 0;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}
