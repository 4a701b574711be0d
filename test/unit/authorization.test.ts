import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  parseAuthorization,
  presentedToken,
  presentedTokenOf,
} from '../../src/http/authorization.js';

function basic(userPass: string | Uint8Array, scheme = 'Basic'): string {
  return `${scheme} ${Buffer.from(userPass).toString('base64')}`;
}

/** Every casing of a scheme name, e.g. `bAsIc`. */
function casing(scheme: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: scheme.length, maxLength: scheme.length })
    .map((upper) =>
      [...scheme].map((char, index) => (upper[index] ? char.toUpperCase() : char)).join(''),
    );
}

/** Well-formed Unicode (no lone surrogates), which UTF-8 can carry. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);
const b64token = fc.stringMatching(/^[A-Za-z0-9\-._~+/]+=*$/);

describe('parseAuthorization', () => {
  it('reads a Basic credential', () => {
    assert.deepEqual(parseAuthorization(basic('alice:wonderland')), {
      scheme: 'basic',
      username: 'alice',
      password: 'wonderland',
    });
  });

  it('splits at the first colon only: the password may contain colons', () => {
    assert.deepEqual(parseAuthorization(basic('alice:a:b:')), {
      scheme: 'basic',
      username: 'alice',
      password: 'a:b:',
    });
  });

  it("reads flask-ldap-auth's `Basic <token>:` as a username with an empty password", () => {
    assert.deepEqual(parseAuthorization(basic('eyJ.abc.def:')), {
      scheme: 'basic',
      username: 'eyJ.abc.def',
      password: '',
    });
  });

  it('decodes UTF-8 credentials', () => {
    assert.deepEqual(parseAuthorization(basic('zoë:pässwörd😀')), {
      scheme: 'basic',
      username: 'zoë',
      password: 'pässwörd😀',
    });
  });

  it('reads a Bearer credential, scheme in any case, extra spaces around', () => {
    assert.deepEqual(parseAuthorization('Bearer abc.DEF-_~+/=='), {
      scheme: 'bearer',
      token: 'abc.DEF-_~+/==',
    });
    assert.deepEqual(parseAuthorization('  bEARER    tok  '), { scheme: 'bearer', token: 'tok' });
    assert.deepEqual(parseAuthorization(basic('a:b', 'BASIC')), {
      scheme: 'basic',
      username: 'a',
      password: 'b',
    });
  });

  it('refuses a missing or empty header', () => {
    assert.equal(parseAuthorization(undefined), undefined);
    assert.equal(parseAuthorization(''), undefined);
    assert.equal(parseAuthorization('   '), undefined);
  });

  it('refuses a header with no scheme', () => {
    assert.equal(parseAuthorization(Buffer.from('alice:pw').toString('base64')), undefined);
    assert.equal(parseAuthorization('Basic'), undefined);
    assert.equal(parseAuthorization('Bearer'), undefined);
    assert.equal(parseAuthorization('Bearer '), undefined);
    assert.equal(parseAuthorization(' YWxpY2U6cHc='), undefined);
  });

  it('refuses unknown schemes', () => {
    for (const scheme of ['Digest', 'Negotiate', 'Token', 'Basic:', 'Basicc', 'Bearer2', 'JWT']) {
      assert.equal(parseAuthorization(basic('alice:pw', scheme)), undefined, scheme);
    }
  });

  it('refuses Basic without a colon', () => {
    assert.equal(parseAuthorization(basic('alice')), undefined);
    assert.equal(parseAuthorization(basic('')), undefined);
  });

  it('refuses Basic credentials that are not base64', () => {
    for (const credentials of [
      'not base64!',
      'YWxp Y2U6cHc=',
      'YWxpY2U6cHc=x',
      '=YWxpY2U6cHc',
      'YWxpY2U6cHc===',
      'YWxpY2U-cHc_',
      'Y',
      'YWxpY',
    ]) {
      assert.equal(parseAuthorization(`Basic ${credentials}`), undefined, credentials);
    }
  });

  it('refuses Basic credentials that are not valid UTF-8', () => {
    const invalid = [
      [0x61, 0x3a, 0xff],
      [0xc3, 0x28, 0x3a, 0x62],
      [0x61, 0x3a, 0xed, 0xa0, 0x80], // an encoded surrogate
      [0x61, 0x3a, 0xc0, 0xaf], // an overlong encoding
      [0x61, 0x3a, 0xe2, 0x82], // truncated
    ];
    for (const bytes of invalid) {
      assert.equal(parseAuthorization(basic(new Uint8Array(bytes))), undefined, String(bytes));
    }
  });

  it('refuses Bearer tokens outside the RFC 6750 b64token grammar', () => {
    for (const token of ['a b', 'a,b', '=abc', 'a=b', 'tök', 'a"b', 'a;b', 'a:b']) {
      assert.equal(parseAuthorization(`Bearer ${token}`), undefined, token);
    }
  });

  it('reads headers up to 8192 characters and refuses longer ones unread', () => {
    // 'Basic ' + 4 * 2046 base64 characters (6138 bytes) = 8190; trailing spaces count too.
    const header = basic(`a:${'p'.repeat(6138 - 2)}`);
    assert.equal(header.length, 8190);
    assert.equal(parseAuthorization(header)?.scheme, 'basic');
    assert.equal(parseAuthorization(`${header}  `)?.scheme, 'basic'); // 8192: still read
    assert.equal(parseAuthorization(`${header}   `), undefined); // 8193
    const bearer = `Bearer ${'t'.repeat(8192 - 7)}`;
    assert.equal(bearer.length, 8192);
    assert.equal(parseAuthorization(bearer)?.scheme, 'bearer');
    assert.equal(parseAuthorization(`${bearer}t`), undefined);
  });

  it('never throws, whatever the header', () => {
    const nearValid = fc.tuple(
      fc.oneof(casing('basic'), casing('bearer'), fc.string({ maxLength: 8 })),
      fc.constantFrom(' ', '  ', '\t', ''),
      fc.oneof(
        fc.base64String({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes).toString('base64')),
        b64token,
        fc.string({ unit: 'binary', maxLength: 40 }),
      ),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.string({ unit: 'grapheme' }),
          nearValid.map(([scheme, gap, rest]) => `${scheme}${gap}${rest}`),
        ),
        (header) => {
          const result = parseAuthorization(header);
          if (result !== undefined)
            assert.ok(result.scheme === 'basic' || result.scheme === 'bearer');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('round-trips Basic for any username without a colon and any password', () => {
    fc.assert(
      fc.property(
        casing('basic'),
        text.filter((username) => !username.includes(':')),
        text,
        (scheme, username, password) => {
          assert.deepEqual(parseAuthorization(basic(`${username}:${password}`, scheme)), {
            scheme: 'basic',
            username,
            password,
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips a username starting with U+FEFF (a leading BOM is not stripped)', {}, () => {
    assert.deepEqual(parseAuthorization(basic('\uFEFFalice:pw')), {
      scheme: 'basic',
      username: '\uFEFFalice',
      password: 'pw',
    });
  });

  it('round-trips Bearer for any RFC 6750 b64token', () => {
    fc.assert(
      fc.property(casing('bearer'), b64token, (scheme, token) => {
        assert.deepEqual(parseAuthorization(`${scheme} ${token}`), { scheme: 'bearer', token });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('presentedToken', () => {
  it('takes the token from `Basic <token>:`', () => {
    assert.equal(presentedToken(parseAuthorization(basic('a.b.c:'))), 'a.b.c');
  });

  it('takes the username of Basic and ignores the password', () => {
    assert.equal(presentedToken(parseAuthorization(basic('a.b.c:ignored'))), 'a.b.c');
  });

  it('takes the token from Bearer', () => {
    assert.equal(presentedToken(parseAuthorization('Bearer a.b.c')), 'a.b.c');
    assert.equal(presentedToken({ scheme: 'bearer', token: 'xyz' }), 'xyz');
  });

  it('gives nothing for an empty username or no credentials', () => {
    assert.equal(presentedToken(parseAuthorization(basic(':'))), undefined);
    assert.equal(presentedToken(parseAuthorization(basic(':password'))), undefined);
    assert.equal(presentedToken({ scheme: 'basic', username: '', password: 'x' }), undefined);
    assert.equal(presentedToken(undefined), undefined);
    assert.equal(presentedToken(parseAuthorization('Digest abc')), undefined);
  });
});

describe('presentedTokenOf', () => {
  const decoded = (header: string) => presentedToken(parseAuthorization(header));

  it('gives what the parser gives, for any header, seen once or again', () => {
    const header = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc
        .tuple(casing('basic'), fc.constantFrom(' ', '  ', '\t'), text, text)
        .map(
          ([scheme, gap, username, password]) =>
            `${scheme}${gap}${Buffer.from(`${username}:${password}`).toString('base64')}`,
        ),
      fc.tuple(casing('basic'), fc.base64String({ maxLength: 40 })).map(([s, b]) => `${s} ${b}`),
      fc.tuple(casing('bearer'), b64token).map(([scheme, token]) => `${scheme} ${token}`),
    );
    fc.assert(
      fc.property(header, (value) => {
        const expected = decoded(value);
        assert.equal(presentedTokenOf(value), expected);
        assert.equal(presentedTokenOf(value), expected); // the second sight, from memory
      }),
      { numRuns: 3000 },
    );
  });

  it('remembers the seed form only: a refused header stays refused on every sight', () => {
    const token = basic('a.b.c:');
    for (let sight = 0; sight < 3; sight++) assert.equal(presentedTokenOf(token), 'a.b.c');
    for (const refused of ['Basic YS5iLmM', 'Basic YS5iLmM6=', basic(':'), `${token}!`]) {
      for (let sight = 0; sight < 3; sight++)
        assert.equal(presentedTokenOf(refused), undefined, refused);
    }
    assert.equal(presentedTokenOf(undefined), undefined);
  });

  it('tells apart headers that end alike', () => {
    const ending = 'x'.repeat(60);
    const first = basic(`first.${ending}:`);
    const other = basic(`other.${ending}:`);
    assert.equal(first.slice(-40), other.slice(-40));
    for (let sight = 0; sight < 3; sight++) {
      assert.equal(presentedTokenOf(first), `first.${ending}`);
      assert.equal(presentedTokenOf(other), `other.${ending}`);
      assert.equal(presentedTokenOf(`${first.slice(0, 10)}!${first.slice(11)}`), undefined);
    }
  });

  it('keeps a bounded memory: past its bound, older headers are read again, still right', () => {
    const headers = Array.from({ length: 3000 }, (_, index) => basic(`t${index}.x.y:`));
    for (const header of headers) presentedTokenOf(header);
    for (const [index, header] of headers.entries())
      assert.equal(presentedTokenOf(header), `t${index}.x.y`);
  });
});
