// Workloads measured in alternating one-second slices, each figure taken of its slices' totals:
// on a shared virtual machine throughput drifts by more than the few percent being compared,
// and interleaving cancels the drift.
import { type Bench, VERIFY_CONNECTIONS } from './context.js';
import type { BenchServer } from './servers.js';
import { type LoadResult, runWrk } from './wrk.js';

export interface Workload {
  path: string;
  headers: Record<string, string>;
}

/** Each workload's combined result, under the workload's name. */
export async function interleaved<Name extends string>(
  bench: Bench,
  server: BenchServer,
  workloads: Partial<Record<Name, Workload>>,
): Promise<Partial<Record<Name, LoadResult>>> {
  const run = ({ path, headers }: Workload, seconds: number) =>
    runWrk({
      url: `${server.url}${path}`,
      headers,
      connections: VERIFY_CONNECTIONS,
      seconds,
      cpus: bench.loadCpus,
    });
  const named = Object.entries(workloads) as [Name, Workload][];
  for (const [name, { path, headers }] of named) {
    const response = await fetch(`${server.url}${path}`, { headers });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${server.name}: ${name} answered ${body}`);
  }
  // Every route and header warmed up first, so no workload starts cold.
  if (bench.warmup > 0) for (const [, workload] of named) await run(workload, bench.warmup);
  const slices = named.map((): LoadResult[] => []);
  for (let round = 0; round < bench.slices; round++) {
    for (const [index, [, workload]] of named.entries()) {
      // On a core shared with other work a one-second slice can stall whole; it measured nothing.
      const slice = await run(workload, 1);
      slices[index]!.push(slice.requests > 0 ? slice : await run(workload, 1));
    }
  }
  return Object.fromEntries(
    named.map(([name], index) => [name, combine(slices[index]!)]),
  ) as Partial<Record<Name, LoadResult>>;
}

/** Slices of one workload added up; latencies are the slices' medians. */
function combine(results: LoadResult[]): LoadResult {
  const requests = results.reduce((sum, result) => sum + result.requests, 0);
  const middle = (values: number[]) =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    requests,
    requestsPerSecond: requests / results.length,
    p50: middle(results.map((result) => result.p50)),
    p99: middle(results.map((result) => result.p99)),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
  };
}
