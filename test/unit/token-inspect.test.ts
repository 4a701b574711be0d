import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeToken, duration, expiryInWords } from '../../src/token/inspect.js';
import { TokenSigner } from '../../src/token/tokens.js';

const SECRET = new TextEncoder().encode('k'.repeat(64));
const NOW = 1_700_000_000_000;

describe('expiryInWords', () => {
  it('says how far the expiry is, in the largest unit that keeps two of it', () => {
    const exp = NOW / 1000;
    assert.equal(expiryInWords(exp + 3599, NOW), 'expires in 59 minutes');
    assert.equal(expiryInWords(exp - 180, NOW), 'expired 3 minutes ago');
    assert.equal(expiryInWords(exp + 1, NOW), 'expires in 1 second');
    assert.equal(expiryInWords(exp + 90, NOW), 'expires in 90 seconds');
    assert.equal(expiryInWords(exp + 36 * 3600, NOW), 'expires in 36 hours');
    assert.equal(expiryInWords(exp - 3 * 86_400, NOW), 'expired 3 days ago');
    assert.equal(expiryInWords(exp, NOW), 'expires now');
  });

  it('future is "expires in", past is "expired ... ago", for any distance', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), (offset) => {
        const words = expiryInWords(NOW / 1000 + offset, NOW);
        if (offset > 0) assert.match(words, /^expires in \d+ (second|minute|hour|day)s?$/);
        else if (offset < 0) assert.match(words, /^expired \d+ (second|minute|hour|day)s? ago$/);
        else assert.equal(words, 'expires now');
      }),
    );
  });

  it('duration never overstates: the count times the unit is at most the span', () => {
    const sizes: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86_400 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000_000 }), (seconds) => {
        const [count, unit] = duration(seconds).split(' ') as [string, string];
        const size = sizes[unit.replace(/s$/, '')]!;
        assert.ok(Number(count) * size <= seconds && (Number(count) + 1) * size > seconds);
        assert.ok(Number(count) >= 2 || seconds < 2, duration(seconds));
      }),
    );
  });
});

describe('decodeToken', () => {
  it("reads a signed token's header and claims, as handed out or with Bearer", async () => {
    const signer = new TokenSigner(SECRET, () => NOW);
    const { token, claims } = await signer.sign({ username: 'alice', dn: 'uid=alice' }, 3600);
    for (const form of [token, `${token}:`, `Bearer ${token}`, ` ${token}\n`]) {
      const decoded = decodeToken(form);
      assert.deepEqual(decoded.header, { alg: 'HS256', typ: 'JWT' });
      assert.deepEqual(decoded.claims, claims);
    }
  });

  it('refuses anything that is not a JWT with a TypeError, whatever the input', () => {
    assert.throws(() => decodeToken('not-a-token'), TypeError);
    assert.throws(() => decodeToken('a.b.c'), /not a JWT/);
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const decoded = decodeToken(text);
          assert.equal(typeof decoded.header, 'object');
        } catch (error) {
          assert.ok(error instanceof TypeError, String(error));
        }
      }),
    );
  });
});
