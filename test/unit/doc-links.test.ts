// Every relative link and anchor of README.md and docs/ leads somewhere: the file exists, and an
// anchor names a heading (by GitHub's slug) or an explicit <a id> of the page it points into.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchorsOf, githubSlug, markdownFiles, relativeLinks } from '../helpers/markdown.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The links of `text` (the page at `file`) that lead nowhere, each with the reason. */
function brokenLinks(file: string, text: string, read: (path: string) => string): string[] {
  return relativeLinks(text).flatMap((link) => {
    const [path = '', anchor] = link.split('#', 2);
    const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (path !== '' && !existsSync(target)) return [`${link}: no such file`];
    if (anchor === undefined || !target.endsWith('.md')) return [];
    const anchors = anchorsOf(path === '' ? text : read(target));
    return anchors.has(decodeURIComponent(anchor)) ? [] : [`${link}: no such heading`];
  });
}

const read = (path: string): string => readFileSync(path, 'utf8');

describe('links between the README and docs/', () => {
  it('every relative link and anchor resolves', () => {
    const files = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];
    const broken = files.flatMap((file) =>
      brokenLinks(file, read(file), read).map((problem) => `${relative(ROOT, file)}: ${problem}`),
    );
    assert.ok(files.length > 10, `${files.length} pages`);
    assert.deepEqual(broken, []);
  });

  it('finds a missing page, a missing heading and a missing anchor in a page', () => {
    const page = join(ROOT, 'docs', 'fixture.md');
    const text = [
      '# A page',
      '<a id="kept"></a>',
      '[fine](#a-page) [kept](#kept) [sibling](groups.md) [root](../README.md#the-walkthrough)',
      '[gone](no-such-page.md) [lost](#no-such-heading) [elsewhere](keys.md#no-such-heading)',
      '`[in code](nowhere.md)` [outside](https://example.org/nowhere)',
      '```',
      '[in a block](nowhere-either.md)',
      '```',
    ].join('\n');
    assert.deepEqual(brokenLinks(page, text, read), [
      'no-such-page.md: no such file',
      '#no-such-heading: no such heading',
      'keys.md#no-such-heading: no such heading',
    ]);
  });

  it('slugs headings as GitHub does, repeats numbered', () => {
    const headings = [
      'Attributes, groups and authorization',
      '3. Safe defaults, and how to relax them',
      '`memberOf` (the default)',
      'The subject: who a token names',
      'The subject: who a token names',
      'Forward auth behind nginx, Traefik or Caddy',
    ];
    const seen = new Map<string, number>();
    assert.deepEqual(
      headings.map((heading) => githubSlug(heading, seen)),
      [
        'attributes-groups-and-authorization',
        '3-safe-defaults-and-how-to-relax-them',
        'memberof-the-default',
        'the-subject-who-a-token-names',
        'the-subject-who-a-token-names-1',
        'forward-auth-behind-nginx-traefik-or-caddy',
      ],
    );
  });
});
