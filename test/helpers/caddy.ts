// Debian's Caddy for the forward-auth suite, on a free loopback port, with its data and config
// folders (Caddy's certificate storage, autosaved configuration) in a temporary folder removed
// when the test process ends, stopped by PID. No admin endpoint, no automatic HTTPS: nothing
// leaves loopback.
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ManagedProcess, registerExitCleanup, startProcess } from './process.js';

export interface RunningCaddy {
  process: ManagedProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

/** The global options a test Caddy needs in front of any site block. */
const GLOBAL_OPTIONS = `{
  admin off
  auto_https off
}
`;

/**
 * Starts Caddy with the site blocks `configure(port)` writes, after the test's global options.
 * A port taken between choosing it and Caddy binding it is retried with another.
 */
export async function startCaddy(
  name: string,
  configure: (port: number) => string,
): Promise<RunningCaddy> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'Caddyfile');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(config, `${GLOBAL_OPTIONS}\n${configure(port)}`);
    try {
      const process = await startProcess({
        name: 'caddy',
        command: 'caddy',
        args: ['run', '--config', config, '--adapter', 'caddyfile'],
        env: { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
        ready: { port },
      });
      return { process, url: `http://127.0.0.1:${port}` };
    } catch (error) {
      if (attempt < 3 && /address already in use/i.test(String(error))) continue;
      throw error;
    }
  }
}
