// Sessions in the core and the memory store, with the embedded directory and a frozen clock: the
// re-check claim (one winner, its end, its release), what a session token is checked against
// without TOKEN_REVOCATION, and what cannot pass for a session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sessionsOf } from '../../src/core/auth-internals.js';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { ConfigurationError, InvalidTokenError } from '../../src/errors.js';
import { resolveOptions } from '../../src/options/resolve.js';
import { MemoryRevocationStore } from '../../src/stores/revocations.js';
import type { TestDirectory } from '../../src/testing/index.js';
import {
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

describe('the memory store: re-check claims and revoked sessions', () => {
  it('of 50 concurrent claims of one token exactly one wins, until the interval ends', async () => {
    let now = 1_900_000_000_000;
    const store = new MemoryRevocationStore(() => now);
    const claims = await Promise.all(
      Array.from({ length: 50 }, () => store.claimRecheck('jti-1', 300_000)),
    );
    assert.equal(claims.filter(Boolean).length, 1);
    assert.ok(await store.claimRecheck('jti-2', 300_000), 'another token is claimed apart');
    now += 299_999;
    assert.equal(await store.claimRecheck('jti-1', 300_000), undefined);
    now += 1;
    assert.ok(await store.claimRecheck('jti-1', 300_000), 'claimable again once it ends');
  });

  it('a release undoes only its own claim', async () => {
    const store = new MemoryRevocationStore(() => 0);
    const id = (await store.claimRecheck('jti', 1000))!;
    await store.releaseRecheck('jti', 'someone-else');
    assert.equal(await store.claimRecheck('jti', 1000), undefined);
    await store.releaseRecheck('jti', id);
    assert.ok(await store.claimRecheck('jti', 1000));
  });

  it('a revoked session denies every token carrying its sid, and no other', async () => {
    const store = new MemoryRevocationStore(() => 0);
    const token = { jti: 'a', sub: 'alice', iat: 10, exp: 100, sid: 's-1' };
    await store.revokeSession('s-1', 200);
    assert.equal(store.isRevokedNow(token), true);
    assert.equal(store.isRevokedNow({ ...token, jti: 'b' }), true, 'a renewed token too');
    assert.equal(store.isRevokedNow({ ...token, sid: 's-2' }), false);
    const { sid: _, ...api } = token;
    assert.equal(store.isRevokedNow(api), false);
  });
});

describe('sessions in the core, without TOKEN_REVOCATION', () => {
  let directory: TestDirectory;
  let auth: Auth;
  let now = 1_900_000_000_000;

  before(async () => {
    directory = await startFixtureDirectory();
    auth = createAuth({
      ...conformanceOptions(directory.url).auth,
      browser: { enabled: true, sessionRecheckSeconds: 60 },
      now: () => now,
    });
  });
  after(async () => {
    await auth?.close();
    await directory?.close();
  });

  it('a session token carries a sid, keeps the login claims, and is checked wherever presented', async () => {
    const login = await auth.requestToken(USERS.alice);
    const session = await sessionsOf(auth).begin(login);
    const { sid, jti, ...rest } = session.user.claims;
    const { jti: _, ...loginRest } = login.user.claims;
    assert.match(String(sid), /^[0-9a-f-]{36}$/);
    assert.notEqual(jti, login.user.claims.jti);
    assert.deepEqual(rest, loginRest);
    await sessionsOf(auth).end(session.token);
    await assert.rejects(auth.verify(session.token), InvalidTokenError);
    await assert.rejects(sessionsOf(auth).use(session.token), InvalidTokenError);
    assert.ok(await auth.verify(login.token), 'the API token is not in the session');
  });

  it('an API token is refused as a session, and cannot be revoked without TOKEN_REVOCATION', async () => {
    const { token } = await auth.requestToken(USERS.alice);
    await assert.rejects(sessionsOf(auth).use(token), /Not a session token/);
    // Revoked but never checked would be a lie: refused instead.
    await assert.rejects(auth.revoke(token), TypeError);
  });

  it('uses within the interval ask nothing; past it one re-check, shared by concurrent uses', async () => {
    const session = await sessionsOf(auth).begin(await auth.requestToken(USERS.alice));
    const quiet = await sessionsOf(auth).use(session.token);
    assert.equal(quiet.renewed, undefined);
    now += 60_000;
    const uses = await Promise.all(
      Array.from({ length: 10 }, () => sessionsOf(auth).use(session.token)),
    );
    const renewed = new Set(uses.map((use) => use.renewed?.token));
    assert.equal(renewed.size, 1, 'one renewed token for all of them');
    const [token] = [...renewed];
    assert.ok(token);
    const claims = uses[0]!.renewed!.user.claims;
    assert.equal(claims.sid, session.user.claims.sid);
    assert.equal(claims.exp, session.user.claims.exp);
    assert.equal(uses[0]!.renewed!.expiresIn, session.user.claims.exp - now / 1000);
  });

  it('a mapped claim cannot be called sid', () => {
    assert.throws(
      () =>
        resolveOptions({
          ...conformanceOptions(directory.url).auth,
          user: { claims: { sid: 'uid' } },
        }),
      (error: unknown) => error instanceof ConfigurationError && /sets itself/.test(error.message),
    );
  });
});
