// Debian's nginx for the forward-auth suites, on a free loopback port, with its own prefix folder
// (logs, temp paths, pid) removed when the test process ends, stopped by PID.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ManagedProcess, registerExitCleanup, startProcess } from './process.js';

/**
 * The start of an `http` block for a test nginx: no access log, and every temp path inside the
 * prefix folder `dir` (the package's defaults are root-owned system folders).
 */
export function httpPrelude(dir: string): string {
  return `access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;`;
}

export interface RunningNginx {
  process: ManagedProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

/**
 * Starts nginx with the configuration `configure(prefixDir, port)` writes: the folder is nginx's
 * prefix (`-p`), for the temp paths a configuration must point somewhere writable. A port taken
 * between choosing it and nginx binding it is retried with another.
 */
export async function startNginx(
  name: string,
  configure: (dir: string, port: number) => string,
): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'logs'));
  const config = join(dir, 'nginx.conf');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(config, configure(dir, port));
    try {
      const process = await startProcess({
        name: 'nginx',
        command: 'nginx',
        args: [
          '-p',
          dir,
          '-e',
          'stderr',
          '-c',
          config,
          '-g',
          `daemon off; pid ${join(dir, 'nginx.pid')};`,
        ],
        ready: { port },
      });
      return { process, url: `http://127.0.0.1:${port}` };
    } catch (error) {
      if (attempt < 3 && /Address already in use/.test(String(error))) continue;
      throw error;
    }
  }
}
