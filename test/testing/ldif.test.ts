import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { escapeDnValue } from '../../src/testing/dn.js';
import { type LdifEntry, LdifError, parseLdif, serializeLdif } from '../../src/testing/ldif.js';

const FIXTURE = new URL('../fixtures/directory.ldif', import.meta.url);

function lineOfError(text: string): number {
  try {
    parseLdif(text);
  } catch (error) {
    assert.ok(error instanceof LdifError, `expected an LdifError, got ${String(error)}`);
    assert.match(error.message, new RegExp(`^LDIF line ${error.line}: `));
    return error.line;
  }
  assert.fail('expected the LDIF to be refused');
}

describe('parseLdif', () => {
  it('reads the shared fixture', async () => {
    const entries = parseLdif(await readFile(FIXTURE, 'utf8'));
    assert.equal(entries.length, 9);
    const jozef = entries.find((entry) => entry.dn === 'uid=jozef,ou=people,dc=example,dc=org');
    assert.deepEqual(jozef?.attributes.cn, ['Józef Piłsudski']);
    assert.deepEqual(jozef?.attributes.userPassword, ['zażółć gęślą jaźń']);
    assert.deepEqual(entries[0]?.attributes.objectClass, ['top', 'dcObject', 'organization']);
  });

  it('handles comments, folding, base64, version and CRLF', () => {
    const text = [
      'version: 1',
      '# a comment',
      ' that is folded',
      'dn: uid=alice,',
      ' ou=people,dc=example,dc=org',
      'objectClass: inetOrgPerson',
      '# comments may sit inside a record',
      'cn: Alice',
      '  Liddell',
      'description:: w7Nsw6k=',
      'mail:',
      'OBJECTCLASS: top',
      '',
      '',
      'dn:: Y249SsOzemVmLGRjPWV4YW1wbGUsZGM9b3Jn',
      'cn:    Józef   ',
      '',
    ].join('\r\n');
    assert.deepEqual(parseLdif(text), [
      {
        dn: 'uid=alice,ou=people,dc=example,dc=org',
        attributes: {
          objectClass: ['inetOrgPerson', 'top'],
          cn: ['Alice Liddell'],
          description: ['ólé'],
          mail: [''],
        },
      },
      { dn: 'cn=Józef,dc=example,dc=org', attributes: { cn: ['Józef   '] } },
    ]);
  });

  it('accepts version 1 on a line of its own, and empty input', () => {
    assert.deepEqual(parseLdif('version: 1\n\ndn: dc=org\ndc: org\n'), [
      { dn: 'dc=org', attributes: { dc: ['org'] } },
    ]);
    assert.deepEqual(parseLdif(''), []);
    assert.deepEqual(parseLdif('# nothing\n\n'), []);
  });

  it('keeps attribute options and names that collide with Object.prototype', () => {
    const [entry] = parseLdif('dn: cn=x\ncn;lang-fr: x\nconstructor: a\ntoString: b\n');
    assert.deepEqual(entry?.attributes, {
      'cn;lang-fr': ['x'],
      constructor: ['a'],
      toString: ['b'],
    });
  });

  const refusals: [string, string, number][] = [
    ['a record without dn', 'cn: x\n', 1],
    ['a continuation with nothing to continue', ' cn: x\n', 1],
    ['a continuation after a blank line', 'dn: cn=x\ncn: x\n\n cn: y\n', 4],
    ['a line without a colon', 'dn: cn=x\ncn x\n', 2],
    ['an invalid attribute name', 'dn: cn=x\nc n: x\n', 2],
    ['invalid base64', 'dn: cn=x\ncn:: @@@\n', 2],
    ['base64 that is not UTF-8', 'dn: cn=x\njpegPhoto:: /9j/\n', 2],
    ['a URL value', 'dn: cn=x\njpegPhoto:< file:///tmp/x.jpg\n', 2],
    ['a change record', 'dn: cn=x\nchangetype: add\ncn: x\n', 2],
    ['two dn lines in a record', 'dn: cn=x\ncn: x\ndn: cn=y\ncn: y\n', 3],
    ['an invalid DN', '\n\ndn: cn\ncn: x\n', 3],
    ['an entry without attributes', 'dn: cn=x\n\ndn: cn=y\ncn: y\n', 1],
    ['an unknown version', 'version: 2\n\ndn: cn=x\ncn: x\n', 1],
  ];
  for (const [what, text, line] of refusals) {
    it(`refuses ${what}, naming line ${line}`, () => {
      assert.equal(lineOfError(text), line);
    });
  }
});

describe('serializeLdif', () => {
  it('writes plain ASCII as text, folds long lines and base64-encodes the rest', () => {
    const text = serializeLdif([
      {
        dn: 'cn=x',
        attributes: { cn: ['x'], description: [' padded', 'ünï', 'a'.repeat(100)], empty: [''] },
      },
    ]);
    const lines = text.split('\n');
    assert.equal(lines[0], 'version: 1');
    assert.ok(lines.includes('cn: x'));
    assert.ok(lines.includes('description:: IHBhZGRlZA=='));
    assert.ok(lines.includes('empty:'));
    assert.ok(lines.every((line) => line.length <= 76));
  });
});

// Attribute names unique whatever their case, since LDAP (and the parser) merges those.
const attributeName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/);
const attributes = fc
  .uniqueArray(
    fc.tuple(
      attributeName,
      fc.array(fc.string({ unit: 'binary', maxLength: 120 }), { minLength: 1, maxLength: 4 }),
    ),
    { minLength: 1, maxLength: 6, selector: ([name]) => name.toLowerCase() },
  )
  .filter((pairs) => pairs.every(([name]) => !['dn', 'changetype'].includes(name.toLowerCase())))
  .map((pairs) => Object.fromEntries(pairs));
const rdnValue = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const dn = fc
  .array(fc.tuple(attributeName, rdnValue), { minLength: 1, maxLength: 4 })
  .map((rdns) => rdns.map(([type, value]) => `${type}=${escapeDnValue(value)}`).join(','));
const entry: fc.Arbitrary<LdifEntry> = fc.record({ dn, attributes }, { noNullPrototype: true });

describe('LDIF properties', () => {
  it('parse(serialize(entries)) gives the entries back', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        assert.deepEqual(parseLdif(serializeLdif(entries)), entries);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a value that starts with U+FEFF (found by the property above)', () => {
    const entries = [{ dn: 'A=\\00', attributes: { A: ['\uFEFF'] } }];
    assert.deepEqual(parseLdif(serializeLdif(entries)), entries);
  });

  it('round-trips the values that need base64: leading space, colon, <, newlines', () => {
    const awkward = fc.constantFrom(
      ' lead',
      ':colon',
      '<angle',
      'trail ',
      'a\nb',
      'a\r\nb',
      '\0',
      '#x',
    );
    fc.assert(
      fc.property(awkward, fc.string({ unit: 'binary' }), (prefix, rest) => {
        const entries = [
          { dn: 'cn=x', attributes: { description: [prefix + rest, rest + prefix] } },
        ];
        assert.deepEqual(parseLdif(serializeLdif(entries)), entries);
      }),
    );
  });

  const fragments = fc.constantFrom(
    'dn: ',
    'dn:: ',
    'dn: cn=x',
    'cn: x',
    'cn:: ',
    'cn:< ',
    'version: ',
    'changetype: add',
    '#',
    ' ',
    ':',
    '=',
    ',',
    '\\',
    '\\c3',
    '\n',
    '\r\n',
    '\n\n',
    'w7M=',
    '/9j/',
    '\uFEFF',
  );
  const ldifLike = fc
    .array(fc.oneof(fragments, fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 30 })
    .map((parts) => parts.join(''));

  it('throws nothing but LdifError, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(ldifLike, fc.string({ unit: 'binary' })), (text) => {
        try {
          parseLdif(text);
        } catch (error) {
          assert.ok(error instanceof LdifError, `unexpected ${String(error)}`);
          assert.ok(Number.isInteger(error.line) && error.line >= 1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
