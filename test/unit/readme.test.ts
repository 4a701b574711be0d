import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

it('the README opens with the two commands a newcomer runs', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const firstBlock = readme.slice(
    readme.indexOf('```'),
    readme.indexOf('```', readme.indexOf('```') + 3),
  );
  assert.match(firstBlock, /npm install && npm run demo/);
  assert.match(firstBlock, /npm test/);
});
