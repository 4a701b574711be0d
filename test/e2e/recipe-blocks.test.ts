// Every shell block of the README and docs/ as a new user pastes it: it parses (bash -n); in
// the guides of docs/ (not the topic pages moved out of the README) each variable the service reads is exported, not merely set in the
// shell (a bare `SECRET_KEY=...` line leaves `ldap-token-auth check` saying `SECRET_KEY must be
// set`); and a configuration block (only exports and comments) hands every variable to the
// program it runs.
// docs/recipes/openldap.md's blocks also run against slapd (test/e2e/openldap-recipe.test.ts),
// docs/recipes/active-directory.md's against Samba AD (test/e2e/active-directory-recipe.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { markdownFiles } from '../helpers/markdown.js';
import { runCommand } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHELLS = new Set(['sh', 'bash', 'shell']);
const NAMES = new Set(ENVIRONMENT.map((variable) => variable.name));

interface Block {
  where: string;
  text: string;
}

function shellBlocks(file: string): Block[] {
  const found: Block[] = [];
  let open: { language: string; line: number; lines: string[] } | undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (!line.startsWith('```')) {
      open?.lines.push(line);
    } else if (!open) {
      open = { language: line.slice(3).trim(), line: index + 1, lines: [] };
    } else {
      if (SHELLS.has(open.language)) {
        found.push({ where: `${relative(ROOT, file)}:${open.line}`, text: open.lines.join('\n') });
      }
      open = undefined;
    }
  }
  return found;
}

/**
 * The topic pages that were the README's sections: their blocks of settings list what to set,
 * wherever the environment is kept, as the README's do. Every other page under docs/ is a guide
 * followed step by step in a shell.
 */
const SETTINGS_PAGES = new Set(
  [
    'answers',
    'directories',
    'groups',
    'keys',
    'limits',
    'performance',
    'security',
    'service',
    'sessions',
    'sign-in',
  ].map((page) => `docs/${page}.md`),
);
const isGuide = (block: Block) =>
  block.where.startsWith('docs/') && !SETTINGS_PAGES.has(block.where.split(':')[0]!);
const BLOCKS = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))].flatMap(shellBlocks);
/** `NAME=value` as a statement of its own (not a prefix of a command, not continued). */
const BARE = /^([A-Z][A-Z0-9_]*)=\S*(?:\s+#.*)?$/;

/** The service's variables a block sets, with `export` or without. */
function settings(text: string): string[] {
  return [...text.matchAll(/^(?:export\s+)?([A-Z][A-Z0-9_]*)=/gm)]
    .map((match) => match[1] ?? '')
    .filter((name) => NAMES.has(name));
}

function isConfiguration(text: string): boolean {
  const statements = text.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
  return (
    statements.length > 0 &&
    statements.every((line) => /^(?:export\s+)?[A-Z][A-Z0-9_]*=/.test(line)) &&
    settings(text).length > 0
  );
}

describe('shell blocks of the README and docs/', () => {
  it('there are blocks to check, configuration blocks among them', () => {
    assert.ok(BLOCKS.length >= 10, `${BLOCKS.length} blocks`);
    const guides = BLOCKS.filter((block) => isGuide(block));
    assert.ok(guides.filter((block) => isConfiguration(block.text)).length >= 3);
  });

  it('every block parses (bash -n)', async () => {
    for (const block of BLOCKS) {
      const run = await runCommand('bash', ['-n'], { input: block.text });
      assert.equal(run.exitCode, 0, `${block.where}: ${run.stderr}`);
    }
  });

  // The README's blocks of settings (`LDAP_GROUP_STRATEGY=search`...), and those of the topic pages
  // moved out of it (SETTINGS_PAGES), list what to set, wherever the environment is kept; the
  // other pages under docs/ are followed step by step in a shell.
  it("in the guides of docs/, no line sets one of the service's variables without exporting it", () => {
    for (const block of BLOCKS.filter(isGuide)) {
      const lines = block.text.split('\n');
      lines.forEach((line, index) => {
        const name = BARE.exec(line)?.[1];
        const continued = lines[index - 1]?.trimEnd().endsWith('\\');
        if (!name || !NAMES.has(name) || continued) return;
        assert.fail(`${block.where}: "${line}" is not exported: write export ${line}`);
      });
    }
  });

  it('in the guides of docs/, each configuration block, run in bash, hands every variable it sets to a program', async () => {
    const guides = BLOCKS.filter((block) => isGuide(block));
    for (const block of guides.filter((candidate) => isConfiguration(candidate.text))) {
      const names = settings(block.text);
      // Unset first: a variable already in the environment stays exported when a block sets it.
      const script = `unset ${[...NAMES].join(' ')}\n${block.text}\nenv`;
      const run = await runCommand('bash', ['-e', '-c', script]);
      assert.equal(run.exitCode, 0, `${block.where}: ${run.stderr}`);
      for (const name of names) {
        assert.match(run.stdout, new RegExp(`^${name}=.+$`, 'm'), `${block.where}: ${name}`);
      }
    }
  });
});
