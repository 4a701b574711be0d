import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DnSyntaxError, escapeDnValue, formatDn, parseDn, rdnKey } from '../../src/testing/dn.js';

const sameEntry = (a: string, b: string) =>
  parseDn(a).map(rdnKey).join(',') === parseDn(b).map(rdnKey).join(',');

describe('parseDn', () => {
  it('reads RDNs leftmost first, ignoring spaces around separators', () => {
    assert.deepEqual(parseDn(' uid = alice , ou=people,dc=example '), [
      [{ type: 'uid', value: 'alice' }],
      [{ type: 'ou', value: 'people' }],
      [{ type: 'dc', value: 'example' }],
    ]);
    assert.deepEqual(parseDn(''), []);
    assert.deepEqual(parseDn('cn=a+sn=b'), [
      [
        { type: 'cn', value: 'a' },
        { type: 'sn', value: 'b' },
      ],
    ]);
  });

  it('decodes RFC 4514 escapes, hex pairs as UTF-8 bytes', () => {
    assert.equal(parseDn('cn=Smith\\, John')[0]?.[0]?.value, 'Smith, John');
    assert.equal(parseDn('uid=o\\27brien')[0]?.[0]?.value, "o'brien");
    assert.equal(parseDn('cn=J\\c3\\b3zef')[0]?.[0]?.value, 'Józef');
    assert.equal(parseDn('cn=\\ padded\\ ')[0]?.[0]?.value, ' padded ');
    assert.equal(parseDn('cn=a=b')[0]?.[0]?.value, 'a=b');
  });

  for (const bad of ['cn', 'cn=a,', '=a', '1x=a', 'cn=a\\', 'cn=\\c3', 'cn=#04024869']) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseDn(bad), DnSyntaxError);
    });
  }
});

describe('DN comparison', () => {
  it('ignores case, spacing and escaping differences, as slapd does', () => {
    assert.ok(sameEntry('UID=Alice , OU=People,dc=example', 'uid=alice,ou=people,dc=example'));
    assert.ok(sameEntry('uid=o\\27brien,dc=x', "uid=o'brien,dc=x"));
    assert.ok(sameEntry('cn=J\\c3\\b3zef,dc=x', 'cn=Józef,dc=x'));
    assert.ok(sameEntry('cn=a+sn=b', 'sn=b+cn=a'));
    assert.ok(!sameEntry('cn=a\\,b', 'cn=a,cn=b'));
    assert.ok(!sameEntry('uid=alice,dc=x', 'uid=alice2,dc=x'));
  });
});

describe('DN properties', () => {
  const type = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);
  const value = fc.string({ unit: 'binary', maxLength: 30 });
  const rdns = fc.array(fc.tuple(type, value), { minLength: 1, maxLength: 5 });

  it('parses escaped values back and formats them unchanged', () => {
    fc.assert(
      fc.property(rdns, (pairs) => {
        const dn = pairs.map(([t, v]) => `${t}=${escapeDnValue(v)}`).join(',');
        const parsed = parseDn(dn);
        assert.deepEqual(
          parsed.map((rdn) => [rdn[0]?.type, rdn[0]?.value]),
          pairs,
        );
        assert.equal(formatDn(parsed), dn);
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but DnSyntaxError', () => {
    const pieces = fc.constantFrom('=', ',', '+', '\\', '\\c3', '#', ' ', 'cn', '"');
    const input = fc
      .array(fc.oneof(pieces, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 20 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(input, (text) => {
        try {
          parseDn(text);
        } catch (error) {
          assert.ok(error instanceof DnSyntaxError, `unexpected ${String(error)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

it('parseDn keeps a leading U+FEFF of a value, escaped or not', () => {
  assert.equal(parseDn('cn=\\EF\\BB\\BFops')[0]![0]!.value, '\uFEFFops');
  assert.equal(parseDn('cn=\uFEFFops')[0]![0]!.value, '\uFEFFops');
});
