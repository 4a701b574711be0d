import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { configurationDocument } from '../../scripts/docs.js';
import { optionDocs } from '../../scripts/option-docs.js';
import { ENVIRONMENT } from '../../src/options/from-env.js';

const options = optionDocs();

it('docs/configuration.md matches src/options/environment/ and src/options/types.ts (npm run docs rewrites it)', () => {
  const path = join(import.meta.dirname, '..', '..', 'docs', 'configuration.md');
  const written = readFileSync(path, 'utf8');
  assert.equal(
    written,
    configurationDocument(options),
    'docs/configuration.md is stale: run npm run docs',
  );
});

it('lists every environment variable, and every option of createAuth with its type', () => {
  const document = configurationDocument(options);
  for (const variable of ENVIRONMENT) {
    assert.ok(document.includes(`| \`${variable.name}\` |`), variable.name);
  }
  for (const option of options) assert.ok(document.includes(`| \`${option.path}\``), option.path);
  assert.ok(options.some((option) => option.path === 'ldap.tls.ca'));
  assert.ok(options.some((option) => option.path === 'redis.sentinels.hosts'));
});

it('every variable sets an option that exists in src/options/types.ts', () => {
  const paths = new Set(options.map((option) => option.path));
  for (const variable of ENVIRONMENT.filter((candidate) => !candidate.service)) {
    assert.ok(
      paths.has(variable.option),
      `${variable.name} sets ${variable.option}, no such option`,
    );
  }
});

it('every option of createAuth says what it does', () => {
  for (const option of options) assert.notEqual(option.doc, '', `${option.path} has no JSDoc`);
});
