// Redis as it runs in production behind several instances: a Sentinel-managed primary with a
// replica, and a three-node Cluster. Real redis-server processes on free loopback ports, each in
// its own temporary folder, stopped by PID.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { type ManagedProcess, runCommand, startProcess } from './process.js';

const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'];

async function redisServer(name: string, dir: string, args: readonly string[], port: number) {
  return startProcess({
    name,
    command: 'redis-server',
    args: ['--port', String(port), '--dir', dir, ...NO_PERSISTENCE, ...args],
    ready: { port },
  });
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const result = await runCommand('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    debianPackage: 'redis-tools',
  });
  if (result.exitCode !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function stopAll(processes: readonly ManagedProcess[], dir: string): Promise<void> {
  await Promise.all(processes.map((process) => process.stop()));
  await rm(dir, { recursive: true, force: true });
}

/** Polls `probe` until it returns true; throws `what` after `timeoutMs`. */
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface SentinelSet {
  /** The primary's name, as the Sentinels know it. */
  readonly name: string;
  /** `host:port` of the Sentinel. */
  readonly sentinels: string[];
  readonly primary: ManagedProcess;
  readonly primaryPort: number;
  readonly replicaPort: number;
  /** Stops the primary; resolves once the Sentinel has promoted the replica. */
  failOver(): Promise<void>;
  stop(): Promise<void>;
}

/** A primary, one replica and one Sentinel watching them (quorum 1, failover after 1 s). */
export async function startSentinelSet(name = 'tokens'): Promise<SentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'lta-sentinel-'));
  const processes: ManagedProcess[] = [];
  try {
    const primaryPort = await freePort();
    const replicaPort = await freePort();
    const sentinelPort = await freePort();
    const primary = await redisServer('redis primary', dir, ['--dbfilename', 'p.rdb'], primaryPort);
    processes.push(primary);
    processes.push(
      await redisServer(
        'redis replica',
        dir,
        ['--dbfilename', 'r.rdb', '--replicaof', '127.0.0.1', String(primaryPort)],
        replicaPort,
      ),
    );
    await until('the replica to sync', async () =>
      (await redisCli(replicaPort, 'info', 'replication')).includes('master_link_status:up'),
    );
    // A Sentinel rewrites its configuration file, so it needs one of its own.
    const config = join(dir, 'sentinel.conf');
    await writeFile(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    processes.push(
      await startProcess({
        name: 'redis sentinel',
        command: 'redis-server',
        args: [config, '--sentinel'],
        ready: { port: sentinelPort },
      }),
    );
    return {
      name,
      sentinels: [`127.0.0.1:${sentinelPort}`],
      primary,
      primaryPort,
      replicaPort,
      async failOver() {
        await primary.stop();
        await until(
          'the Sentinel to promote the replica',
          async () =>
            (await redisCli(sentinelPort, 'sentinel', 'get-master-addr-by-name', name)).includes(
              String(replicaPort),
            ),
          30_000,
        );
      },
      stop: () => stopAll(processes, dir),
    };
  } catch (error) {
    await stopAll(processes, dir);
    throw error;
  }
}

export interface RedisCluster {
  /** `host:port` of every node. */
  readonly nodes: string[];
  stop(): Promise<void>;
}

/** Three primaries sharing the 16,384 slots, no replicas. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'lta-cluster-'));
  const processes: ManagedProcess[] = [];
  try {
    const ports: number[] = [];
    for (const index of [0, 1, 2]) {
      const port = await freePort();
      // The bus port is port + 10000 unless set; a free port of our own cannot overflow.
      const busPort = await freePort();
      processes.push(
        await redisServer(
          `redis cluster node ${index}`,
          dir,
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${index}.conf`),
            '--cluster-port',
            String(busPort),
            '--dbfilename',
            `n${index}.rdb`,
          ],
          port,
        ),
      );
      ports.push(port);
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await redisCli(ports[0]!, '--cluster', 'create', ...nodes, '--cluster-yes');
    await until('the cluster to be ok on every node', async () => {
      const states = await Promise.all(ports.map((port) => redisCli(port, 'cluster', 'info')));
      return states.every((state) => state.includes('cluster_state:ok'));
    });
    return {
      nodes,
      stop: () => stopAll(processes, dir),
    };
  } catch (error) {
    await stopAll(processes, dir);
    throw error;
  }
}
