// npm run docs: writes the configuration table into README.md, between its markers, from the
// ENVIRONMENT table in src/env.ts (the one source of truth). test/unit/readme.test.ts fails
// when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENT } from '../src/env.js';

export const BEGIN = '<!-- configuration:begin (npm run docs) -->';
export const END = '<!-- configuration:end -->';

export function configurationTable(): string {
  const rows = ENVIRONMENT.map((variable) => {
    const fallback = variable.required
      ? variable.hs256Only
        ? 'required with HS256'
        : 'required'
      : variable.default
        ? `\`${variable.default}\``
        : 'none';
    // A pipe ends a table cell even inside a code span, unless escaped (GFM).
    const cell = (text: string) => text.replaceAll('|', '\\|');
    return `| \`${variable.name}\` | \`${variable.option}\` | ${cell(fallback)} | ${cell(variable.description)} |`;
  });
  return ['| variable | option | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function withTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} ... ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${configurationTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const path = join(import.meta.dirname, '..', 'README.md');
  writeFileSync(path, withTable(readFileSync(path, 'utf8')));
}
