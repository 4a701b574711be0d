// Browser sessions against a real slapd (memberof and ppolicy overlays), through the standalone
// service's sign-in page and /auth/verify, on an injected clock: sign-out revokes the session
// without TOKEN_REVOCATION; a session used past SESSION_RECHECK_SECONDS asks the directory once
// (however many uses arrive together), renews its cookie with the groups of now, and ends when the
// entry is deleted, locked or out of the required group; a directory outage follows
// SESSION_RECHECK_FAILURE.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { Client } from 'ldapts';
import { Browser } from '../helpers/browser.js';
import { basic } from '../helpers/conformance-fixtures.js';
import {
  clock,
  curlStatus,
  READERS_DN,
  SESSION_COOKIE,
  type SessionService,
  STAFF_DN,
  signIn,
  startSessionDirectory,
  startSessionService,
  userDn,
  verifyWith,
} from '../helpers/sessions.js';
import { asRoot, changeValues, type SlapdServer } from '../helpers/slapd.js';

const INTERVAL = 300;
const USERS = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];

describe('browser sessions against slapd', () => {
  let slapd: SlapdServer;
  let session: SessionService;

  before(async () => {
    slapd = await startSessionDirectory(USERS);
    session = await startSessionService(slapd, { browser: { sessionRecheckSeconds: INTERVAL } });
  });
  after(async () => {
    await session?.service.close();
    await slapd?.stop();
  });

  it('sign-out revokes the session without TOKEN_REVOCATION: the old cookie replayed with curl is refused', async () => {
    const browser = await signIn(session.url, 'ann');
    const token = browser.jar.get(SESSION_COOKIE)!;
    assert.equal((await verifyWith(session.url, token)).status, 200);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const signedOut = await browser.post('/auth/logout', { csrf });
    assert.equal(signedOut.status, 303);
    assert.equal(browser.jar.has(SESSION_COOKIE), false, 'the cookie is cleared');

    const verify = `${session.url}/auth/verify`;
    assert.equal(await curlStatus(verify, [`Cookie: ${SESSION_COOKIE}=${token}`]), 401);
    assert.equal(
      await curlStatus(verify, [`Cookie: ${SESSION_COOKIE}=${token}`, 'Accept: text/html']),
      302,
      'a browser is sent to the sign-in page',
    );
    // Copied out of the cookie into a header, the session token is refused all the same.
    assert.equal(await curlStatus(verify, [`Authorization: Bearer ${token}`]), 401);
    assert.equal(await curlStatus(`${session.url}/`, [`Authorization: Bearer ${token}`]), 401);
  });

  it('a stolen cookie exchanged at /auth/refresh stays in its session and dies with the sign-out', async () => {
    const browser = await signIn(session.url, 'ben');
    const token = browser.jar.get(SESSION_COOKIE)!;
    const refreshed = await fetch(`${session.url}/auth/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(refreshed.status, 200);
    const stolen = ((await refreshed.json()) as { access_token: string }).access_token;
    assert.equal(decodeJwt(stolen).sid, decodeJwt(token).sid);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    await browser.post('/auth/logout', { csrf });
    assert.equal(await curlStatus(`${session.url}/`, [`Authorization: Bearer ${stolen}`]), 401);
  });

  it('an API token is no session: in the cookie it is refused, as a Bearer it costs no store', async () => {
    const issued = await fetch(`${session.url}/auth/request-token`, {
      method: 'POST',
      headers: { authorization: basic('cat', 'cat-password') },
    });
    const { access_token: api } = (await issued.json()) as { access_token: string };
    assert.equal(decodeJwt(api).sid, undefined);
    assert.equal((await verifyWith(session.url, api)).status, 401);
    const bearer = await fetch(`${session.url}/auth/verify`, {
      headers: { authorization: `Bearer ${api}` },
    });
    assert.equal(bearer.status, 200);
  });

  it('past the interval, 20 uses at once make one directory search; the renewed cookie carries the groups of now', async () => {
    const browser = await signIn(session.url, 'dan');
    const token = browser.jar.get(SESSION_COOKIE)!;
    const before = session.searches();
    for (let use = 0; use < 5; use++) {
      const fresh = await verifyWith(session.url, token);
      assert.equal(fresh.status, 200);
      assert.equal(fresh.setCookie, undefined, 'nothing to renew within the interval');
    }
    assert.equal(session.searches(), before, 'no search within the interval');

    await changeValues(slapd, READERS_DN, 'add', 'member', [userDn('dan')]);
    clock.ms += INTERVAL * 1000;
    const uses = await Promise.all(
      Array.from({ length: 20 }, () => verifyWith(session.url, token)),
    );
    assert.equal(session.searches(), before + 1, 'one re-check for 20 concurrent uses');
    for (const use of uses) {
      assert.equal(use.status, 200);
      assert.deepEqual(use.groups?.split(',').sort(), ['readers', 'staff']);
      assert.ok(use.renewed, 'each answer renews the cookie');
      assert.match(use.setCookie!, /; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    }
    const renewed = decodeJwt(uses[0]!.renewed!);
    const original = decodeJwt(token);
    assert.deepEqual((renewed.groups as string[]).sort(), ['readers', 'staff']);
    assert.equal(renewed.sid, original.sid, 'the same session');
    assert.equal(renewed.exp, original.exp, 'a re-check never lengthens a session');
    assert.equal(renewed.auth_time, original.auth_time);

    // The renewed token is fresh; the old one is claimed for the interval: no search either way.
    assert.equal((await verifyWith(session.url, uses[0]!.renewed!)).status, 200);
    assert.equal((await verifyWith(session.url, token)).status, 200);
    assert.equal(session.searches(), before + 1);
  });

  it('removed from the required group, deleted, or locked: the next use past the interval ends the session everywhere', async () => {
    const browsers = {
      eve: await signIn(session.url, 'eve'),
      fay: await signIn(session.url, 'fay'),
      gus: await signIn(session.url, 'gus'),
    };
    const tokens = Object.fromEntries(
      Object.entries(browsers).map(([uid, browser]) => [uid, browser.jar.get(SESSION_COOKIE)!]),
    );
    for (const token of Object.values(tokens)) {
      assert.equal((await verifyWith(session.url, token)).status, 200);
    }
    await changeValues(slapd, STAFF_DN, 'delete', 'member', [userDn('eve')]);
    await asRoot(slapd, (client) => client.del(userDn('fay')));
    // ppolicy: three failed binds lock the account (pwdMaxFailure 3).
    const client = new Client({ url: slapd.url });
    for (let attempt = 0; attempt < 3; attempt++) {
      await client.bind(userDn('gus'), 'wrong').catch(() => undefined);
    }
    await client.unbind().catch(() => undefined);
    // Within the interval nothing is asked: the sessions still pass.
    assert.equal((await verifyWith(session.url, tokens.eve!)).status, 200);

    clock.ms += INTERVAL * 1000;
    for (const [uid, token] of Object.entries(tokens)) {
      const browser = await verifyWith(session.url, token, 'text/html');
      assert.equal(browser.status, 302, uid);
      assert.equal(browser.location, '/auth/login', uid);
      assert.match(browser.setCookie ?? '', /^ldap_token_auth=; Max-Age=0;/, `${uid}: cleared`);
      // Revoked, not only refused once: the next use, as a Bearer too, is refused at once.
      assert.equal((await verifyWith(session.url, token)).status, 401, uid);
      assert.equal(await curlStatus(`${session.url}/`, [`Authorization: Bearer ${token}`]), 401);
    }
    const ended = session.log.lines.filter((line) => line.fields.event === 'session_ended');
    assert.deepEqual(ended.map((line) => line.fields.username).sort(), ['eve', 'fay', 'gus']);
    assert.equal(
      ended.find((line) => line.fields.username === 'gus')?.fields.reason,
      'account_locked',
    );
  });

  it('the sign-in page reads the session through the same checks', async () => {
    const browser = await signIn(session.url, 'hal');
    assert.match((await browser.get('/auth/login')).body, /signed in as <strong>hal<\/strong>/);
    await changeValues(slapd, STAFF_DN, 'delete', 'member', [userDn('hal')]);
    clock.ms += INTERVAL * 1000;
    assert.doesNotMatch((await browser.get('/auth/login')).body, /signed in as/);
    assert.equal((await verifyWith(session.url, browser.jar.get(SESSION_COOKIE)!)).status, 401);
  });

  it('no log line carries a password or a token', () => {
    const text = JSON.stringify(session.log.lines);
    for (const secret of ['-password', 'eyJ']) assert.ok(!text.includes(secret), secret);
  });
});

/** Re-checks that found the directory unavailable, from the service's log. */
const rechecksFailed = (service: SessionService) =>
  service.log.lines.filter((line) => line.fields.event === 'session_recheck_failed').length;

describe('browser sessions when the directory cannot answer a re-check', () => {
  let slapd: SlapdServer;
  let open: SessionService;
  let closed: SessionService;

  before(async () => {
    slapd = await startSessionDirectory(['ivy', 'jon']);
    open = await startSessionService(slapd, { browser: { sessionRecheckSeconds: INTERVAL } });
    closed = await startSessionService(slapd, {
      browser: { sessionRecheckSeconds: INTERVAL, sessionRecheckFailure: 'closed' },
    });
  });
  after(async () => {
    await open?.service.close();
    await closed?.service.close();
    await slapd?.stop();
  });

  it('open (the default) keeps the session and asks again one interval later; closed answers 503 and asks at every use', async () => {
    const ivy = (await signIn(open.url, 'ivy')).jar.get(SESSION_COOKIE)!;
    const jon = (await signIn(closed.url, 'jon')).jar.get(SESSION_COOKIE)!;
    await slapd.kill();
    clock.ms += INTERVAL * 1000;
    try {
      const kept = await verifyWith(open.url, ivy);
      assert.equal(kept.status, 200);
      assert.equal(kept.setCookie, undefined, 'nothing renewed, nothing cleared');
      const warned = open.log.lines.filter(
        (line) => line.fields.event === 'session_recheck_failed',
      );
      assert.deepEqual(
        warned.map((line) => [line.level, line.fields.failure]),
        [['warn', 'open']],
      );
      assert.equal((await verifyWith(open.url, ivy)).status, 200);
      assert.equal(rechecksFailed(open), 1, 'not asked again within the interval');

      const refused = await verifyWith(closed.url, jon, 'text/html');
      assert.equal(refused.status, 503);
      assert.equal(refused.setCookie, undefined, 'the cookie is kept');
      assert.equal((await verifyWith(closed.url, jon)).status, 503);
      assert.equal(rechecksFailed(closed), 2, 'closed asks again at the next use');
    } finally {
      await slapd.restart();
    }
    // The directory back: the closed service's session passes again, renewed.
    const back = await verifyWith(closed.url, jon);
    assert.equal(back.status, 200);
    assert.ok(back.renewed);
    // The open one asks again once its claim ends, one interval later.
    clock.ms += INTERVAL * 1000;
    const rechecked = await verifyWith(open.url, ivy);
    assert.equal(rechecked.status, 200);
    assert.ok(rechecked.renewed);
  });
});
