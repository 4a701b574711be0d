// A token is accepted only as the canonical base64url of its bytes: Node's decoder (jose's) takes
// `<token>=`, `+` for `-`, stray characters and a last character with non-zero unused bits as
// the same bytes, so without the check one token had many spellings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createAuth } from '../../src/core/create-auth.js';
import { InvalidTokenError } from '../../src/errors.js';
import { isCanonicalBase64url, isCanonicalCompactJws } from '../../src/token/canonical.js';
import { TokenSigner } from '../../src/token/tokens.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const SECRET = new TextEncoder().encode('canonical-token-test-secret-0123456789');
const SUBJECT = { username: 'alice', dn: 'uid=alice,ou=people,dc=example,dc=org' };

/** Node's own round trip: the one spelling of the bytes `text` decodes to. */
function reencoded(text: string): string {
  return Buffer.from(text, 'base64url').toString('base64url');
}

/** Characters that appear in mutations: the alphabet, the other alphabet, padding and noise. */
const character = fc.constantFrom(...`${ALPHABET}+/=.!% \t\n~*`.split(''));

/**
 * Spellings of `segment` that Node decodes to the same bytes: padding, the standard alphabet's
 * `+` and `/`, a stray character, or the last character changed within its unused bits.
 */
function sameBytesVariants(segment: string): string[] {
  const variants = [`${segment}=`, `${segment}==`, `${segment}===`];
  variants.push(segment.replaceAll('-', '+').replaceAll('_', '/'));
  variants.push(`${segment.slice(0, 1)}!${segment.slice(1)}`, `${segment} `, `${segment}\n`);
  const rest = segment.length % 4;
  if (rest !== 0) {
    const last = ALPHABET.indexOf(segment.at(-1)!);
    const unused = rest === 2 ? 0b1111 : 0b11;
    for (let bits = 1; bits <= unused; bits++) {
      variants.push(`${segment.slice(0, -1)}${ALPHABET[last ^ bits]}`);
    }
  }
  return variants.filter((variant) => variant !== segment);
}

/** Every same-bytes variant of each of a token's three segments. */
function tokenVariants(token: string): string[] {
  const segments = token.split('.');
  return segments.flatMap((segment, index) =>
    sameBytesVariants(segment).map((variant) =>
      segments.map((other, at) => (at === index ? variant : other)).join('.'),
    ),
  );
}

describe('isCanonicalBase64url', () => {
  it('accepts the encoding of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        assert.ok(isCanonicalBase64url(Buffer.from(bytes).toString('base64url')));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts a string exactly when it is the re-encoding of what it decodes to', () => {
    fc.assert(
      fc.property(fc.string({ unit: character, maxLength: 24 }), (text) => {
        assert.equal(isCanonicalBase64url(text), reencoded(text) === text, JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every other spelling of the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        const canonical = Buffer.from(bytes).toString('base64url');
        for (const variant of sameBytesVariants(canonical)) {
          assert.equal(isCanonicalBase64url(variant), false, JSON.stringify(variant));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('isCanonicalCompactJws', () => {
  it('wants three non-empty canonical segments', () => {
    assert.ok(isCanonicalCompactJws('eyJh.eyJi.c2ln'));
    for (const text of ['eyJh.eyJi', 'eyJh.eyJi.c2ln.c2ln', 'eyJh..c2ln', '.eyJi.c2ln', '']) {
      assert.equal(isCanonicalCompactJws(text), false, text);
    }
  });
});

describe('verification refuses non-canonical spellings of a genuine token', () => {
  it('TokenSigner: the genuine token verifies, none of its variants does', async () => {
    const signer = new TokenSigner(SECRET, Date.now);
    const { token } = await signer.sign(SUBJECT, 600);
    assert.equal((await signer.verify(token)).sub, 'alice');
    const variants = tokenVariants(token);
    assert.ok(variants.length >= 21);
    for (const variant of variants) {
      await assert.rejects(signer.verify(variant), InvalidTokenError, JSON.stringify(variant));
    }
  });

  it('TokenSigner: random mutations are refused unless they are the token itself', async () => {
    const signer = new TokenSigner(SECRET, Date.now);
    const { token } = await signer.sign(SUBJECT, 600);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: token.length }),
        fc.nat({ max: 3 }),
        fc.string({ unit: character, minLength: 0, maxLength: 3 }),
        async (at, removed, inserted) => {
          const variant = token.slice(0, at) + inserted + token.slice(at + removed);
          if (variant === token) return;
          await assert.rejects(signer.verify(variant), InvalidTokenError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('createAuth().verify: a verified, cached token does not vouch for its variants', async () => {
    const auth = createAuth({
      secretKey: 'canonical-token-test-secret-0123456789',
      ldap: { url: 'ldap://127.0.0.1:1', topDn: 'dc=example,dc=org' },
    });
    try {
      const { token } = await new TokenSigner(
        new TextEncoder().encode('canonical-token-test-secret-0123456789'),
        Date.now,
      ).sign(SUBJECT, 600);
      assert.equal((await auth.verify(token)).username, 'alice');
      for (const variant of tokenVariants(token)) {
        await assert.rejects(auth.verify(variant), InvalidTokenError, JSON.stringify(variant));
      }
      // Still known afterwards: the refusals neither evicted nor replaced the cached entry.
      assert.equal((await auth.verify(token)).username, 'alice');
    } finally {
      await auth.close();
    }
  });
});
