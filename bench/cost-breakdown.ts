// npm run bench:costs [-- --seconds N] [-- --no-build]
//
// What one login costs the standalone service, stage by stage, in microseconds of CPU per token:
// the built service runs under `node --cpu-prof` against a real slapd while wrk requests tokens
// (Basic alice:wonderland, 8 connections, as `npm run bench`), then every profile sample is
// charged to the stage whose code it was running (dist/ frames are mapped back to src/ through
// the source maps). slapd's own CPU and the LDAP operations per token (from cn=Monitor) are
// beside them. Shares of one profile are steadier than tokens/s on a shared machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SlapdMonitor, startSlapd } from '../test/helpers/slapd.js';
import { startServer } from './lib/servers.js';
import { runWrk } from './lib/wrk.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    'no-build': { type: 'boolean', default: false },
  },
});
const CONNECTIONS = 8;
const DIST = pathToFileURL(join(root, 'dist')).href;
const cores = availableParallelism();
const LOAD_CPUS = cores > 1 ? '0' : undefined;
const SERVER_CPUS = cores > 1 ? '1' : undefined;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The stages of the table, in its order. */
const STAGES = [
  'HTTP',
  'search',
  'bind',
  'LDAP, either operation',
  'signing',
  'logging',
  'groups',
  'the rest of the request',
  'garbage collection',
  'native, unattributed',
] as const;
type Stage = (typeof STAGES)[number];

/** Where a frame's code comes from: its src/ file when the source map knows it, else its URL. */
function sourceOf(url: string, line: number, column: number, maps: Map<string, SourceMap>): string {
  if (!url.startsWith(DIST)) return url;
  let map = maps.get(url);
  if (!map) {
    const path = `${fileURLToPath(url)}.map`;
    // A chunk left over from an older build has no map: charge it by its URL.
    if (!existsSync(path)) return url;
    map = new SourceMap(JSON.parse(readFileSync(path, 'utf8')));
    maps.set(url, map);
  }
  const entry = map.findEntry(line, column) as { originalSource?: string };
  return entry.originalSource ?? url;
}

/** The stage a frame belongs to, or undefined for code that serves whoever called it. */
function stageOfFrame(source: string, name: string): Stage | undefined {
  if (/\/ldap\/(groups|group-|membership)/.test(source)) return 'groups';
  if (/Search(Request|Response|Entry|Reference)|Filter\b|\bsearch\b/.test(name)) {
    if (/ldapts|\/ldap\//.test(source)) return 'search';
  }
  if (/Bind(Request|Response)|\bbind\b|PasswordPolicy/.test(name)) {
    if (/ldapts|\/ldap\//.test(source)) return 'bind';
  }
  if (/ldapts|asn1|\/ldap\//.test(source)) return 'LDAP, either operation';
  if (/jose|\/token\/|internal\/crypto/.test(source)) return 'signing';
  if (/pino|sonic-boom|thread-stream|\/server\/(audit|log)\.ts/.test(source)) return 'logging';
  if (/node:_http|node:http|llhttp|\/src\/http\/|\/server\/(service|serve)\.ts/.test(source))
    return 'HTTP';
  return undefined;
}

/** Charges every sample to a stage: the innermost frame that names one, else by its leaf. */
function charge(profile: Profile): Map<Stage, number> {
  const maps = new Map<string, SourceMap>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOfNode = new Map<number, Stage | 'idle'>();
  const resolve = (id: number): Stage | 'idle' => {
    const known = stageOfNode.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame;
    let stage: Stage | 'idle' | undefined;
    if (leaf.functionName === '(idle)') stage = 'idle';
    else if (leaf.functionName === '(garbage collector)') stage = 'garbage collection';
    else if (leaf.functionName === '(program)') stage = 'native, unattributed';
    // ldapts's framing and socket code serves both operations: the caller above it, when the
    // stack still shows one, tells which.
    let either: Stage | undefined;
    for (let at: number | undefined = id; !stage && at !== undefined; at = parent.get(at)) {
      const { url, functionName, lineNumber, columnNumber } = byId.get(at)!.callFrame;
      const found = stageOfFrame(sourceOf(url, lineNumber, columnNumber, maps), functionName);
      if (found === 'LDAP, either operation') either = found;
      else if (found && either && !['search', 'bind', 'groups'].includes(found)) stage = either;
      else stage = found;
    }
    stage ??= either;
    // Socket and stream code with no owner above it is the HTTP server's.
    stage ??= /node:(net|stream|internal\/stream)/.test(leaf.url)
      ? 'HTTP'
      : 'the rest of the request';
    stageOfNode.set(id, stage);
    return stage;
  };
  const totals = new Map<Stage, number>(STAGES.map((stage) => [stage, 0]));
  profile.samples.forEach((id, index) => {
    const stage = resolve(id);
    if (stage !== 'idle') totals.set(stage, totals.get(stage)! + (profile.timeDeltas[index] ?? 0));
  });
  return totals;
}

/** utime + stime of a process, in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

if (!values['no-build']) spawnSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
const slapd = await startSlapd({ anonymousSearch: true, monitor: true });
if (SERVER_CPUS)
  execFileSync('taskset', ['-a', '-cp', SERVER_CPUS, String(slapd.pid)], { stdio: 'ignore' });
const profiles = mkdtempSync(join(tmpdir(), 'bench-costs-'));
const server = await startServer({
  name: 'standalone service',
  args: ['--cpu-prof', '--cpu-prof-dir', profiles, join(root, 'dist/cli.js'), 'serve'],
  env: {
    SECRET_KEY: 'bench-secret-bench-secret-bench-secret!',
    LDAP_AUTH_SERVER: slapd.url,
    LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
    LDAP_POOL_SIZE: String(CONNECTIONS),
    LOGIN_MAX_FAILURES_PER_USER: String(CONNECTIONS),
  },
  cpus: SERVER_CPUS,
});
const monitor = await SlapdMonitor.open(slapd);
const authorization = `Basic ${Buffer.from('alice:wonderland').toString('base64')}`;
let result: Awaited<ReturnType<typeof runWrk>>;
let ops: { binds: number; searches: number };
let slapdMicros: number;
let serviceMicros: number;
try {
  const before = await monitor.operations();
  const slapdBefore = cpuMicros(slapd.pid);
  const serviceBefore = cpuMicros(server.pid);
  result = await runWrk({
    url: `${server.url}/auth/request-token`,
    method: 'POST',
    headers: { Authorization: authorization },
    connections: CONNECTIONS,
    seconds: Number(values.seconds),
    cpus: LOAD_CPUS,
  });
  slapdMicros = cpuMicros(slapd.pid) - slapdBefore;
  serviceMicros = cpuMicros(server.pid) - serviceBefore;
  const after = await monitor.operations();
  // The monitor's own two counter searches of `before` are counted in `after`.
  ops = { binds: after.binds - before.binds, searches: after.searches - before.searches - 2 };
} finally {
  await server.stop();
  await slapd.stop();
}
const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`No profile was written in ${profiles}`);
const totals = charge(JSON.parse(readFileSync(join(profiles, file), 'utf8')) as Profile);
// The profile spans start-up and shutdown too; both are small beside seconds of load. Its
// samples are wall time while the thread is not idle, which includes moments it was switched out
// in a system call (a socket write that wakes slapd on the same core): so the profile gives each
// stage's share, and the process's own CPU time (from /proc) gives what those shares are of.
const tokens = result.requests;
const busy = [...totals.values()].reduce((sum, value) => sum + value, 0);
const perToken = serviceMicros / tokens;
const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
const output = [
  `${tokens} tokens in ${values.seconds} s (${Math.round(result.requestsPerSecond)}/s, ` +
    `p99 ${result.p99.toFixed(1)} ms, ${result.errors} errors); ` +
    `LDAP operations per token: ${(ops.searches / tokens).toFixed(2)} searches, ` +
    `${(ops.binds / tokens).toFixed(2)} binds.`,
  '',
  line(['stage', 'µs of CPU per token', 'share of the profile']),
  line(['---', '---:', '---:']),
  ...STAGES.map((stage) => {
    const micros = totals.get(stage)!;
    const share = micros / busy;
    return line([stage, (share * perToken).toFixed(0), `${(100 * share).toFixed(0)}%`]);
  }),
  line(['**the service, in all**', `**${perToken.toFixed(0)}**`, '100%']),
  line(['slapd (its own process)', (slapdMicros / tokens).toFixed(0), '']),
];
console.log(output.join('\n'));
console.log(`\nThe profile: ${join(profiles, file)}`);
if (result.errors > 0) process.exitCode = 1;
