// Runs every test file under test/ with Node's own runner (through tsx), after building the
// package, since the packaging tests import the built output as a user would. The timeout guards
// against a hang (a whole file takes minutes on a busy 2-core machine); it measures nothing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

// The suites start these programs; without one, dozens of tests would fail one by one with the
// same cause. Say it once, before anything runs. (The list matches
// scripts/install-system-packages.sh, which installs them.)
const requiredPrograms = {
  slapd: 'slapd',
  slapadd: 'slapd',
  ldapsearch: 'ldap-utils',
  'samba-tool': 'samba-ad-dc',
  'redis-server': 'redis-server',
  nginx: 'nginx',
  caddy: 'caddy',
  http: 'httpie',
  curl: 'curl',
  chromium: 'chromium',
  apache2: 'apache2',
  wrk: 'wrk',
  openssl: 'openssl',
  taskset: 'util-linux',
};
const searchPath = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
const isInstalled = (program) =>
  searchPath.some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const missing = Object.keys(requiredPrograms).filter((program) => !isInstalled(program));
if (missing.length > 0) {
  const packages = [...new Set(missing.map((program) => requiredPrograms[program]))];
  console.error(
    `The test suites need programs that are not installed: ${missing.join(', ')}` +
      ` (Debian packages: ${packages.join(' ')}).\n` +
      'Install everything they use with: bash scripts/install-system-packages.sh',
  );
  process.exit(1);
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === 'helpers' || entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles(join(root, 'test')).sort();

const build = spawnSync('npx', ['tsup', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=4', '--test-timeout=600000', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(run.status ?? 1);
