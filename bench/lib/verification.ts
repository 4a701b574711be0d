// The protected route against its references, in one interleaved run per server: the same route
// unprotected (with each scheme's header, so only the check differs), and, in the adapters' hello
// apps, the same route behind a no-op middleware of the framework (what any check costs at least).
import { type Bench, basic } from './context.js';
import { interleaved, type Workload } from './interleaved.js';
import type { BenchServer } from './servers.js';
import { rps } from './table.js';
import type { LoadResult } from './wrk.js';

export interface VerificationOptions {
  /** The verification target against the unprotected route; none for the peer stack. */
  target?: number;
  /** Whether the seed's `Basic <token>:` is measured too (the peer stack knows only Bearer). */
  basic: boolean;
  /** Whether the server has `/noop`, the hello route behind a no-op middleware. */
  noop: boolean;
}

type Name = 'open' | 'verify' | 'openBasic' | 'verifyBasic' | 'noop';

/** Adds the server's Verification row and, as asked, its Scheme and Middleware rows. */
export async function verificationRows(
  bench: Bench,
  server: BenchServer,
  token: string,
  options: VerificationOptions,
): Promise<{ open: LoadResult; verify: LoadResult }> {
  const bearer = { Authorization: `Bearer ${token}` };
  const seed = { Authorization: basic(token, '') };
  const workloads: Partial<Record<Name, Workload>> = {
    open: { path: '/public', headers: bearer },
    verify: { path: '/', headers: bearer },
  };
  if (options.basic) {
    workloads.openBasic = { path: '/public', headers: seed };
    workloads.verifyBasic = { path: '/', headers: seed };
  }
  if (options.noop) workloads.noop = { path: '/noop', headers: bearer };
  const { open, verify, openBasic, verifyBasic, noop } = await interleaved(
    bench,
    server,
    workloads,
  );
  if (!open || !verify) throw new Error('no verification figures');
  const bearerRatio = verify.requestsPerSecond / open.requestsPerSecond;
  bench.rows.push({
    group: 'Verification',
    subject: server.name,
    measured: `${rps(verify)} protected`,
    reference: `${rps(open)} unprotected`,
    ratio: bearerRatio,
    target: options.target,
    errors: verify.errors + open.errors,
    rss: server.rssMiB(),
  });
  if (openBasic && verifyBasic) {
    bench.rows.push({
      group: 'Scheme',
      subject: `${server.name}, Basic <token>:`,
      measured: `${rps(verifyBasic)} protected`,
      reference: `${rps(openBasic)} unprotected`,
      ratio: verifyBasic.requestsPerSecond / openBasic.requestsPerSecond,
      target: options.target,
      errors: verifyBasic.errors + openBasic.errors,
      note: `Bearer: ${bearerRatio.toFixed(2)} in the same slices`,
    });
  }
  if (noop) {
    bench.rows.push({
      group: 'Middleware',
      subject: `${server.name}, protected vs a no-op middleware`,
      measured: `${rps(verify)} protected`,
      reference: `${rps(noop)} behind a no-op middleware`,
      ratio: verify.requestsPerSecond / noop.requestsPerSecond,
      target: 0.95,
      errors: noop.errors,
      note: `the no-op route: ${(noop.requestsPerSecond / open.requestsPerSecond).toFixed(2)} of the bare one`,
    });
  }
  return { open, verify };
}
