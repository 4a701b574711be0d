// Browser sign-in on the standalone service, in process, over real HTTP: the sign-in page, the
// form post and its cookie, CSRF refusals, the return URL allow-list, /auth/verify reading the
// cookie and sending browsers to the page, sign-out, and the failure pages (wrong password,
// lockout, directory down). Embedded directory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { startTestDirectory, type TestDirectory } from '../../src/testing/index.js';
import { Browser, HTML } from '../helpers/browser.js';
import {
  conformanceOptions,
  groupFixtureLdif,
  startFixtureDirectory,
} from '../helpers/conformance-fixtures.js';
import { recordingLogger } from '../helpers/load.js';
import { freePort } from '../helpers/ports.js';

async function start(directoryUrl: string, extra: Partial<AuthOptions> = {}) {
  const options = conformanceOptions(directoryUrl).auth;
  return serve(
    createAuth({
      ...options,
      browser: {
        enabled: true,
        cookieSecure: false,
        allowedRedirectHosts: ['app.example.org', '.example.net'],
      },
      ...extra,
    }),
    { host: '127.0.0.1', port: 0 },
  );
}

describe('browser sign-in on the standalone service', () => {
  let directory: TestDirectory;
  let service: RunningService;
  const log = recordingLogger();
  before(async () => {
    directory = await startFixtureDirectory();
    service = await start(directory.url, { revocation: { enabled: true }, logger: log.logger });
  });
  after(async () => {
    await service?.close();
    await directory?.close();
  });

  it('GET /auth/login: the form, a strict CSP, a CSRF cookie and the same token in the page', async () => {
    const browser = new Browser(service.url);
    const page = await browser.get('/auth/login?rd=%2Fapp%2F');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.body, /<label for="username">Username<\/label>/);
    assert.match(page.body, /<input type="hidden" name="rd" value="\/app\/">/);
    assert.doesNotMatch(page.body, /<script|https?:\/\//, 'no script, nothing external');
    assert.equal(browser.jar.get('ldap_token_auth_csrf'), Browser.csrfOf(page.body));
  });

  it('sign-in: 303 to rd, an HttpOnly SameSite=Lax token cookie; /auth/verify reads it', async () => {
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const signedIn = await browser.post('/auth/login', {
      csrf,
      rd: 'https://app.example.org/x?y=1',
      username: 'alice',
      password: 'wonderland',
    });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), 'https://app.example.org/x?y=1');
    const cookie = signedIn.headers
      .getSetCookie()
      .find((line) => line.startsWith('ldap_token_auth='));
    assert.ok(cookie);
    assert.match(cookie, /; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.doesNotMatch(cookie, /Secure/, 'COOKIE_SECURE=false');

    const verified = await browser.get('/auth/verify');
    assert.equal(verified.status, 200);
    assert.equal(verified.headers.get('x-auth-user'), 'alice');
    const page = await browser.get('/auth/login');
    assert.match(page.body, /signed in as <strong>alice<\/strong>/);
    const onward = await browser.get('/auth/login?rd=%2Fapp%2F');
    assert.equal(onward.status, 302);
    assert.equal(onward.headers.get('location'), '/app/');
  });

  it('a wrong password: 401, the page again with the message and the username, never the password', async () => {
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const page = await browser.post('/auth/login', {
      csrf,
      username: 'bob',
      password: 'not-the-password',
    });
    assert.equal(page.status, 401);
    assert.equal(page.headers.get('www-authenticate'), null, 'no Basic prompt in a browser');
    assert.match(page.body, /<p role="alert">The username or password is incorrect.<\/p>/);
    assert.match(page.body, /name="username"[^>]* value="bob"/);
    assert.doesNotMatch(page.body, /not-the-password/);
    assert.equal(browser.jar.has('ldap_token_auth'), false);
  });

  it('CSRF: no token, a wrong token, another Origin or Origin: null are refused with 403', async () => {
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const credentials = { username: 'alice', password: 'wonderland' };
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [credentials, {}],
      [{ ...credentials, csrf: 'A'.repeat(43) }, {}],
      [{ ...credentials, csrf }, { origin: 'https://evil.example' }],
      [{ ...credentials, csrf }, { origin: 'null' }],
      [{ ...credentials, csrf }, { cookie: '' }],
    ];
    for (const [form, headers] of attempts) {
      const page = await browser.post('/auth/login', form, headers);
      assert.equal(page.status, 403, JSON.stringify({ form, headers }));
      assert.match(page.body, /role="alert">This sign-in form has expired/);
      assert.equal(browser.jar.has('ldap_token_auth'), false);
    }
    const refusals = log.lines.filter((line) => line.fields.event === 'csrf_refused');
    assert.deepEqual(
      refusals.map((line) => [line.level, line.fields.check]),
      [
        ['warn', 'token'],
        ['warn', 'token'],
        ['warn', 'origin'],
        ['warn', 'origin'],
        ['warn', 'token'],
      ],
    );
    assert.equal(refusals[2]?.fields.origin, 'https://evil.example');
    assert.ok(!JSON.stringify(log.lines).includes(csrf), 'the token is never logged');
    // An allowed host may post (e.g. a sign-in form embedded in an application's page).
    const fresh = Browser.csrfOf((await browser.get('/auth/login')).body);
    const allowed = await browser.post(
      '/auth/login',
      { ...credentials, csrf: fresh },
      { origin: 'https://app.example.org' },
    );
    assert.equal(allowed.status, 303);
  });

  it('CSRF: a refusal by Referer logs only its origin, never its path or query string', async () => {
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const refused = await fetch(`${service.url}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: browser.cookie,
        referer: 'https://evil.example/reset?code=s3cr3t-c0de#frag',
      },
      body: new URLSearchParams({ csrf, username: 'alice', password: 'wonderland' }).toString(),
      redirect: 'manual',
    });
    assert.equal(refused.status, 403);
    const refusal = log.lines.filter((line) => line.fields.event === 'csrf_refused').at(-1);
    assert.equal(refusal?.fields.check, 'origin');
    assert.equal(refusal?.fields.origin, 'https://evil.example');
    assert.ok(!JSON.stringify(log.lines).includes('s3cr3t-c0de'));
  });

  it('an open redirect is refused: rd=https://evil.example/ and friends land on the sign-in page', async () => {
    for (const rd of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '/.//evil.example/',
      'https:evil.example',
      'https://app.example.org@evil.example/',
      'javascript:alert(1)',
      'https://app.example.org.evil.example/',
      // Encoded separators, which a backend that decodes the path turns into `//evil.example`.
      '/%2F%2Fevil.example',
      '/%5Cevil.example',
      '/%2e/%2fevil.example',
      '/%252F%252Fevil.example',
      '/%09/evil.example',
    ]) {
      const browser = new Browser(service.url);
      const page = await browser.get(`/auth/login?rd=${encodeURIComponent(rd)}`);
      assert.doesNotMatch(page.body, /name="rd"/, rd);
      const csrf = Browser.csrfOf(page.body);
      const signedIn = await browser.post('/auth/login', {
        csrf,
        rd,
        username: 'alice',
        password: 'wonderland',
      });
      assert.equal(signedIn.status, 303, rd);
      assert.equal(signedIn.headers.get('location'), '/auth/login', rd);
    }
  });

  it('/auth/verify: browsers without a session are redirected with the original URL; API clients keep the 401', async () => {
    const browser = new Browser(service.url);
    const traefik = await browser.get('/auth/verify', {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.org',
      'x-forwarded-uri': '/reports?year=2026&q=a%20b',
    });
    assert.equal(traefik.status, 302);
    assert.equal(
      traefik.headers.get('location'),
      `/auth/login?rd=${encodeURIComponent('https://app.example.org/reports?year=2026&q=a%20b')}`,
    );
    const nginx = await browser.get('/auth/verify?browser=401', {
      'x-original-url': 'http://sub.example.net/a',
    });
    assert.equal(nginx.status, 401);
    assert.equal(nginx.headers.get('www-authenticate'), null);
    assert.equal(
      nginx.headers.get('location'),
      `/auth/login?rd=${encodeURIComponent('http://sub.example.net/a')}`,
    );
    const evil = await browser.get('/auth/verify', { 'x-original-url': 'https://evil.example/' });
    assert.equal(
      evil.headers.get('location'),
      '/auth/login',
      'a return URL not allowed is dropped',
    );

    const api = await fetch(`${service.url}/auth/verify`, { headers: { accept: '*/*' } });
    assert.equal(api.status, 401);
    assert.equal(api.headers.get('www-authenticate'), 'Basic realm="Authentication Required"');
  });

  it('sign-out: the cookie is cleared, the token revoked (revocation on), back to the sign-in page', async () => {
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    await browser.post('/auth/login', { csrf, username: 'alice', password: 'wonderland' });
    const token = browser.jar.get('ldap_token_auth');
    assert.ok(token);
    const signedOut = await browser.post('/auth/logout', { csrf });
    assert.equal(signedOut.status, 303);
    assert.equal(signedOut.headers.get('location'), '/auth/login');
    assert.match(
      signedOut.headers.getSetCookie()[0] ?? '',
      /^ldap_token_auth=; Max-Age=0; Path=\//,
    );
    assert.equal(browser.jar.has('ldap_token_auth'), false);
    const replayed = await fetch(`${service.url}/auth/verify`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(replayed.status, 401, 'the revoked token is refused everywhere');
    const forged = await browser.post('/auth/logout', {}, { origin: 'https://evil.example' });
    assert.equal(forged.status, 403);
  });

  it('no log line carries a password or a token', () => {
    const text = JSON.stringify(log.lines);
    for (const secret of ['wonderland', 'not-the-password', 'can-we-fix-it', 'eyJ']) {
      assert.ok(!text.includes(secret), secret);
    }
  });

  it('only form posts: another content type is 415, a huge form 413, GET /auth/logout 405', async () => {
    const json = await fetch(`${service.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(json.status, 415);
    const huge = await fetch(`${service.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=${'a'.repeat(20_000)}`,
    });
    assert.equal(huge.status, 413);
    const get = await fetch(`${service.url}/auth/logout`);
    assert.equal(get.status, 405);
  });
});

describe('browser sign-in: failures', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(async () => {
    await directory?.close();
  });

  it('too many attempts: 429 with Retry-After, and the message', async () => {
    const service = await start(directory.url, {
      loginLimits: { perUsername: { failures: 2, windowSeconds: 60, lockoutSeconds: 120 } },
    });
    try {
      const browser = new Browser(service.url);
      const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
      const statuses: number[] = [];
      let last = { status: 0, headers: new Headers(), body: '' };
      for (let attempt = 0; attempt < 3; attempt++) {
        last = await browser.post('/auth/login', { csrf, username: 'bob', password: 'wrong' });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [401, 401, 429]);
      assert.equal(last.headers.get('retry-after'), '120');
      assert.match(last.body, /role="alert">Too many failed attempts. Try again in 2 minutes.</);
    } finally {
      await service.close();
    }
  });

  it('the directory down: 503 with Retry-After, and the message', async () => {
    const service = await start(`ldap://127.0.0.1:${await freePort()}`);
    try {
      const browser = new Browser(service.url);
      const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
      const page = await browser.post('/auth/login', { csrf, username: 'alice', password: 'x' });
      assert.equal(page.status, 503);
      assert.ok(page.headers.get('retry-after'));
      assert.match(page.body, /role="alert">The directory cannot be reached right now/);
    } finally {
      await service.close();
    }
  });

  it('outside the required group: 403 "may not sign in here" and no cookie; a member signs in', async () => {
    const groups = await startTestDirectory({ ldif: groupFixtureLdif() });
    const service = await start(groups.url, { groups: { required: 'staff' } });
    try {
      const browser = new Browser(service.url);
      const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
      const page = await browser.post('/auth/login', {
        csrf,
        username: 'bob',
        password: 'can-we-fix-it',
      });
      assert.equal(page.status, 403);
      assert.equal(page.headers.get('retry-after'), null);
      assert.match(page.body, /role="alert">This account may not sign in here\./);
      assert.match(page.body, /name="username"[^>]* value="bob"/);
      assert.equal(browser.jar.has('ldap_token_auth'), false);
      const member = await browser.post('/auth/login', {
        csrf,
        username: 'alice',
        password: 'wonderland',
      });
      assert.equal(member.status, 303);
      assert.ok(browser.jar.has('ldap_token_auth'));
    } finally {
      await service.close();
      await groups.close();
    }
  });

  it('off by default: no sign-in routes, and browsers get the seed 401 from /auth/verify', async () => {
    const service = await serve(createAuth(conformanceOptions(directory.url).auth), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      assert.equal((await fetch(`${service.url}/auth/login`)).status, 404);
      const verify = await fetch(`${service.url}/auth/verify`, { headers: { accept: HTML } });
      assert.equal(verify.status, 401);
      assert.ok(verify.headers.get('www-authenticate'));
    } finally {
      await service.close();
    }
  });
});
