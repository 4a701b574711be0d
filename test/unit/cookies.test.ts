// The cookie reader and writer of the sign-in: round trips, and no input that makes them throw
// or hand back a value a browser would not have stored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cookieValue,
  cookieValues,
  hostPrefixed,
  serializeCookie,
} from '../../src/http/browser/cookies.js';

const NAME_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const cookieName = fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 20 });
const VALUE_CHARS = Array.from({ length: 0x7f - 0x21 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).filter((char) => !'",;\\'.includes(char));
const cookieOctets = fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 60 });

describe('cookies', () => {
  it('__Host- only where the prefix is allowed: Secure and no Domain', () => {
    assert.equal(hostPrefixed('sso', { secure: true }), '__Host-sso');
    assert.equal(hostPrefixed('sso', { secure: true, domain: 'example.org' }), 'sso');
    assert.equal(hostPrefixed('sso', { secure: false }), 'sso');
  });

  it('reads a named value among others, quoted or not, with odd spacing', () => {
    const header = 'a=1; ldap_token_auth=abc.def-ghi;x=2;  y="quoted" ; z';
    assert.equal(cookieValue(header, 'ldap_token_auth'), 'abc.def-ghi');
    assert.equal(cookieValue(header, 'y'), 'quoted');
    assert.equal(cookieValue(header, 'z'), undefined);
    assert.equal(cookieValue(header, 'ldap_token'), undefined, 'not a prefix match');
    assert.deepEqual(cookieValues('s=1; s=2; t=3', 's'), ['1', '2']);
    assert.equal(cookieValue(undefined, 's'), undefined);
    assert.equal(cookieValue('s=a b', 's'), undefined, 'not a cookie-octet value');
    assert.equal(cookieValue(`s=${'a'.repeat(20_000)}`, 's'), undefined, 'too long to read');
  });

  it('writes the attributes in a fixed order', () => {
    assert.equal(
      serializeCookie('sid', 'v', {
        maxAge: 3600,
        domain: 'example.org',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      }),
      'sid=v; Max-Age=3600; Domain=example.org; Path=/; Secure; HttpOnly; SameSite=Lax',
    );
    assert.equal(serializeCookie('sid', ''), 'sid=');
  });

  it('refuses to write what would break the header', () => {
    assert.throws(() => serializeCookie('a=b', 'v'), TypeError);
    assert.throws(() => serializeCookie('a', 'v; Domain=evil'), TypeError);
    assert.throws(() => serializeCookie('a', 'v\r\nSet-Cookie: x=y'), TypeError);
    assert.throws(() => serializeCookie('a', 'v', { maxAge: -1 }), TypeError);
    assert.throws(() => serializeCookie('a', 'v', { domain: 'a;b' }), TypeError);
    assert.throws(() => serializeCookie('a', 'v', { path: '/;x' }), TypeError);
  });

  it('property: what is written is read back, among other cookies', () => {
    fc.assert(
      fc.property(
        cookieName,
        cookieOctets,
        fc.array(fc.tuple(cookieName, cookieOctets), { maxLength: 4 }),
        (name, value, others) => {
          const pair = serializeCookie(name, value);
          const rest = others.filter(([other]) => other !== name).map(([n, v]) => `${n}=${v}`);
          const header = [...rest, pair, ...rest].join('; ');
          assert.equal(cookieValue(header, name), value);
        },
      ),
    );
  });

  it('property: never throws, and only hands back cookie-octets', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), cookieName, (header, name) => {
        for (const value of cookieValues(header, name)) {
          assert.match(value, /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/);
        }
      }),
    );
  });

  it('property: a value written is always a single header-safe line', () => {
    fc.assert(
      fc.property(cookieName, fc.string({ unit: 'binary', maxLength: 40 }), (name, value) => {
        try {
          assert.doesNotMatch(serializeCookie(name, value, { path: '/' }), /[\r\n\0;]{1}(?! )/);
        } catch (error) {
          assert.ok(error instanceof TypeError);
        }
      }),
    );
  });
});
