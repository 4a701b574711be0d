import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { InvalidTokenError, TokenExpiredError } from '../../src/errors.js';
import { TokenSigner } from '../../src/token/tokens.js';

const SECRET = new TextEncoder().encode('k'.repeat(64));
const OTHER_SECRET = new TextEncoder().encode('o'.repeat(64));
const START = 1_700_000_000_000; // a whole second, in milliseconds
const SUBJECT = { username: 'alice', dn: 'uid=alice,ou=people,dc=example,dc=org' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The only messages a token error may carry. */
const MESSAGES = new Set([
  'The token is not valid',
  'The token has expired',
  'The token has no dn claim',
]);

function frozenClock(start = START) {
  const clock = { ms: start, now: () => clock.ms };
  return clock;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Awaits `promise` and returns what it rejected with; fails if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<InvalidTokenError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      error instanceof InvalidTokenError,
      `expected InvalidTokenError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail('expected the token to be refused');
}

/** Refused as invalid, not as expired, with a message that does not repeat the token. */
async function assertInvalid(signer: TokenSigner, token: string): Promise<void> {
  const error = await rejection(signer.verify(token));
  assert.ok(!(error instanceof TokenExpiredError), 'must not be reported as expired');
  assert.equal(error.code, 'ERR_INVALID_TOKEN');
  assert.ok(MESSAGES.has(error.message), error.message);
  assert.ok(!error.message.includes(token));
}

describe('TokenSigner', () => {
  it('signs and verifies, with sub, dn, iat, exp = iat + duration, and a uuid jti', async () => {
    const clock = frozenClock();
    const signer = new TokenSigner(SECRET, clock.now);
    const signed = await signer.sign(SUBJECT, 600);
    assert.deepEqual(signed.claims, {
      sub: 'alice',
      dn: SUBJECT.dn,
      iat: START / 1000,
      nbf: START / 1000,
      exp: START / 1000 + 600,
      jti: signed.claims.jti,
      auth_time: START / 1000,
    });
    assert.match(signed.claims.jti, UUID);
    // A refresh carries the login's time over.
    assert.equal((await signer.sign(SUBJECT, 600, 12345)).claims.auth_time, 12345);
    assert.deepEqual(await signer.verify(signed.token), signed.claims);

    const [header, payload, signature] = signed.token.split('.');
    assert.deepEqual(decode(header!), { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(decode(payload!), { ...signed.claims });
    assert.match(signature!, /^[A-Za-z0-9_-]{43}$/);
  });

  it('takes iat from the frozen clock, rounded down to the second', async () => {
    const signer = new TokenSigner(SECRET, () => START + 999);
    const { claims } = await signer.sign(SUBJECT, 1);
    assert.equal(claims.iat, START / 1000);
    assert.equal(claims.exp, START / 1000 + 1);
  });

  it('gives each token its own jti', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    const first = await signer.sign(SUBJECT, 60);
    const second = await signer.sign(SUBJECT, 60);
    assert.notEqual(first.claims.jti, second.claims.jti);
    assert.notEqual(first.token, second.token);
  });

  it('keeps non-ASCII usernames and DNs intact', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    const subject = { username: 'zoë😀', dn: 'cn=Zoë\\, the first,ou=people,dc=example,dc=org' };
    const { token } = await signer.sign(subject, 60);
    const claims = await signer.verify(token);
    assert.equal(claims.sub, subject.username);
    assert.equal(claims.dn, subject.dn);
  });

  it('accepts a token one second before exp and refuses it as expired at exp', async () => {
    const clock = frozenClock();
    const signer = new TokenSigner(SECRET, clock.now);
    const { token, claims } = await signer.sign(SUBJECT, 600);

    clock.ms = (claims.exp - 1) * 1000;
    assert.deepEqual(await signer.verify(token), claims);
    clock.ms = claims.exp * 1000 - 1;
    assert.deepEqual(await signer.verify(token), claims);

    clock.ms = claims.exp * 1000;
    const error = await rejection(signer.verify(token));
    assert.ok(error instanceof TokenExpiredError);
    assert.equal(error.code, 'ERR_TOKEN_EXPIRED');
    assert.equal(error.message, 'The token has expired');
    assert.ok(!error.message.includes(token));

    clock.ms = claims.exp * 1000 + 86_400_000;
    assert.ok((await rejection(signer.verify(token))) instanceof TokenExpiredError);
  });

  it('refuses a token signed with another secret as invalid, not expired', async () => {
    const clock = frozenClock();
    const other = new TokenSigner(OTHER_SECRET, clock.now);
    const signer = new TokenSigner(SECRET, clock.now);
    const { token } = await other.sign(SUBJECT, 60);
    await assertInvalid(signer, token);
    // Expired as well as foreign: the signature is what matters.
    clock.ms += 3_600_000;
    await assertInvalid(signer, token);
  });

  it('refuses an altered payload that keeps the original signature', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    const { token, claims } = await signer.sign(SUBJECT, 60);
    const [header, , signature] = token.split('.');
    for (const changed of [
      { ...claims, sub: 'mallory' },
      { ...claims, dn: 'cn=admin,dc=example,dc=org' },
      { ...claims, exp: claims.exp + 86_400 },
    ]) {
      await assertInvalid(signer, `${header}.${b64url(changed)}.${signature}`);
    }
    // A single flipped character in the signature too.
    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    await assertInvalid(signer, flipped);
  });

  it('refuses an unsigned alg: none token', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    const { claims } = await signer.sign(SUBJECT, 60);
    const payload = b64url(claims);
    await assertInvalid(signer, `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`);
    await assertInvalid(signer, `${b64url({ alg: 'None', typ: 'JWT' })}.${payload}.`);
    await assertInvalid(signer, `${b64url({ typ: 'JWT' })}.${payload}.`);
  });

  it('refuses HS384/HS512 tokens made with the same secret: the algorithm is pinned', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    for (const alg of ['HS384', 'HS512']) {
      const token = await new SignJWT({ dn: SUBJECT.dn })
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setSubject('alice')
        .setIssuedAt(START / 1000)
        .setExpirationTime(START / 1000 + 60)
        .setJti('b4a1c2d3-0000-4000-8000-000000000000')
        .sign(SECRET);
      await assertInvalid(signer, token);
    }
  });

  it('refuses correctly signed tokens that lack a required claim', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    const iat = START / 1000;
    const build = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(SECRET);
    const full: Record<string, unknown> = {
      sub: 'alice',
      dn: SUBJECT.dn,
      iat,
      exp: iat + 60,
      jti: 'j',
    };
    // The complete set is accepted: the refusals below are about the missing claim.
    assert.equal((await signer.verify(await build(full))).sub, 'alice');
    for (const claim of ['sub', 'dn', 'iat', 'exp', 'jti']) {
      const { [claim]: _dropped, ...rest } = full;
      await assertInvalid(signer, await build(rest));
    }
    await assertInvalid(signer, await build({ ...full, dn: 42 }));
  });

  it('refuses garbage with InvalidTokenError only, never echoing it', async () => {
    const signer = new TokenSigner(SECRET, frozenClock().now);
    const segment = fc.oneof(
      fc.base64String({ maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom('A', 'z', '0', '-', '_', '.', '=', '{', '"'),
        maxLength: 40,
      }),
      fc.json().map((json) => Buffer.from(json).toString('base64url')),
      fc.constant(b64url({ alg: 'HS256', typ: 'JWT' })),
      fc.constant(b64url({ alg: 'none' })),
    );
    const jwtLike = fc
      .array(segment, { minLength: 1, maxLength: 5 })
      .map((parts) => parts.join('.'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), jwtLike),
        async (garbage) => {
          const error = await rejection(signer.verify(garbage));
          assert.ok(!(error instanceof TokenExpiredError));
          assert.ok(MESSAGES.has(error.message), error.message);
        },
      ),
      { numRuns: 500 },
    );
  });
});
