// Browser sign-in in a real browser: Debian's chromium, driven headless by playwright-core,
// through Debian's nginx (auth_request) in front of a small protected application and the
// standalone service, whose users live in a real slapd. The nginx configuration is the recipe of
// docs/sign-in.md with loopback ports and temporary paths. Screenshots are saved under
// test-results/browser/ (the path is printed); docs/images/sign-in.png is copied from there.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { httpPrelude, startNginx } from '../helpers/nginx.js';
import { type ManagedProcess, registerExitCleanup, resolveBinary } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
/** The service's clock runs this far ahead of the real one: a session's interval passes at once. */
let clockOffsetMs = 0;
const RECHECK_SECONDS = 300;
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'browser');

/** The browser sign-in recipe for nginx of docs/sign-in.md. */
function nginxConf(dir: string, listen: number, service: string, upstream: string): string {
  return `worker_processes 1;
events { worker_connections 64; }
http {
  ${httpPrelude(dir)}

  server {
    listen 127.0.0.1:${listen};

    # The sign-in page, sign-out and the token endpoints, through the proxy.
    location /auth/ {
      proxy_pass ${service};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }

    location /app/ {
      auth_request /_verify;
      auth_request_set $auth_user $upstream_http_x_auth_user;
      auth_request_set $auth_groups $upstream_http_x_auth_groups;
      auth_request_set $auth_email $upstream_http_x_auth_email;
      auth_request_set $auth_name $upstream_http_x_auth_name;
      proxy_set_header X-Auth-User $auth_user;
      proxy_set_header X-Auth-Groups $auth_groups;
      proxy_set_header X-Auth-Email $auth_email;
      proxy_set_header X-Auth-Name $auth_name;
      # A session re-checked against the directory comes back with a renewed cookie: pass it on
      # (nginx drops the headers of an auth_request answer otherwise).
      auth_request_set $session_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $session_cookie;
      proxy_pass ${upstream};
      error_page 401 = /_signin;
    }

    # Asked before every request: 200, or 401 (never a redirect: auth_request takes any other
    # status as an error), for browsers too thanks to ?browser=401.
    location = /_verify {
      internal;
      proxy_pass ${service}/auth/verify?browser=401;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
    }

    # A refused request: browsers are redirected to the sign-in page with the URL they asked
    # for; API clients get the seed's 401.
    location = /_signin {
      internal;
      proxy_pass ${service}/auth/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_hide_header WWW-Authenticate; # auth_request already passed the challenge on
    }
  }
}
`;
}

/** The protected application: a page naming the user nginx vouches for. */
function application(seen: IncomingHttpHeaders[]): Server {
  return createServer((req, res) => {
    seen.push(req.headers);
    const user = String(req.headers['x-auth-user'] ?? '');
    res
      .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><title>Reports</title><h1>Reports for ${user.replace(/[^\w.-]/g, '')}</h1>` +
          `<p>You asked for ${req.url?.replace(/[<>&"]/g, '')}</p><a href="/auth/login">Your account</a>`,
      );
  });
}

describe('browser sign-in through nginx, in chromium', () => {
  let slapd: SlapdServer;
  let service: RunningService;
  let upstream: Server;
  let nginx: ManagedProcess;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const seen: IncomingHttpHeaders[] = [];

  const shot = async (name: string) => {
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };

  before(async () => {
    resolveBinary(CHROMIUM, 'chromium');
    mkdirSync(SCREENSHOTS, { recursive: true });
    slapd = await startSlapd();
    upstream = application(seen);
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    service = await serve(
      createAuth({
        secretKey: 'browser-e2e-secret-0123456789abcdef0123',
        ldap: { url: slapd.url, topDn: 'ou=people,dc=example,dc=org' },
        trustedProxies: ['loopback'],
        now: () => Date.now() + clockOffsetMs,
        // Plain http on loopback: the browser would not send Secure cookies back.
        browser: {
          enabled: true,
          cookieSecure: false,
          allowedRedirectHosts: ['127.0.0.1'],
          sessionRecheckSeconds: RECHECK_SECONDS,
        },
      }),
      { host: '127.0.0.1', port: 0 },
    );

    const started = await startNginx('nginx-browser', (dir, port) =>
      nginxConf(dir, port, service.url, upstreamUrl),
    );
    nginx = started.process;
    base = started.url;

    const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    registerExitCleanup(() => rmSync(profile, { recursive: true, force: true }));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    console.log(`screenshots: ${SCREENSHOTS}`);
  });

  after(async () => {
    await context?.close();
    await nginx?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await service?.close();
    await slapd?.stop();
  });

  it('a protected page sends the browser to the sign-in page, which looks right narrow and wide', async () => {
    seen.length = 0;
    const response = await page.goto(`${base}/app/reports?year=2026&q=a%20b`);
    assert.equal(response?.status(), 200);
    const url = new URL(page.url());
    assert.equal(url.pathname, '/auth/login');
    assert.equal(url.searchParams.get('rd'), `${base}/app/reports?year=2026&q=a%20b`);
    assert.equal(await page.title(), 'Sign in');
    await page.getByLabel('Username').waitFor();
    await page.getByLabel('Password').waitFor();
    assert.equal(seen.length, 0, 'the application was never asked');
    // No CSP violation: the inline style is in effect (the card is narrower than the window).
    const cardWidth = await page
      .locator('main')
      .evaluate((main) => main.getBoundingClientRect().width);
    assert.ok(cardWidth > 300 && cardWidth <= 400, `card ${cardWidth}px wide at 1280px`);
    await shot('sign-in-wide');
    await page.setViewportSize({ width: 375, height: 667 });
    const narrow = await page.locator('main').evaluate((main) => ({
      width: main.getBoundingClientRect().width,
      scroll: main.ownerDocument.documentElement.scrollWidth,
    }));
    assert.ok(
      narrow.width <= 375 - 16 && narrow.scroll <= 375,
      `no sideways scroll: ${JSON.stringify(narrow)}`,
    );
    await shot('sign-in-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('a wrong password shows its message, announced, with the username kept', async () => {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('not-her-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(
      (await page.getByRole('alert').textContent())?.trim(),
      'The username or password is incorrect.',
    );
    assert.equal(await page.getByLabel('Username').inputValue(), 'alice');
    assert.equal(await page.getByLabel('Password').inputValue(), '');
    await shot('sign-in-wrong-password');
  });

  it('signing in lands on the protected page; a reload stays signed in', async () => {
    await page.getByLabel('Password').fill('wonderland');
    await Promise.all([
      page.waitForURL(`${base}/app/**`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    assert.equal(page.url(), `${base}/app/reports?year=2026&q=a%20b`);
    assert.equal(await page.locator('h1').textContent(), 'Reports for alice');
    assert.equal(seen.at(-1)?.['x-auth-user'], 'alice');
    const cookies = await context.cookies(base);
    const session = cookies.find((cookie) => cookie.name === 'ldap_token_auth');
    assert.ok(session, 'the token cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(
      await page.evaluate(
        () => (globalThis as unknown as { document: { cookie: string } }).document.cookie,
      ),
      '',
      'no script can read the cookies',
    );
    await shot('signed-in');

    const reloaded = await page.reload();
    assert.equal(reloaded?.status(), 200);
    assert.equal(await page.locator('h1').textContent(), 'Reports for alice');
  });

  it('past SESSION_RECHECK_SECONDS the session asks the directory again, and nginx passes the renewed cookie on', async () => {
    const session = async () =>
      (await context.cookies(base)).find((cookie) => cookie.name === 'ldap_token_auth')?.value;
    const before = await session();
    assert.ok(before);
    await page.reload();
    assert.equal(await session(), before, 'nothing to renew within the interval');
    clockOffsetMs += RECHECK_SECONDS * 1000;
    const reloaded = await page.reload();
    assert.equal(reloaded?.status(), 200);
    assert.equal(await page.locator('h1').textContent(), 'Reports for alice');
    const after = await session();
    assert.ok(after && after !== before, 'the renewed cookie reached the browser through nginx');
    const [old, renewed] = [decodeJwt(before), decodeJwt(after)];
    assert.equal(renewed.sid, old.sid);
    assert.equal(renewed.exp, old.exp);
    assert.ok(renewed.iat! > old.iat!);
  });

  it('signing out clears the cookie, revokes the token, and the protected page asks again', async () => {
    const token = (await context.cookies(base)).find(
      (cookie) => cookie.name === 'ldap_token_auth',
    )?.value;
    assert.ok(token);
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.getByText('You are signed in as alice').waitFor();
    await Promise.all([
      page.waitForURL(`${base}/auth/login`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.getByLabel('Username').waitFor();
    assert.equal(
      (await context.cookies(base)).find((cookie) => cookie.name === 'ldap_token_auth'),
      undefined,
    );
    await page.goto(`${base}/app/reports`);
    assert.equal(new URL(page.url()).pathname, '/auth/login');
    const seenBefore = seen.length;
    // The token that was in the cookie is revoked (TOKEN_REVOCATION is off: sessions always
    // are), wherever it might have been copied to: replayed with curl as the cookie, or a Bearer.
    const curl = (...headers: string[]) =>
      run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        ...headers.flatMap((header) => ['-H', header]),
        `${base}/app/reports`,
      ]).then(({ stdout }) => Number(stdout));
    assert.equal(await curl(`Cookie: ldap_token_auth=${token}`), 401);
    assert.equal(await curl(`Cookie: ldap_token_auth=${token}`, 'Accept: text/html'), 302);
    assert.equal(await curl(`Authorization: Bearer ${token}`), 401);
    assert.equal(seen.length, seenBefore, 'the application never saw the replays');
  });

  it('API clients through the same nginx keep the seed 401, not a redirect', async () => {
    const answer = await fetch(`${base}/app/reports`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('www-authenticate'), 'Basic realm="Authentication Required"');
    assert.equal(
      await answer.text(),
      '{"error":"unauthorized","message":"Please authenticate with a valid token","status":401}',
    );
  });

  it('an open-redirect attempt is refused: rd=https://evil.example/ lands on this site', async () => {
    await page.goto(`${base}/auth/login?rd=${encodeURIComponent('https://evil.example/')}`);
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill('can-we-fix-it');
    await Promise.all([
      page.waitForURL(`${base}/auth/login`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await page.getByText('You are signed in as bob').waitFor();
    assert.equal(new URL(page.url()).host, new URL(base).host);
  });
});
