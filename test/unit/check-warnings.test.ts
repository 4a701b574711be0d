import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NoSuchObjectError, SizeLimitExceededError } from 'ldapts';
import { checkGroupBase } from '../../src/cli/check/group-checks.js';
import { formatReport, passed, warned } from '../../src/cli/check/steps.js';
import { terminalText } from '../../src/cli/terminal-text.js';
import { resolveOptions } from '../../src/options/resolve.js';

describe('check warnings', () => {
  it('a warning is marked !, keeps its hint, and does not fail the report', () => {
    const text = formatReport({
      ok: true,
      steps: [
        passed('search', 'search LDAP_TOP_DN', 'ok'),
        warned('groups', 'groups', 'not visible', 'let it read them', ['LDAP_GROUP_BASE_DN']),
      ],
    });
    assert.equal(
      text,
      [
        '✓ search LDAP_TOP_DN: ok',
        '! groups: not visible',
        '    hint: let it read them',
        '',
        'All checks passed. 1 warning: see above.',
        '',
      ].join('\n'),
    );
  });

  const options = (strategy: 'search' | 'nested' | 'memberOf') =>
    resolveOptions({
      secretKey: 'x'.repeat(32),
      ldap: {
        url: 'ldap://127.0.0.1',
        topDn: 'ou=people,dc=example,dc=org',
        serviceAccount: { username: 'cn=svc,dc=example,dc=org', password: 'p' },
      },
      groups: { strategy },
    });
  const answering = (outcome: () => Promise<{ searchEntries: { dn: string }[] }>) => ({
    search: outcome as never,
  });

  it('warns when the group base is hidden (noSuchObject) or shows no group, passes otherwise', async () => {
    const hidden = await checkGroupBase(
      answering(() => Promise.reject(new NoSuchObjectError('')) as never),
      options('search'),
    );
    assert.equal(hidden.status, 'warn');
    assert.match(hidden.summary, /dc=example,dc=org is not visible to cn=svc,dc=example,dc=org/);
    assert.match(hidden.summary, /tokens carry no groups/);
    assert.match(hidden.hint ?? '', /access to dn.subtree="dc=example,dc=org"/);
    const empty = await checkGroupBase(
      answering(async () => ({ searchEntries: [] })),
      options('nested'),
    );
    assert.equal(empty.status, 'warn');
    assert.match(empty.summary, /no group entry under dc=example,dc=org is visible/);
    const many = await checkGroupBase(
      answering(() => Promise.reject(new SizeLimitExceededError('')) as never),
      options('search'),
    );
    assert.equal(many.status, 'pass');
    const one = await checkGroupBase(
      answering(async () => ({ searchEntries: [{ dn: 'cn=a,dc=example,dc=org' }] })),
      options('search'),
    );
    assert.equal(one.status, 'pass');
  });
});

describe('terminalText', () => {
  it('drops Markdown code backticks, keeps the text', () => {
    assert.equal(
      terminalText('Required unless `TOKEN_ALGORITHM` is `EdDSA`, `ES256` or `RS256`.'),
      'Required unless TOKEN_ALGORITHM is EdDSA, ES256 or RS256.',
    );
  });

  it('removes only backticks, and every pair of them (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const plain = terminalText(text);
        assert.equal(plain.replaceAll('`', ''), text.replaceAll('`', ''));
        if (!text.includes('`')) assert.equal(plain, text);
      }),
    );
    const word = fc.string().filter((part) => !/[`\n]/.test(part));
    fc.assert(
      fc.property(fc.array(fc.tuple(word, word)), (parts) => {
        const text = parts.map(([prose, code]) => `${prose}\`${code}\``).join('');
        assert.equal(terminalText(text), parts.map(([prose, code]) => prose + code).join(''));
      }),
    );
  });
});
