// Refresh against a real slapd: a valid token buys a new one while the entry exists (auth_time
// carried over), a user deleted from the directory gets 401 at the next refresh, and the maximum
// session age caps both how late a refresh may come and how long the new token lives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { Client } from 'ldapts';
import { createAuth } from '../../src/core/create-auth.js';
import { SessionExpiredError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { basic, TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

describe('refresh against slapd', () => {
  let slapd: SlapdServer;
  let service: RunningService;
  const options = (): AuthOptions => ({
    secretKey: 'refresh-test-secret-0123456789abcdef0123',
    ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 2000, connectTimeoutMs: 1000 },
  });
  const post = async (path: string, authorization?: string) => {
    const response = await fetch(`${service.url}/auth/${path}`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    return { status: response.status, body };
  };

  before(async () => {
    slapd = await startSlapd({ anonymousSearch: true });
    service = await serve(createAuth(options()), { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await service?.close();
    await slapd?.stop();
  });

  it('a valid token buys a new one; the login time is carried over', async () => {
    const login = await post('request-token', basic('alice', 'wonderland'));
    const first = login.body.access_token!;
    const refreshed = await post('refresh', `Bearer ${first}`);
    assert.equal(refreshed.status, 200);
    const second = refreshed.body.access_token!;
    assert.notEqual(second, first);
    const [before, now] = [decodeJwt(first), decodeJwt(second)];
    assert.equal(now.sub, 'alice');
    assert.equal(now.dn, USERS.alice.dn);
    assert.equal(now.auth_time, before.iat);
    assert.notEqual(now.jti, before.jti);
    const hello = await fetch(`${service.url}/`, {
      headers: { authorization: `Bearer ${second}` },
    });
    assert.equal(hello.status, 200);
    assert.equal((await post('refresh', `Bearer ${second}`)).status, 200, 'and again');
  });

  it('no token, a bad one, or a password instead: 401', async () => {
    assert.equal((await post('refresh')).status, 401);
    assert.equal((await post('refresh', 'Bearer not.a.token')).status, 401);
    assert.equal((await post('refresh', basic('alice', 'wonderland'))).status, 401);
  });

  it('a user deleted from the directory gets 401 at refresh', async () => {
    const token = (await post('request-token', basic('bob', 'can-we-fix-it'))).body.access_token!;
    assert.equal((await post('refresh', `Bearer ${token}`)).status, 200);
    const admin = new Client({ url: slapd.url });
    try {
      await admin.bind(slapd.rootDn, slapd.rootPassword);
      await admin.del(USERS.bob.dn);
    } finally {
      await admin.unbind();
    }
    assert.equal((await post('refresh', `Bearer ${token}`)).status, 401);
  });

  it('with revocation on, a refresh the directory refuses still spends the token presented', async () => {
    const auth = createAuth({ ...options(), revocation: { enabled: true } });
    const dn = `uid=spent,${TOP_DN}`;
    const admin = new Client({ url: slapd.url });
    try {
      await admin.bind(slapd.rootDn, slapd.rootPassword);
      await admin.add(dn, {
        objectClass: ['inetOrgPerson'],
        uid: 'spent',
        cn: 'Spent',
        sn: 'Spent',
        userPassword: 'spent-password',
      });
      const { token } = await auth.requestToken({ username: 'spent', password: 'spent-password' });
      await admin.del(dn);
      await assert.rejects(auth.refresh(token), /no longer in the directory/);
      await assert.rejects(auth.verify(token), /revoked/, 'claimed before the directory was asked');
    } finally {
      await admin.unbind();
      await auth.close();
    }
  });

  it('token.maxSessionSeconds: refreshed tokens never outlive the session; later refreshes are refused', async () => {
    let now = 1_900_000_000_000;
    const auth = createAuth({
      ...options(),
      token: { maxSessionSeconds: 600, defaultDuration: 3600 },
      now: () => now,
    });
    try {
      const login = await auth.requestToken(USERS.alice);
      now += 100_000;
      const refreshed = await auth.refresh(login.token);
      assert.equal(refreshed.expiresIn, 500, 'capped at the session end');
      assert.equal(refreshed.user.claims.exp, login.user.claims.iat + 600);
      now += 499_000;
      const last = await auth.refresh(refreshed.token);
      assert.equal(last.expiresIn, 1);
      now += 1000;
      await assert.rejects(auth.refresh(last.token), SessionExpiredError);
    } finally {
      await auth.close();
    }
  });

  it('by default a session ends 12 hours after the password: a 5-second token refreshed into a longer one ends there, and the refresh after is a 401 that says to sign in again', async () => {
    let now = 1_900_000_000_000;
    const auth = createAuth({ ...options(), now: () => now });
    const limited = await serve(auth, { host: '127.0.0.1', port: 0 });
    const refresh = async (token: string, duration = 5) => {
      const response = await fetch(`${limited.url}/auth/refresh?token_duration=${duration}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      assert.equal(auth.options.token.maxSessionSeconds, 43_200);
      const login = await auth.requestToken(USERS.alice, { tokenDuration: 5 });
      const loginTime = login.user.claims.iat;
      // Asking for more than the session allows gets the session's end, not a longer token.
      const long = await auth.requestToken(USERS.alice, { tokenDuration: 86_400 });
      assert.equal(long.expiresIn, 43_200);
      // Refreshed into a longer token: it ends with the session, not a day later.
      now += 4000;
      const longer = await refresh(login.token, 86_400);
      assert.equal(longer.status, 200);
      assert.equal(longer.body.expires_in, 43_196);
      let token = String(longer.body.access_token);
      assert.equal(decodeJwt(token).exp, loginTime + 43_200);
      assert.equal(decodeJwt(token).auth_time, loginTime);
      now += 43_186 * 1000;
      const last = await refresh(token, 86_400);
      assert.equal(last.status, 200);
      assert.equal(last.body.expires_in, 10);
      token = String(last.body.access_token);
      assert.equal(decodeJwt(token).exp, loginTime + 43_200, 'never past the session end');
      now += 10_000;
      const refused = await refresh(token);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'unauthorized');
      assert.match(String(refused.body.message), /maximum age.*sign in again with your password/);
    } finally {
      await limited.close();
      await auth.close();
    }
  });
});
