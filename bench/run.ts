// npm run bench [-- --smoke] [-- --soak SECONDS] [-- --out FILE] [-- --no-build] [-- --only a,b]
//
// One run against a real slapd, every figure beside its reference, as one Markdown table printed
// and written to bench/results/. Ratios within the run are what count: absolute figures move
// with the machine. See docs/performance.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startRedis } from '../test/helpers/redis.js';
import { startSlapd } from '../test/helpers/slapd.js';
import { type BenchServer, startServer } from './lib/servers.js';
import { type LoadResult, runWrk } from './lib/wrk.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    soak: { type: 'string' },
    out: { type: 'string' },
    // The smoke test runs after `npm test` has built dist/; building again costs 15 s.
    'no-build': { type: 'boolean', default: false },
    // Only these servers (keys of `servers` below), e.g. `--only fastify,hono` after a change.
    only: { type: 'string' },
  },
});
const smoke = values.smoke ?? false;
const seconds = smoke ? 1 : 5;
const warmup = smoke ? 0 : 1;
const soakSeconds = values.soak ? Number(values.soak) : 0;

// Two cores: the load generator on one, the server under test and slapd on the other, so the
// server never competes with wrk for CPU. With fewer cores everything shares one.
const cores = availableParallelism();
const LOAD_CPUS = cores > 1 ? '0' : undefined;
const SERVER_CPUS = cores > 1 ? '1' : undefined;

const VERIFY_CONNECTIONS = 32;
const VERIFY_SLICES = smoke ? 1 : 10;
const ISSUE_CONNECTIONS = 8;
const USER = { username: 'alice', password: 'wonderland' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Row {
  group: string;
  subject: string;
  measured: string;
  reference: string;
  ratio?: number;
  target?: number;
  errors: number;
  rss?: number;
  note?: string;
}
const rows: Row[] = [];

if (!values['no-build']) spawnSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
const slapd = await startSlapd({ anonymousSearch: true });
if (SERVER_CPUS)
  execFileSync('taskset', ['-a', '-cp', SERVER_CPUS, String(slapd.pid)], { stdio: 'ignore' });

const env = {
  SECRET_KEY: 'bench-secret-bench-secret-bench-secret!',
  LDAP_AUTH_SERVER: slapd.url,
  LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
  LDAP_POOL_SIZE: String(ISSUE_CONNECTIONS),
  // Every login takes its point before the bind, so one process checks at most this many logins
  // of one user at a time (the others wait): as many as the issuance load's connections, all alice.
  LOGIN_MAX_FAILURES_PER_USER: String(ISSUE_CONNECTIONS),
  // The hello apps import the package by name; without the tsconfig `paths` that map it to src/,
  // that is the built dist/ a user runs, not the sources as tsx compiles them.
  TSX_TSCONFIG_PATH: join(root, 'bench/tsconfig.dist.json'),
};
const tsx = ['--import', 'tsx'];
const servers = {
  express: { name: 'Express adapter', args: [...tsx, join(root, 'bench/servers/express.ts')] },
  fastify: { name: 'Fastify adapter', args: [...tsx, join(root, 'bench/servers/fastify.ts')] },
  hono: { name: 'Hono adapter', args: [...tsx, join(root, 'bench/servers/hono.ts')] },
  koa: { name: 'Koa adapter', args: [...tsx, join(root, 'bench/servers/koa.ts')] },
  service: { name: 'standalone service', args: [join(root, 'dist/cli.js'), 'serve'] },
  peer: { name: 'peer stack', args: [...tsx, join(root, 'bench/servers/peer.ts')] },
};

try {
  const ceiling = ldapCeiling();
  const floor = await issuanceFloor();
  rows.push({
    group: 'Issuance',
    subject: 'floor: bare node:http + search+bind, nothing else',
    measured: `${rps(floor)} (p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)})`,
    reference: `${rps(ceiling)} raw search+bind loop`,
    ratio: floor.requestsPerSecond / ceiling.requestsPerSecond,
    errors: floor.errors,
    note: 'what HTTP alone costs on the shared core',
  });
  const results: Record<string, { verify: LoadResult; open: LoadResult; issue: LoadResult }> = {};
  const only = values.only?.split(',');
  for (const [key, spec] of Object.entries(servers)) {
    if (only && !only.includes(key)) continue;
    const server = await startServer({ ...spec, env, cpus: SERVER_CPUS });
    try {
      const token = await checkToken(server, 'before load');
      const { open, verify } = await verificationPair(server, token);
      rows.push({
        group: 'Verification',
        subject: server.name,
        measured: `${rps(verify)} protected`,
        reference: `${rps(open)} unprotected`,
        ratio: verify.requestsPerSecond / open.requestsPerSecond,
        target: key === 'peer' ? undefined : 0.9,
        errors: verify.errors + open.errors,
        rss: server.rssMiB(),
      });
      const issue = await load(
        server,
        '/auth/request-token',
        { Authorization: basic(USER.username, USER.password) },
        'POST',
      );
      results[key] = { verify, open, issue };
      await checkToken(server, 'after load');
      if (key !== 'peer') {
        rows.push({
          group: 'Issuance',
          subject: server.name,
          measured: `${rps(issue)} tokens (p50 ${ms(issue.p50)}, p99 ${ms(issue.p99)})`,
          reference: `${rps(ceiling)} raw search+bind (p50 ${ms(ceiling.p50)}, p99 ${ms(ceiling.p99)})`,
          ratio: issue.requestsPerSecond / ceiling.requestsPerSecond,
          target: 0.8,
          errors: issue.errors,
          rss: server.rssMiB(),
          note: `${(issue.requestsPerSecond / floor.requestsPerSecond).toFixed(2)} of the node:http floor`,
        });
      } else {
        rows.push({
          group: 'Issuance',
          subject: server.name,
          measured: `${rps(issue)} tokens (p50 ${ms(issue.p50)}, p99 ${ms(issue.p99)})`,
          reference: `${rps(ceiling)} raw search+bind`,
          ratio: issue.requestsPerSecond / ceiling.requestsPerSecond,
          errors: issue.errors,
          rss: server.rssMiB(),
        });
      }
    } finally {
      await server.stop();
    }
  }

  const ours = results.service;
  const peer = results.peer;
  if (ours && peer)
    rows.push({
      group: 'Peer stack',
      subject: 'verification: standalone service vs peer',
      measured: `${rps(ours.verify)} protected`,
      reference: `${rps(peer.verify)} peer protected`,
      ratio: ours.verify.requestsPerSecond / peer.verify.requestsPerSecond,
      target: 1.2,
      errors: 0,
    });
  for (const key of ['service', 'express'] as const) {
    if (!results[key] || !peer) continue;
    rows.push({
      group: 'Peer stack',
      subject: `issuance: ${servers[key].name} vs peer`,
      measured: `${rps(results[key]!.issue)} tokens`,
      reference: `${rps(peer.issue)} peer tokens`,
      ratio: results[key]!.issue.requestsPerSecond / peer.issue.requestsPerSecond,
      target: 10,
      errors: 0,
    });
  }

  if (!only || only.includes('service')) await workersRows();
  if (!only || only.includes('revocation')) await revocationRows();
  if (soakSeconds > 0) await soakRow(soakSeconds);
} finally {
  await slapd.stop();
}

report();

// ---------------------------------------------------------------------------------------------

function ldapCeiling(): LoadResult {
  const node = [process.execPath, ...tsx, join(root, 'bench/ceiling.ts')];
  const args = [
    slapd.url,
    env.LDAP_TOP_DN,
    USER.username,
    USER.password,
    String(ISSUE_CONNECTIONS),
    String(seconds),
  ];
  const command = SERVER_CPUS
    ? ['taskset', '-c', SERVER_CPUS, ...node, ...args]
    : [...node, ...args];
  const output = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  const result = JSON.parse(output.trim().split('\n').at(-1)!) as {
    requestsPerSecond: number;
    p50: number;
    p99: number;
    errors: number;
  };
  return { ...result, requests: 0 };
}

/**
 * Protected and unprotected measured in alternating one-second slices, the ratio taken of the
 * totals: on a shared virtual machine throughput drifts by more than the few percent being
 * measured, and interleaving cancels the drift. Both send the same Authorization header, so
 * the difference is the verification alone, not the bytes of the header.
 */
async function verificationPair(
  server: BenchServer,
  token: string,
): Promise<{ open: LoadResult; verify: LoadResult }> {
  const headers = { Authorization: `Bearer ${token}` };
  const slice = (path: string) =>
    runWrk({
      url: `${server.url}${path}`,
      headers,
      connections: VERIFY_CONNECTIONS,
      seconds: 1,
      cpus: LOAD_CPUS,
    });
  if (warmup > 0) await load(server, '/', headers);
  const open: LoadResult[] = [];
  const verify: LoadResult[] = [];
  for (let round = 0; round < VERIFY_SLICES; round++) {
    open.push(await slice('/public'));
    verify.push(await slice('/'));
  }
  return { open: combine(open), verify: combine(verify) };
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

async function issuanceFloor(): Promise<LoadResult> {
  const server = await startServer({
    name: 'node:http floor',
    args: [...tsx, join(root, 'bench/servers/floor.ts')],
    env,
    cpus: SERVER_CPUS,
  });
  try {
    return await load(server, '/', {}, 'POST');
  } finally {
    await server.stop();
  }
}

async function load(
  server: BenchServer,
  path: string,
  headers: Record<string, string> = {},
  method: 'GET' | 'POST' = 'GET',
): Promise<LoadResult> {
  const connections = method === 'POST' ? ISSUE_CONNECTIONS : VERIFY_CONNECTIONS;
  const options = { url: `${server.url}${path}`, method, headers, connections, cpus: LOAD_CPUS };
  if (warmup > 0) await runWrk({ ...options, seconds: warmup });
  return runWrk({ ...options, seconds });
}

/** A token from the server that the same server accepts: the load must not have broken it. */
async function checkToken(server: BenchServer, when: string): Promise<string> {
  const issued = await fetch(`${server.url}/auth/request-token`, {
    method: 'POST',
    headers: { Authorization: basic(USER.username, USER.password) },
  });
  if (issued.status !== 200)
    throw new Error(`${server.name}: token request ${when} answered ${issued.status}`);
  const { access_token: token } = (await issued.json()) as { access_token: string };
  const hello = await fetch(`${server.url}/`, { headers: { Authorization: `Bearer ${token}` } });
  const body = await hello.text();
  if (hello.status !== 200 || body !== 'hello, world') {
    throw new Error(`${server.name}: protected route ${when} answered ${hello.status} ${body}`);
  }
  return token;
}

/**
 * `serve --workers 2` against `--workers 1`, both unpinned: what a second core buys, with
 * revocation off (no store on the hot path) and on (one Redis round trip per verification).
 * Several workers refuse to start without Redis (their stores would split), so both rows use it.
 */
async function workersRows(): Promise<void> {
  const redis = await startRedis();
  try {
    for (const revocation of [false, true]) {
      const measured: Record<number, LoadResult> = {};
      let rss = 0;
      for (const workers of [1, 2]) {
        const server = await startServer({
          ...servers.service,
          args: [...servers.service.args, '--workers', String(workers)],
          name: `service x${workers}`,
          env: { ...env, REDIS_URL: redis.url, TOKEN_REVOCATION: String(revocation) },
        });
        try {
          await waitForWorkers(server);
          const token = await checkToken(server, 'before load');
          measured[workers] = await load(server, '/', { Authorization: `Bearer ${token}` });
          rss = server.rssMiB();
        } finally {
          await server.stop();
        }
      }
      rows.push({
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
          ? 'one MGET per verification; wrk and redis-server share the two cores with the workers'
          : 'wrk shares the two cores with the workers',
      });
    }
  } finally {
    await redis.stop();
  }
}

/**
 * Verification with revocation switched on: checked on every request, in memory (a Map lookup
 * on the hot path) and on Redis (one MGET per request, redis-server on the server's core).
 */
async function revocationRows(): Promise<void> {
  const redis = await startRedis();
  if (SERVER_CPUS)
    execFileSync('taskset', ['-a', '-cp', SERVER_CPUS, String(redis.pid)], { stdio: 'ignore' });
  try {
    for (const [store, extra] of [
      ['memory', { TOKEN_REVOCATION: 'true' }],
      ['Redis', { TOKEN_REVOCATION: 'true', REDIS_URL: redis.url }],
    ] as const) {
      const server = await startServer({
        ...servers.service,
        name: `standalone service, revocation on (${store})`,
        env: { ...env, ...extra },
        cpus: SERVER_CPUS,
      });
      try {
        const token = await checkToken(server, 'before load');
        const { open, verify } = await verificationPair(server, token);
        rows.push({
          group: 'Revocation',
          subject: server.name,
          measured: `${rps(verify)} protected`,
          reference: `${rps(open)} unprotected`,
          ratio: verify.requestsPerSecond / open.requestsPerSecond,
          errors: verify.errors + open.errors,
          rss: server.rssMiB(),
          note: store === 'Redis' ? 'one MGET per verification' : 'a Map lookup per verification',
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
async function soakRow(total: number): Promise<void> {
  const server = await startServer({ ...servers.service, env, cpus: SERVER_CPUS });
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
          cpus: LOAD_CPUS,
        }),
        runWrk({
          url: `${server.url}/auth/request-token`,
          method: 'POST',
          headers: { Authorization: basic(USER.username, USER.password) },
          connections: 4,
          seconds: slice,
          cpus: LOAD_CPUS,
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
  rows.push({
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

function report(): void {
  const lines = [
    `# ldap-token-auth benchmark${smoke ? ' (smoke: 1 s per row, figures not meaningful)' : ''}`,
    '',
    `${new Date().toISOString()}, Node ${process.version}, ${cores} cores. ` +
      (SERVER_CPUS
        ? `Pinned: wrk on CPU ${LOAD_CPUS}; the server under test, slapd and the LDAP ceiling loop on CPU ${SERVER_CPUS}.`
        : 'Nothing pinned (one core).') +
      ` ${seconds} s per measurement${warmup ? ` after ${warmup} s of warm-up` : ''}; verification at ${VERIFY_CONNECTIONS} connections in ${VERIFY_SLICES} alternating 1 s slices each, issuance at ${ISSUE_CONNECTIONS}.`,
    '',
    '| group | subject | measured | reference | ratio | target | met | non-2xx | RSS MiB | note |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) =>
      [
        row.group,
        row.subject,
        row.measured,
        row.reference,
        row.ratio === undefined ? '' : row.ratio.toFixed(2),
        row.target === undefined
          ? ''
          : row.group === 'Memory'
            ? `<= ${row.target}`
            : `>= ${row.target}`,
        met(row),
        String(row.errors),
        row.rss === undefined ? '' : row.rss.toFixed(0),
        row.note ?? '',
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    ),
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  const out = values.out ?? join(root, 'bench/results', smoke ? 'smoke.md' : 'latest.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}

function met(row: Row): string {
  if (row.target === undefined || row.ratio === undefined) return '';
  const ok = row.group === 'Memory' ? row.ratio <= row.target : row.ratio >= row.target;
  return ok ? 'yes' : 'NO';
}

function rps(result: { requestsPerSecond: number }): string {
  return `${Math.round(result.requestsPerSecond).toLocaleString('en-US')}/s`;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}
