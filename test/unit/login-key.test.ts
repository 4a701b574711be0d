// The login limits' key: one key for every spelling a directory equates (case, surrounding and
// repeated spaces, Unicode compatibility forms, AD's DOMAIN\user and user@realm), idempotent, and
// no collision between different plain names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PRESETS } from '../../src/ldap/presets.js';
import { foldName, loginKey } from '../../src/ldap/usernames.js';

const OPENLDAP = PRESETS.openldap;
const AD = PRESETS.activedirectory;
const RUNS = { numRuns: 2000 };

/** A plain account name: what directories hold as uid or sAMAccountName. */
const plainName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,19}$/);
/** Any text, Unicode included (full-width, combining marks, separators, controls). */
const anyText = fc.string({ unit: 'grapheme', maxLength: 30 });
const anyFullUnicode = fc.string({ unit: 'binary', maxLength: 30 });

/** The full-width form (U+FF01..U+FF5E) of the printable ASCII characters of `name`. */
const fullWidth = (name: string) =>
  [...name]
    .map((char) =>
      char >= '!' && char <= '~' ? String.fromCodePoint(char.codePointAt(0)! + 0xfee0) : char,
    )
    .join('');

/** Spellings a case-ignoring LDAP matching rule takes for `name`. */
const spelling = (name: string) =>
  fc
    .tuple(
      fc.constantFrom<(s: string) => string>(
        (s) => s,
        (s) => s.toUpperCase(),
        (s) => s[0]!.toUpperCase() + s.slice(1),
        fullWidth,
        (s) => fullWidth(s.toUpperCase()),
      ),
      fc.constantFrom('', ' ', '  ', '\t', '\u00a0', '\u3000'),
      fc.constantFrom('', ' ', '   ', '\u200b', '\u00ad'),
    )
    .map(([form, before, after]) => `${before}${form(name)}${after}`);

describe('loginKey', () => {
  it('examples: the findings of issue 14', () => {
    for (const typed of [
      'alice',
      'ALICE',
      ' alice',
      'alice ',
      'Alice',
      'ａｌｉｃｅ',
      'ＡＬＩＣＥ',
    ]) {
      assert.equal(loginKey(OPENLDAP, typed), 'alice', JSON.stringify(typed));
    }
    for (const typed of [
      'alice',
      'D1\\alice',
      'd4\\ALICE',
      'alice@example.test',
      'EXAMPLE\\alice@x',
    ]) {
      assert.equal(loginKey(AD, typed), 'alice', typed);
    }
    // Only Active Directory reads those forms: elsewhere they are names of their own.
    assert.equal(loginKey(OPENLDAP, 'D1\\alice'), 'd1\\alice');
    assert.equal(loginKey(OPENLDAP, 'alice@example.org'), 'alice@example.org');
    // Malformed forms stay whole (and match no sAMAccountName).
    assert.equal(loginKey(AD, '\\alice'), '\\alice');
    assert.equal(loginKey(AD, 'a\\b\\c'), 'a\\b\\c');
    assert.equal(loginKey(AD, 'alice@'), 'alice@');
    assert.equal(loginKey(AD, 'DOMAIN\\ '), 'domain\\');
    assert.equal(foldName('Straße'), foldName('STRASSE'));
    assert.equal(foldName('ΟΔΟΣ'), foldName('οδοσ'));
    assert.equal(foldName('a \t  b'), 'a b');
  });

  it('is idempotent, for every preset and any text', () => {
    fc.assert(
      fc.property(fc.constantFrom(OPENLDAP, AD), fc.oneof(anyText, anyFullUnicode), (preset, s) => {
        const key = loginKey(preset, s);
        assert.equal(loginKey(preset, key), key);
        assert.equal(foldName(foldName(s)), foldName(s));
      }),
      RUNS,
    );
  });

  it('maps every spelling a directory equates to the same key', () => {
    fc.assert(
      fc.property(plainName, fc.context(), (name, context) => {
        fc.assert(
          fc.property(spelling(name), (typed) => {
            context.log(JSON.stringify(typed));
            assert.equal(loginKey(OPENLDAP, typed), name);
            assert.equal(loginKey(AD, typed), name);
          }),
          { numRuns: 20 },
        );
      }),
      { numRuns: 300 },
    );
  });

  it('Active Directory: DOMAIN\\user and user@realm, in any spelling, are the bare user', () => {
    const domain = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,14}$/);
    const realm = fc.stringMatching(/^[a-z][a-z0-9-]{0,9}\.[a-z]{2,5}$/);
    fc.assert(
      fc.property(plainName, domain, realm, fc.nat(2), (name, netbios, upnSuffix, form) => {
        const typed = [
          `${netbios}\\${name}`,
          `${name}@${upnSuffix}`,
          `${netbios}\\${name.toUpperCase()}`,
        ][form]!;
        assert.equal(loginKey(AD, typed), name);
        assert.equal(loginKey(AD, fullWidth(typed)), name);
      }),
      RUNS,
    );
  });

  it('different plain names never share a key', () => {
    fc.assert(
      fc.property(fc.constantFrom(OPENLDAP, AD), plainName, plainName, (preset, a, b) => {
        fc.pre(a !== b);
        assert.notEqual(loginKey(preset, a), loginKey(preset, b));
      }),
      RUNS,
    );
  });

  it('a key is never longer than what was typed would need, and empty only for blank input', () => {
    fc.assert(
      fc.property(fc.constantFrom(OPENLDAP, AD), anyText, (preset, s) => {
        const key = loginKey(preset, s);
        assert.equal(key, key.trim());
        assert.ok(!/ {2}/.test(key));
        if (key === '') assert.equal(foldName(s), '');
      }),
      RUNS,
    );
  });
});
