// What every part of the run shares: its settings, its rows, and the two requests each server
// gets (a timed load, and a token checked end to end before and after it).
import type { BenchServer, ServerSpec } from './servers.js';
import type { Row } from './table.js';
import { type LoadResult, runWrk } from './wrk.js';

export const USER = { username: 'alice', password: 'wonderland' };
export const VERIFY_CONNECTIONS = 32;
export const ISSUE_CONNECTIONS = 8;

export interface Bench {
  /** Seconds per measurement, after `warmup` seconds of warm-up (none in a smoke run). */
  seconds: number;
  warmup: number;
  /** One-second slices per workload in an interleaved comparison. */
  slices: number;
  /** CPU lists for `taskset -c`: the load generator, and the server under test with slapd. */
  loadCpus?: string;
  serverCpus?: string;
  env: Record<string, string>;
  service: ServerSpec;
  rows: Row[];
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function load(
  bench: Bench,
  server: BenchServer,
  path: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' = 'GET',
): Promise<LoadResult> {
  const connections = method === 'POST' ? ISSUE_CONNECTIONS : VERIFY_CONNECTIONS;
  const url = `${server.url}${path}`;
  const options = { url, method, headers, connections, cpus: bench.loadCpus };
  if (bench.warmup > 0) await runWrk({ ...options, seconds: bench.warmup });
  return runWrk({ ...options, seconds: bench.seconds });
}

/**
 * A token from the server that the same server accepts, as Bearer and, where `seedScheme` (not on
 * the peer stack, which knows only Bearer), as `Basic <token>:`: the load must not have broken it.
 */
export async function checkToken(
  server: BenchServer,
  when: string,
  seedScheme = true,
): Promise<string> {
  const issued = await fetch(`${server.url}/auth/request-token`, {
    method: 'POST',
    headers: { Authorization: basic(USER.username, USER.password) },
  });
  if (issued.status !== 200)
    throw new Error(`${server.name}: token request ${when} answered ${issued.status}`);
  const { access_token: token } = (await issued.json()) as { access_token: string };
  const schemes = seedScheme ? [`Bearer ${token}`, basic(token, '')] : [`Bearer ${token}`];
  for (const authorization of schemes) {
    const hello = await fetch(`${server.url}/`, { headers: { Authorization: authorization } });
    const body = await hello.text();
    if (hello.status !== 200 || body !== 'hello, world') {
      const scheme = authorization.slice(0, authorization.indexOf(' '));
      throw new Error(
        `${server.name}: ${scheme} on the protected route ${when} answered ${hello.status} ${body}`,
      );
    }
  }
  return token;
}
