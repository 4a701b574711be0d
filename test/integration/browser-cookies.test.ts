// Browser sign-in: the session cookie itself. Its name (`__Host-` when it may have it), its
// attributes, and its size: a cookie larger than browsers keep is never set, and the page says
// why. In process, over real HTTP, against the embedded directory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { MAX_SESSION_COOKIE_BYTES } from '../../src/http/browser/session-cookie.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import { startTestDirectory, type TestDirectory } from '../../src/testing/index.js';
import { Browser } from '../helpers/browser.js';
import {
  conformanceOptions,
  groupFixtureLdif,
  startFixtureDirectory,
} from '../helpers/conformance-fixtures.js';
import { recordingLogger } from '../helpers/load.js';

function start(directoryUrl: string, extra: Partial<AuthOptions> = {}) {
  return serve(createAuth({ ...conformanceOptions(directoryUrl).auth, ...extra }), {
    host: '127.0.0.1',
    port: 0,
  });
}

/** Alice in 100 groups with long names: a token far larger than a cookie may be. */
function manyGroupsLdif(): string {
  const groups = Array.from(
    { length: 100 },
    (_, index) =>
      `memberOf: cn=project-${String(index).padStart(3, '0')}-with-a-long-group-name,ou=groups,dc=example,dc=org\n`,
  ).join('');
  return groupFixtureLdif().replace(/uid: alice\n/, `uid: alice\n${groups}`);
}

describe('browser sign-in: the session cookie', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(async () => {
    await directory?.close();
  });

  it('with Secure cookies: __Host- CSRF cookie, Secure token cookie, Domain when configured', async () => {
    const service = await start(directory.url, {
      browser: { enabled: true, cookieDomain: 'Example.ORG', cookieName: 'sso' },
    });
    try {
      const first = await fetch(`${service.url}/auth/login`);
      const csrfCookie = first.headers.getSetCookie()[0] ?? '';
      assert.match(
        csrfCookie,
        /^__Host-sso_csrf=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/,
      );
      const csrf = Browser.csrfOf(await first.text());
      const signedIn = await fetch(`${service.url}/auth/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `__Host-sso_csrf=${csrf}`,
        },
        body: new URLSearchParams({ csrf, username: 'alice', password: 'wonderland' }).toString(),
        redirect: 'manual',
      });
      assert.equal(signedIn.status, 303);
      assert.match(
        signedIn.headers.getSetCookie()[0] ?? '',
        /^sso=[\w.-]+; Max-Age=3600; Domain=example.org; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
    } finally {
      await service.close();
    }
  });

  it('Secure without COOKIE_DOMAIN: the session cookie is __Host-, and only that name is read', async () => {
    const service = await start(directory.url, {
      browser: { enabled: true, cookieName: 'sso' },
    });
    try {
      const first = await fetch(`${service.url}/auth/login`);
      const csrf = Browser.csrfOf(await first.text());
      const form = (fields: Record<string, string>) => ({
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `__Host-sso_csrf=${csrf}`,
        },
        body: new URLSearchParams({ csrf, ...fields }).toString(),
        redirect: 'manual' as const,
      });
      const signedIn = await fetch(
        `${service.url}/auth/login`,
        form({ username: 'alice', password: 'wonderland' }),
      );
      assert.equal(signedIn.status, 303);
      const setCookie = signedIn.headers.getSetCookie()[0] ?? '';
      assert.match(
        setCookie,
        /^__Host-sso=[\w.-]+; Max-Age=3600; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
      const token = /^__Host-sso=([^;]+)/.exec(setCookie)?.[1] ?? '';
      const verify = (cookie: string) =>
        fetch(`${service.url}/auth/verify`, { headers: { accept: '*/*', cookie } });
      assert.equal((await verify(`__Host-sso=${token}`)).status, 200);
      // The unprefixed name is what a sibling subdomain could plant (Domain=example.org): unread.
      assert.equal((await verify(`sso=${token}`)).status, 401);
      const page = await fetch(`${service.url}/auth/login`, {
        headers: { cookie: `sso=${token}; __Host-sso_csrf=${csrf}` },
      });
      assert.doesNotMatch(await page.text(), /signed in as/);
      const signedOut = await fetch(`${service.url}/auth/logout`, form({}));
      assert.match(signedOut.headers.getSetCookie()[0] ?? '', /^__Host-sso=; Max-Age=0; Path=\//);
    } finally {
      await service.close();
    }
  });

  describe('a token larger than a cookie may be', () => {
    let crowded: TestDirectory;
    before(async () => {
      crowded = await startTestDirectory({ ldif: manyGroupsLdif() });
    });
    after(async () => {
      await crowded?.close();
    });
    const browserOptions = { enabled: true, cookieSecure: false };

    it('no cookie is set: 503, the page says why, the log says how large', async () => {
      const log = recordingLogger();
      const service = await start(crowded.url, { browser: browserOptions, logger: log.logger });
      try {
        const browser = new Browser(service.url);
        const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
        const form = { csrf, rd: '/app/', username: 'alice', password: 'wonderland' };
        const page = await browser.post('/auth/login', form);
        assert.equal(page.status, 503);
        assert.ok(page.headers.get('retry-after'));
        assert.equal(browser.jar.has('ldap_token_auth'), false);
        assert.match(page.body, /role="alert">This account carries too much information/);
        assert.match(page.body, /TOKEN_MAX_GROUPS, LDAP_USER_ATTRIBUTES/);
        assert.match(page.body, /name="rd" value="\/app\/"/, 'the form keeps the return URL');
        const line = log.lines.find((entry) => entry.fields.event === 'session_cookie_too_large');
        assert.equal(line?.level, 'error');
        assert.equal(line?.fields.limit, MAX_SESSION_COOKIE_BYTES);
        assert.ok(
          Number(line?.fields.bytes) > MAX_SESSION_COOKIE_BYTES,
          String(line?.fields.bytes),
        );
        assert.equal(line?.fields.groups, 100);
        assert.ok(!JSON.stringify(log.lines).includes('eyJ'), 'no token in the log');
      } finally {
        await service.close();
      }
    });

    it('what the page advises works: fewer groups in the token, and the cookie fits', async () => {
      const service = await start(crowded.url, {
        browser: browserOptions,
        groups: { maxInToken: 10 },
      });
      try {
        const browser = new Browser(service.url);
        const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
        const form = { csrf, username: 'alice', password: 'wonderland' };
        const signedIn = await browser.post('/auth/login', form);
        assert.equal(signedIn.status, 303);
        assert.ok(browser.jar.has('ldap_token_auth'));
      } finally {
        await service.close();
      }
    });
  });
});
