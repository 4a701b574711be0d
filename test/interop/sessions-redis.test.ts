// Browser sessions shared through a real redis-server by two instances of the service, against a
// real slapd: a re-check is claimed once per session and interval across instances (20 uses split
// between them make one directory search), and a session ended on one instance, by sign-out or by
// a re-check the directory refuses, is refused by the other. TOKEN_REVOCATION stays off.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { Browser } from '../helpers/browser.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import {
  clock,
  SESSION_COOKIE,
  type SessionService,
  STAFF_DN,
  signIn,
  startSessionDirectory,
  startSessionService,
  userDn,
  verifyWith,
} from '../helpers/sessions.js';
import { changeValues, type SlapdServer } from '../helpers/slapd.js';

const INTERVAL = 300;

describe('browser sessions shared by two instances through Redis', () => {
  let slapd: SlapdServer;
  let redis: RedisServer;
  let one: SessionService;
  let two: SessionService;
  let lenient: SessionService;
  let inspect: Redis;

  before(async () => {
    slapd = await startSessionDirectory(['kim', 'lou', 'max', 'ned']);
    redis = await startRedis();
    const shared = {
      redis: { url: redis.url },
      browser: { sessionRecheckSeconds: INTERVAL },
    };
    one = await startSessionService(slapd, shared);
    two = await startSessionService(slapd, shared);
    lenient = await startSessionService(slapd, { ...shared, storeFailure: 'open' });
    inspect = new Redis(redis.url, { lazyConnect: true });
    await inspect.connect();
  });
  after(async () => {
    inspect?.disconnect();
    await one?.service.close();
    await two?.service.close();
    await lenient?.service.close();
    await redis?.stop();
    await slapd?.stop();
  });

  const searches = () => one.searches() + two.searches();

  it('a sign-out on one instance ends the session on the other', async () => {
    const browser = await signIn(one.url, 'kim');
    const token = browser.jar.get(SESSION_COOKIE)!;
    assert.equal((await verifyWith(two.url, token)).status, 200);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    assert.equal((await browser.post('/auth/logout', { csrf })).status, 303);
    assert.equal((await verifyWith(two.url, token)).status, 401);
    const sid = String(decodeJwt(token).sid);
    const ttl = await inspect.ttl(`ldap-token-auth:revoked-session:${sid}`);
    assert.ok(ttl > 0, 'remembered in Redis, and forgotten once no token of it can be valid');
  });

  it('20 uses split between the instances past the interval make one directory search', async () => {
    const token = (await signIn(one.url, 'lou')).jar.get(SESSION_COOKIE)!;
    const before = searches();
    clock.ms += INTERVAL * 1000;
    const uses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => verifyWith(index % 2 ? two.url : one.url, token)),
    );
    assert.deepEqual(new Set(uses.map((use) => use.status)), new Set([200]));
    assert.equal(searches(), before + 1, 'one re-check for the session, whichever instance');
    assert.ok(uses.some((use) => use.renewed));
  });

  it('a re-check refused on one instance ends the session on the other', async () => {
    const token = (await signIn(two.url, 'max')).jar.get(SESSION_COOKIE)!;
    await changeValues(slapd, STAFF_DN, 'delete', 'member', [userDn('max')]);
    clock.ms += INTERVAL * 1000;
    assert.equal((await verifyWith(one.url, token)).status, 401);
    const before = searches();
    assert.equal((await verifyWith(two.url, token)).status, 401);
    assert.equal(searches(), before, 'refused from the store, without asking the directory');
  });

  it('Redis down: STORE_FAILURE=closed answers 503 and keeps the cookie; open re-checks without a claim', async () => {
    const token = (await signIn(one.url, 'ned')).jar.get(SESSION_COOKIE)!;
    await redis.kill();
    clock.ms += INTERVAL * 1000;
    const refused = await verifyWith(one.url, token);
    assert.equal(refused.status, 503);
    assert.equal(refused.setCookie, undefined);
    const before = lenient.searches();
    const passed = await verifyWith(lenient.url, token);
    assert.equal(passed.status, 200);
    assert.ok(passed.renewed, 'the directory was asked, without the claim');
    assert.equal(lenient.searches(), before + 1);
  });
});
