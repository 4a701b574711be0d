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
import { startSlapd } from '../test/helpers/slapd.js';
import {
  type Bench,
  basic,
  checkToken,
  ISSUE_CONNECTIONS,
  load,
  USER,
  VERIFY_CONNECTIONS,
} from './lib/context.js';
import { oidcRows } from './lib/oidc-rows.js';
import { startServer } from './lib/servers.js';
import { revocationRows, soakRow, workersRows } from './lib/service-rows.js';
import { formatTable, ms, rps } from './lib/table.js';
import { verificationRows } from './lib/verification.js';
import type { LoadResult } from './lib/wrk.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    soak: { type: 'string' },
    out: { type: 'string' },
    // The smoke test runs after `npm test` has built dist/; building again costs 15 s.
    'no-build': { type: 'boolean', default: false },
    // Only these servers (keys of `servers` below) and row sets (`revocation`, `oidc`), e.g.
    // `--only fastify,hono` after a change.
    only: { type: 'string' },
  },
});
const smoke = values.smoke ?? false;
const soakSeconds = values.soak ? Number(values.soak) : 0;

// Two cores: the load generator on one, the server under test and slapd on the other, so the
// server never competes with wrk for CPU. With fewer cores everything shares one.
const cores = availableParallelism();

if (!values['no-build']) spawnSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
const slapd = await startSlapd({ anonymousSearch: true });

const tsx = ['--import', 'tsx'];
const bench: Bench = {
  seconds: smoke ? 1 : 5,
  warmup: smoke ? 0 : 1,
  slices: smoke ? 1 : 10,
  loadCpus: cores > 1 ? '0' : undefined,
  serverCpus: cores > 1 ? '1' : undefined,
  env: {
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
  },
  service: { name: 'standalone service', args: [join(root, 'dist/cli.js'), 'serve'], env: {} },
  rows: [],
};
if (bench.serverCpus)
  execFileSync('taskset', ['-a', '-cp', bench.serverCpus, String(slapd.pid)], { stdio: 'ignore' });

// `noop`: the hello app also serves its route behind a no-op middleware of its framework.
const adapter = (name: string, file: string) => ({
  name,
  args: [...tsx, join(root, `bench/servers/${file}`)],
  noop: true,
});
const servers = {
  express: adapter('Express adapter', 'express.ts'),
  fastify: adapter('Fastify adapter', 'fastify.ts'),
  hono: adapter('Hono adapter', 'hono.ts'),
  koa: adapter('Koa adapter', 'koa.ts'),
  nestjs: adapter('NestJS adapter', 'nestjs.ts'),
  service: { ...bench.service, noop: false },
  peer: { name: 'peer stack', args: [...tsx, join(root, 'bench/servers/peer.ts')], noop: false },
};

try {
  const ceiling = ldapCeiling();
  const floor = await issuanceFloor();
  bench.rows.push({
    group: 'Issuance',
    subject: 'floor: bare node:http + search+bind, nothing else',
    measured: `${rps(floor)} (p50 ${ms(floor.p50)}, p99 ${ms(floor.p99)})`,
    reference: `${rps(ceiling)} raw search+bind loop`,
    ratio: floor.requestsPerSecond / ceiling.requestsPerSecond,
    errors: floor.errors,
    note: 'what HTTP alone costs on the shared core',
  });
  const results: Record<string, { verify: LoadResult; issue: LoadResult }> = {};
  const only = values.only?.split(',');
  for (const [key, spec] of Object.entries(servers)) {
    if (only && !only.includes(key)) continue;
    const server = await startServer({ ...spec, env: bench.env, cpus: bench.serverCpus });
    try {
      const peer = key === 'peer';
      const token = await checkToken(server, 'before load', !peer);
      const { verify } = await verificationRows(bench, server, token, {
        target: peer ? undefined : 0.9,
        basic: !peer,
        noop: spec.noop,
      });
      const issue = await load(
        bench,
        server,
        '/auth/request-token',
        { Authorization: basic(USER.username, USER.password) },
        'POST',
      );
      results[key] = { verify, issue };
      await checkToken(server, 'after load', !peer);
      bench.rows.push({
        group: 'Issuance',
        subject: server.name,
        measured: `${rps(issue)} tokens (p50 ${ms(issue.p50)}, p99 ${ms(issue.p99)})`,
        reference: peer
          ? `${rps(ceiling)} raw search+bind`
          : `${rps(ceiling)} raw search+bind (p50 ${ms(ceiling.p50)}, p99 ${ms(ceiling.p99)})`,
        ratio: issue.requestsPerSecond / ceiling.requestsPerSecond,
        target: peer ? undefined : 0.8,
        errors: issue.errors,
        rss: server.rssMiB(),
        note: peer
          ? undefined
          : `${(issue.requestsPerSecond / floor.requestsPerSecond).toFixed(2)} of the node:http floor`,
      });
    } finally {
      await server.stop();
    }
  }
  peerRows(results);

  if (!only || only.includes('service')) await workersRows(bench);
  if (!only || only.includes('revocation')) await revocationRows(bench);
  if (!only || only.includes('oidc')) await oidcRows(bench, ceiling);
  if (soakSeconds > 0) await soakRow(bench, soakSeconds);
} finally {
  await slapd.stop();
}

report();

// ---------------------------------------------------------------------------------------------

function peerRows(results: Record<string, { verify: LoadResult; issue: LoadResult }>): void {
  const ours = results.service;
  const peer = results.peer;
  if (!peer) return;
  if (ours)
    bench.rows.push({
      group: 'Peer stack',
      subject: 'verification: standalone service vs peer',
      measured: `${rps(ours.verify)} protected`,
      reference: `${rps(peer.verify)} peer protected`,
      ratio: ours.verify.requestsPerSecond / peer.verify.requestsPerSecond,
      target: 1.2,
      errors: 0,
    });
  for (const key of ['service', 'express'] as const) {
    const mine = results[key];
    if (!mine) continue;
    bench.rows.push({
      group: 'Peer stack',
      subject: `issuance: ${servers[key].name} vs peer`,
      measured: `${rps(mine.issue)} tokens`,
      reference: `${rps(peer.issue)} peer tokens`,
      ratio: mine.issue.requestsPerSecond / peer.issue.requestsPerSecond,
      target: 10,
      errors: 0,
    });
  }
}

function ldapCeiling(): LoadResult {
  const node = [process.execPath, ...tsx, join(root, 'bench/ceiling.ts')];
  const args = [
    slapd.url,
    bench.env.LDAP_TOP_DN!,
    USER.username,
    USER.password,
    String(ISSUE_CONNECTIONS),
    String(bench.seconds),
  ];
  const command = bench.serverCpus
    ? ['taskset', '-c', bench.serverCpus, ...node, ...args]
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

async function issuanceFloor(): Promise<LoadResult> {
  const server = await startServer({
    name: 'node:http floor',
    args: [...tsx, join(root, 'bench/servers/floor.ts')],
    env: bench.env,
    cpus: bench.serverCpus,
  });
  try {
    return await load(bench, server, '/', {}, 'POST');
  } finally {
    await server.stop();
  }
}

function report(): void {
  const heading = [
    `# ldap-token-auth benchmark${smoke ? ' (smoke: 1 s per row, figures not meaningful)' : ''}`,
    '',
    `${new Date().toISOString()}, Node ${process.version}, ${cores} cores. ` +
      (bench.serverCpus
        ? `Pinned: wrk on CPU ${bench.loadCpus}; the server under test, slapd and the LDAP ceiling loop on CPU ${bench.serverCpus}.`
        : 'Nothing pinned (one core).') +
      ` ${bench.seconds} s per measurement${bench.warmup ? ` after ${bench.warmup} s of warm-up` : ''}; verification at ${VERIFY_CONNECTIONS} connections in ${bench.slices} alternating 1 s slices each, issuance at ${ISSUE_CONNECTIONS}.`,
  ];
  const text = formatTable(heading, bench.rows);
  process.stdout.write(`${text}\n`);
  const out = values.out ?? join(root, 'bench/results', smoke ? 'smoke.md' : 'latest.md');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
}
