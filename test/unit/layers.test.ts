import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

// `npm run lint` runs the same check; this copy makes `npm test` alone catch a climb or a circle.
const root = join(import.meta.dirname, '..', '..');

it('src/ keeps the layering of docs/architecture.md: no circles, no climbs, no framework in http/', async () => {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(root, 'tsconfig.json'));
  const { output } = await cruise(['src'], { ...options, baseDir: root }, {}, { tsConfig });
  assert.ok(typeof output === 'object', 'the cruise returns its result as an object');
  const violations = output.summary.violations.map(
    (violation) =>
      `${violation.rule.name}: ${[violation.from, ...(violation.cycle ?? []).map((step) => step.name)].join(' -> ')}` +
      (violation.cycle ? '' : ` -> ${violation.to}`),
  );
  assert.deepEqual(violations, []);
  assert.ok(output.summary.totalCruised > 100, 'the cruise found the source files');
});
