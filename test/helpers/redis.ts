// A real redis-server per test suite, on a free loopback port, with no persistence, stopped by
// PID. `kill()` and `restart()` simulate an outage for the fail-open / fail-closed tests.
import { freePort } from './ports.js';
import { type ManagedProcess, startProcess } from './process.js';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops it for good. */
  stop(): Promise<void>;
  /** Kills it (an outage); `restart()` brings it back on the same port, empty. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const launch = () =>
    startProcess({
      name: 'redis-server',
      command: 'redis-server',
      debianPackage: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ready: { port },
    });
  let current: ManagedProcess = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    stop: () => current.stop(),
    kill: () => current.kill(),
    async restart() {
      if (current.running) await current.stop();
      current = await launch();
    },
  };
}
