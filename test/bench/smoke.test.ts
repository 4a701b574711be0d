// `npm run bench -- --smoke` end to end: every row of the table is produced and no request in
// it failed. Figures are not judged here (no timed assertions in tests); the full run is
// `npm run bench`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..');

it('npm run bench -- --smoke produces every row, with no failed request', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-smoke-')), 'smoke.md');
  await promisify(execFile)(
    process.execPath,
    // npm test has built dist/ (the standalone service runs from it) before any test.
    ['--import', 'tsx', join(root, 'bench/run.ts'), '--smoke', '--no-build', '--out', out],
    { cwd: root, timeout: 240_000 },
  );
  const table = readFileSync(out, 'utf8');
  const rows = table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| group'));
  const subjects = rows.map((row) => row.split(' | ').slice(0, 2).join(' / ').slice(2));
  for (const expected of [
    'Issuance / floor: bare node:http + search+bind, nothing else',
    'Verification / Express adapter',
    'Issuance / Express adapter',
    'Verification / Fastify adapter',
    'Issuance / Fastify adapter',
    'Verification / Hono adapter',
    'Issuance / Hono adapter',
    'Verification / Koa adapter',
    'Issuance / Koa adapter',
    'Verification / standalone service',
    'Issuance / standalone service',
    'Verification / peer stack',
    'Issuance / peer stack',
    'Peer stack / verification: standalone service vs peer',
    'Peer stack / issuance: standalone service vs peer',
    'Peer stack / issuance: Express adapter vs peer',
    'Cores / standalone service, verification, --workers 2 vs 1 (unpinned)',
    'Cores / standalone service, verification with revocation on Redis, --workers 2 vs 1 (unpinned)',
    'Revocation / standalone service, revocation on (memory)',
    'Revocation / standalone service, revocation on (Redis)',
    'Scheme / Express adapter, Basic <token>:',
    'Scheme / Fastify adapter, Basic <token>:',
    'Scheme / Hono adapter, Basic <token>:',
    'Scheme / Koa adapter, Basic <token>:',
    'Scheme / standalone service, Basic <token>:',
    'Middleware / Express adapter, protected vs a no-op middleware',
    'Middleware / Fastify adapter, protected vs a no-op middleware',
    'Middleware / Hono adapter, protected vs a no-op middleware',
    'Middleware / Koa adapter, protected vs a no-op middleware',
    'Verification / NestJS adapter',
    'Issuance / NestJS adapter',
    'Scheme / NestJS adapter, Basic <token>:',
    'Middleware / NestJS adapter, protected vs a no-op middleware',
    'OpenID Connect / token endpoint: authorization code exchange',
    'OpenID Connect / token endpoint: refresh (rotating)',
    'OpenID Connect / introspection (RFC 7662)',
  ]) {
    assert.ok(subjects.includes(expected), `missing row "${expected}" in:\n${table}`);
  }
  for (const row of rows) {
    const cells = row.split(' | ');
    assert.equal(cells[7], '0', `non-2xx answers in: ${row}`);
    assert.match(cells[4] ?? '', /^\d+\.\d\d$/, `no ratio in: ${row}`);
  }
});
