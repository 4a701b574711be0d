// The service holds log lines and writes several at once (src/server/log.ts): a burst of token
// requests answered just before SIGTERM must still have every audit line, complete, in the file
// stderr goes to, followed by the `stopped` line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { basic, TOP_DN } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { waitForPort } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REQUESTS = 400;
const PARALLEL = 8;

let slapd: SlapdServer;
before(async () => {
  slapd = await startSlapd({ anonymousSearch: true });
});
after(() => slapd?.stop());

it('SIGTERM right after a burst of logins: every audit line is in the file, then `stopped`', async () => {
  const port = await freePort();
  const logFile = join(mkdtempSync(join(tmpdir(), 'audit-flush-')), 'stderr.log');
  const stderr = openSync(logFile, 'w');
  const env: Record<string, string> = { ...process.env, NODE_TEST_CONTEXT: '' } as Record<
    string,
    string
  >;
  for (const variable of ENVIRONMENT) env[variable.name] = '';
  Object.assign(env, {
    SECRET_KEY: 'audit-flush-secret-of-more-than-32-bytes-0123',
    LDAP_AUTH_SERVER: slapd.url,
    LDAP_TOP_DN: TOP_DN,
    // Every login of the burst is alice's, PARALLEL at a time.
    LOGIN_MAX_FAILURES_PER_USER: String(PARALLEL),
  });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--host', '127.0.0.1'],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', stderr] },
  );
  closeSync(stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitForPort(port, { timeoutMs: 20_000 });
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
        sent++;
        const response = await fetch(`http://127.0.0.1:${port}/auth/request-token`, {
          method: 'POST',
          headers: { authorization: basic('alice', 'wonderland') },
        });
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
  const lines = readFileSync(logFile, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a complete line');
  const events = lines.map((line) => (JSON.parse(line) as { event?: string }).event);
  assert.equal(events.filter((event) => event === 'token_issued').length, REQUESTS);
  assert.equal(events.at(-1), 'stopped');
});
