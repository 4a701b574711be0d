// The standalone service's own rows: more cores, revocation on, and memory under a long load.
import { execFileSync } from 'node:child_process';
import { startRedis } from '../../test/helpers/redis.js';
import { type Bench, basic, checkToken, load, USER } from './context.js';
import { interleaved } from './interleaved.js';
import { type BenchServer, startServer } from './servers.js';
import { rps } from './table.js';
import { type LoadResult, runWrk } from './wrk.js';

/**
 * `serve --workers 2` against `--workers 1`, both unpinned: what a second core buys, with
 * revocation off (no store on the hot path) and on (one Redis round trip per verification).
 * Several workers refuse to start without Redis (their stores would split), so both rows use it.
 */
export async function workersRows(bench: Bench): Promise<void> {
  const redis = await startRedis();
  try {
    for (const revocation of [false, true]) {
      const measured: Record<number, LoadResult> = {};
      let rss = 0;
      for (const workers of [1, 2]) {
        const server = await startServer({
          ...bench.service,
          args: [...bench.service.args, '--workers', String(workers)],
          name: `service x${workers}`,
          env: { ...bench.env, REDIS_URL: redis.url, TOKEN_REVOCATION: String(revocation) },
        });
        try {
          await waitForWorkers(server);
          const token = await checkToken(server, 'before load');
          measured[workers] = await load(bench, server, '/', { Authorization: `Bearer ${token}` });
          rss = server.rssMiB();
        } finally {
          await server.stop();
        }
      }
      bench.rows.push({
        group: 'Cores',
        subject: revocation
          ? 'standalone service, verification with revocation on Redis, --workers 2 vs 1 (unpinned)'
          : 'standalone service, verification, --workers 2 vs 1 (unpinned)',
        measured: `${rps(measured[2]!)} with 2 workers`,
        reference: `${rps(measured[1]!)} with 1 worker`,
        ratio: measured[2]!.requestsPerSecond / measured[1]!.requestsPerSecond,
        errors: measured[1]!.errors + measured[2]!.errors,
        rss,
        note: revocation
          ? "revocations read from each worker's view, kept current through Redis; wrk and redis-server share the two cores"
          : 'wrk shares the two cores with the workers',
      });
    }
  } finally {
    await redis.stop();
  }
}

/**
 * Verification with revocation switched on: checked on every request, in memory (a Map lookup
 * on the hot path) and on Redis (read from the instance's view, kept current by a Redis channel; redis-server on the server's core).
 */
export async function revocationRows(bench: Bench): Promise<void> {
  const redis = await startRedis();
  if (bench.serverCpus)
    execFileSync('taskset', ['-a', '-cp', bench.serverCpus, String(redis.pid)], {
      stdio: 'ignore',
    });
  try {
    for (const [store, extra] of [
      ['memory', { TOKEN_REVOCATION: 'true' }],
      ['Redis', { TOKEN_REVOCATION: 'true', REDIS_URL: redis.url }],
    ] as const) {
      const server = await startServer({
        ...bench.service,
        name: `standalone service, revocation on (${store})`,
        env: { ...bench.env, ...extra },
        cpus: bench.serverCpus,
      });
      try {
        const token = await checkToken(server, 'before load');
        const headers = { Authorization: `Bearer ${token}` };
        const { open, verify } = await interleaved(bench, server, {
          open: { path: '/public', headers },
          verify: { path: '/', headers },
        });
        bench.rows.push({
          group: 'Revocation',
          subject: server.name,
          measured: `${rps(verify!)} protected`,
          reference: `${rps(open!)} unprotected`,
          ratio: verify!.requestsPerSecond / open!.requestsPerSecond,
          errors: verify!.errors + open!.errors,
          rss: server.rssMiB(),
          note:
            store === 'Redis'
              ? 'the local view, kept current through Redis'
              : 'a Map lookup per verification',
        });
        await checkToken(server, 'after load');
      } finally {
        await server.stop();
      }
    }
  } finally {
    await redis.stop();
  }
}

/** The primary accepts connections before every worker has started; give them a moment. */
async function waitForWorkers(server: BenchServer): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${server.url}/public`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Mixed load on the standalone service for a while, RSS sampled: it must stay flat. */
export async function soakRow(bench: Bench, total: number): Promise<void> {
  const server = await startServer({ ...bench.service, env: bench.env, cpus: bench.serverCpus });
  const samples: number[] = [];
  let errors = 0;
  try {
    const token = await checkToken(server, 'before soak');
    const slice = 10;
    for (let elapsed = 0; elapsed < total; elapsed += slice) {
      const [verify, issue] = await Promise.all([
        runWrk({
          url: `${server.url}/`,
          headers: { Authorization: `Bearer ${token}` },
          connections: 16,
          seconds: slice,
          cpus: bench.loadCpus,
        }),
        runWrk({
          url: `${server.url}/auth/request-token`,
          method: 'POST',
          headers: { Authorization: basic(USER.username, USER.password) },
          connections: 4,
          seconds: slice,
          cpus: bench.loadCpus,
        }),
      ]);
      errors += verify.errors + issue.errors;
      samples.push(server.rssMiB());
    }
    await checkToken(server, 'after soak');
  } finally {
    await server.stop();
  }
  // V8 sizes its heaps over the first tens of seconds of load (RSS rises, then a major GC brings
  // it back); a leak shows as growth through the second half, which is what is judged.
  const settled = samples.slice(Math.floor(samples.length / 2));
  const low = Math.min(...settled);
  const high = Math.max(...settled);
  bench.rows.push({
    group: 'Memory',
    subject: `standalone service, ${total} s mixed load`,
    measured: `RSS ${low.toFixed(0)}-${high.toFixed(0)} MiB over the second half`,
    reference: `samples: ${samples.map((value) => value.toFixed(0)).join(', ')}`,
    ratio: high / low,
    target: 1.1,
    errors,
    note: 'target: max/min at most 1.10',
  });
}
