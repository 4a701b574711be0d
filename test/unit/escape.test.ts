import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EqualityFilter, FilterParser } from 'ldapts';
import { escapeDnValue, isAttributeName, userFilter } from '../../src/ldap/escape.js';

/** One piece of an RFC 4514 attribute value: a literal character, or what an escape stands for. */
type Piece = { escaped: false; text: string } | { escaped: true; text: string; hex: boolean };

/** Characters RFC 4514 (2.4) lets follow a backslash as themselves: `special`, SPACE and `\`. */
const ESCAPABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Splits an escaped value into pieces, independently of the code under test. Runs of `\XX`
 * escapes are gathered and decoded as UTF-8 together, as RFC 4514 says they are bytes.
 * @throws {Error} on a backslash that starts no valid escape.
 */
function pieces(value: string): Piece[] {
  const result: Piece[] = [];
  let index = 0;
  while (index < value.length) {
    const char = value[index]!;
    if (char !== '\\') {
      result.push({ escaped: false, text: char });
      index += 1;
      continue;
    }
    const pair = value.slice(index + 1, index + 3);
    if (HEX_PAIR.test(pair)) {
      const bytes: number[] = [];
      while (value[index] === '\\' && HEX_PAIR.test(value.slice(index + 1, index + 3))) {
        bytes.push(Number.parseInt(value.slice(index + 1, index + 3), 16));
        index += 3;
      }
      result.push({ escaped: true, hex: true, text: strictUtf8.decode(new Uint8Array(bytes)) });
      continue;
    }
    const next = value[index + 1];
    if (next === undefined || !ESCAPABLE.has(next)) {
      throw new Error(`invalid escape at ${index} in ${JSON.stringify(value)}`);
    }
    result.push({ escaped: true, hex: false, text: next });
    index += 2;
  }
  return result;
}

function unescapeDnValue(value: string): string {
  return pieces(value)
    .map((piece) => piece.text)
    .join('');
}

/** Characters that must never appear unescaped anywhere in a value (RFC 4514, 2.4). */
const NEVER_LITERAL = new Set([',', '+', ';', '"', '<', '>', '=', '\0', '\\']);

const special = fc.constantFrom(',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ', '\0', 'a', 'é');
/** Strings dense in the characters RFC 4514 cares about, mixed with arbitrary code points. */
const dnValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: special, maxLength: 40 }),
  fc.string({ unit: fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) }),
);

describe('escapeDnValue', () => {
  it('escapes each RFC 4514 special character in place', () => {
    assert.equal(escapeDnValue('a,b+c"d\\e<f>g;h=i'), 'a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h\\=i');
  });

  it('escapes a leading space or # and a trailing space, and only those', () => {
    assert.equal(escapeDnValue(' #a, b+c '), '\\ #a\\, b\\+c\\ ');
    assert.equal(escapeDnValue('#a#'), '\\#a#');
    assert.equal(escapeDnValue('a b'), 'a b');
    assert.equal(escapeDnValue(' '), '\\ ');
    assert.equal(escapeDnValue('  '), '\\ \\ ');
    assert.equal(escapeDnValue('   '), '\\  \\ ');
    assert.equal(escapeDnValue('#'), '\\#');
  });

  it('escapes NUL as \\00 and leaves other characters alone', () => {
    assert.equal(escapeDnValue('a\0b'), 'a\\00b');
    assert.equal(escapeDnValue('\0'), '\\00');
    assert.equal(escapeDnValue('Ünïcødé 😀'), 'Ünïcødé 😀');
    assert.equal(escapeDnValue(''), '');
  });

  it('round-trips through an independent RFC 4514 unescaper', () => {
    fc.assert(
      fc.property(dnValue, (value) => {
        assert.equal(unescapeDnValue(escapeDnValue(value)), value);
      }),
      { numRuns: 2000 },
    );
  });

  it('never leaves a special character, NUL or backslash unescaped', () => {
    fc.assert(
      fc.property(dnValue, (value) => {
        const escaped = pieces(escapeDnValue(value));
        for (const piece of escaped) {
          if (!piece.escaped) assert.ok(!NEVER_LITERAL.has(piece.text), JSON.stringify(value));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never starts with an unescaped space or #, nor ends with an unescaped space', () => {
    fc.assert(
      fc.property(dnValue, (value) => {
        const escaped = pieces(escapeDnValue(value));
        const first = escaped[0];
        const last = escaped.at(-1);
        if (first && !first.escaped) assert.ok(first.text !== ' ' && first.text !== '#');
        if (last && !last.escaped) assert.notEqual(last.text, ' ');
      }),
      { numRuns: 2000 },
    );
  });

  it('the test unescaper itself refuses malformed escapes', () => {
    assert.throws(() => unescapeDnValue('a\\'), /invalid escape/);
    assert.throws(() => unescapeDnValue('a\\q'), /invalid escape/);
    assert.equal(unescapeDnValue('\\c3\\a9\\2c'), 'é,');
  });
});

describe('userFilter', () => {
  it('builds an equality filter on the attribute', () => {
    const filter = userFilter('uid', 'alice');
    assert.ok(filter instanceof EqualityFilter);
    assert.equal(filter.toString(), '(uid=alice)');
  });

  it('escapes injection attempts into literal assertion values', () => {
    assert.equal(userFilter('uid', 'alice)(uid=*').toString(), '(uid=alice\\29\\28uid=\\2a)');
    assert.equal(userFilter('uid', '*').toString(), '(uid=\\2a)');
    assert.equal(userFilter('cn', 'a\\b\0').toString(), '(cn=a\\5cb\\00)');
    assert.equal(userFilter('2.5.4.3', 'a*').toString(), '(2.5.4.3=a\\2a)');
  });

  const filterValue = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({
      unit: fc.constantFrom('*', '(', ')', '\\', '\0', '=', '&', '|', '!', 'a', 'é', '😀'),
    }),
    fc.constantFrom('alice)(uid=*', '*', '*)(|(objectClass=*)', 'a\\2a', ''),
  );

  it('parses back (with ldapts FilterParser) to an equality filter whose value is the input', () => {
    fc.assert(
      fc.property(
        // ldapts's FilterParser does not parse numeric-OID attributes, so only names here.
        fc.constantFrom('uid', 'cn', 'mail', 'sAMAccountName'),
        filterValue,
        (attribute, value) => {
          const parsed = FilterParser.parseString(userFilter(attribute, value).toString());
          assert.ok(parsed instanceof EqualityFilter);
          assert.equal(parsed.attribute, attribute);
          assert.equal(parsed.value, value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves no raw filter metacharacter in the value part of the string form', () => {
    fc.assert(
      fc.property(filterValue, (value) => {
        const text = userFilter('uid', value).toString();
        assert.ok(text.startsWith('(uid=') && text.endsWith(')'));
        const inner = text.slice('(uid='.length, -1);
        assert.doesNotMatch(inner, /[()*\0]/);
        assert.doesNotMatch(inner.replace(/\\[0-9a-fA-F]{2}/g, ''), /\\/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isAttributeName', () => {
  it('accepts attribute names and numeric OIDs', () => {
    for (const name of ['uid', 'cn', 'mail', 'sAMAccountName', 'x-custom-1', '2.5.4.3', '0.9']) {
      assert.equal(isAttributeName(name), true, name);
    }
  });

  it('refuses anything else', () => {
    for (const name of [
      '',
      '1uid',
      '-uid',
      'uid=',
      'u id',
      ' uid',
      'uid\n',
      'uid;binary',
      'uid*',
      'uid)(cn',
      '2',
      '2.',
      '.2',
      '2..5',
      'ui_d',
      'üid',
    ]) {
      assert.equal(isAttributeName(name), false, JSON.stringify(name));
    }
  });

  it('accepts only strings made of letters, digits, hyphens and dots', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (value) => {
        if (isAttributeName(value)) assert.match(value, /^[A-Za-z0-9.-]+$/);
      }),
      { numRuns: 2000 },
    );
  });
});
