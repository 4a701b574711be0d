// Forward auth through a real Caddy (Debian's 2.6.2, `forward_auth`): the Caddyfile is read from
// docs/recipes/forward-auth.md, its host names replaced by loopback addresses, so a recipe that
// drifts fails here. Caddy asks the standalone service's /auth/verify before proxying to a small
// upstream that records what it receives; the sign-in page (LOGIN_PAGE) is reached through it.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { startCaddy } from '../helpers/caddy.js';
import { assertUnauthorized } from '../helpers/conformance-answers.js';
import {
  aliceClaims,
  basic,
  conformanceOptions,
  forge,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';
import { fencedBlocks } from '../helpers/markdown.js';
import type { ManagedProcess } from '../helpers/process.js';

const RECIPE = fileURLToPath(new URL('../../docs/recipes/forward-auth.md', import.meta.url));
const SERVICE_PAGE = fileURLToPath(new URL('../../docs/service.md', import.meta.url));

/** The recipe's names for the site, the service and the application. */
const SITE = 'app.example.org';
const SERVICE = 'ldap-token-auth:5000';
const APPLICATION = 'app:8080';

/** The recipe's Caddyfile with loopback addresses in place of its three names. */
function caddyfile(recipe: string, port: number, service: string, upstream: string): string {
  for (const name of [SITE, SERVICE, APPLICATION]) {
    assert.ok(recipe.includes(name), `the recipe no longer names ${name}`);
  }
  return recipe
    .replaceAll(SITE, `http://127.0.0.1:${port}`)
    .replaceAll(SERVICE, service)
    .replaceAll(APPLICATION, upstream);
}

/** A client's forgeries of every header the application trusts. */
const FORGED = {
  'x-auth-user': 'mallory',
  'x-auth-groups': 'admins',
  'x-auth-email': 'mallory@evil.example',
  'x-auth-name': 'Mallory',
};

interface Reply {
  status: number;
  headers: Headers;
  body: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** The cookies a reply sets, as `name=value` pairs (a cleared cookie has an empty value). */
function setCookies(reply: Reply): Map<string, string> {
  const jar = new Map<string, string>();
  for (const line of reply.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return jar;
}

const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

/** The hidden fields of the page's form, unescaped. */
function hiddenFields(html: string): URLSearchParams {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    const value = match[2]!
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
    fields.append(match[1]!, value);
  }
  return fields;
}

describe('Caddy forward_auth, from the recipe, in front of an application', () => {
  let directory: TestDirectory;
  let service: RunningService;
  let upstream: Server;
  let caddy: ManagedProcess;
  let base: string;
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    directory = await startFixtureDirectory();
    service = await serve(
      createAuth({
        ...conformanceOptions(directory.url).auth,
        revocation: { enabled: true },
        trustedProxies: ['loopback'],
        // Plain http on loopback: Secure cookies would not come back.
        browser: { enabled: true, cookieSecure: false, allowedRedirectHosts: ['127.0.0.1'] },
      }),
      { host: '127.0.0.1', port: 0 },
    );
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`upstream saw ${req.url}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamAddress = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const serviceAddress = service.url.replace('http://', '');
    const recipes = await fencedBlocks(RECIPE, 'caddyfile');
    assert.equal(recipes.length, 1, 'one Caddyfile in the recipe');
    const recipe = recipes[0]!;
    const started = await startCaddy('caddy-e2e', (port) =>
      caddyfile(recipe, port, serviceAddress, upstreamAddress),
    );
    caddy = started.process;
    base = started.url;
  });
  after(async () => {
    await caddy?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await service?.close();
    await directory?.close();
  });

  it("docs/service.md's forward-auth Caddyfile is the recipe's", async () => {
    const [recipe] = await fencedBlocks(RECIPE, 'caddyfile');
    assert.equal((await fencedBlocks(SERVICE_PAGE, 'caddyfile'))[0], recipe);
  });

  it('no token: the seed 401 through Caddy, and the application is never asked', async () => {
    seen.length = 0;
    for (const authorization of [undefined, 'Bearer not.a.token']) {
      const reply = await fetch(`${base}/app/hello`, {
        headers: authorization ? { authorization } : {},
        redirect: 'manual',
      });
      assertUnauthorized(
        {
          method: 'GET',
          url: `${base}/app/hello`,
          sent: authorization,
          status: reply.status,
          headers: reply.headers,
          body: await reply.text(),
        },
        `${base}/auth/request-token`,
      );
    }
    assert.equal(seen.length, 0);
  });

  it('a token from the token endpoint through Caddy: the application sees who, forgeries replaced', async () => {
    const issued = await fetch(`${base}/auth/request-token`, {
      method: 'POST',
      headers: { authorization: basic(USERS.alice.username, USERS.alice.password) },
    });
    assert.equal(issued.status, 200, 'the token endpoint is not behind forward_auth');
    const { access_token: token } = (await issued.json()) as { access_token: string };
    seen.length = 0;
    const reply = await get(`${base}/app/hello?x=1`, {
      authorization: `Bearer ${token}`,
      ...FORGED,
    });
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.body, 'upstream saw /app/hello?x=1');
    const direct = await get(`${service.url}/auth/verify`, { authorization: `Bearer ${token}` });
    const headers = seen.at(-1)?.headers ?? {};
    for (const name of Object.keys(FORGED)) {
      assert.equal(headers[name] ?? '', direct.headers.get(name), `${name} is the service's`);
    }
    assert.equal(headers['x-auth-user'], 'alice');
  });

  it('a user with no groups, email or name: no placeholder and no forged value reaches the application', async () => {
    seen.length = 0;
    const bare = await forge(aliceClaims());
    const reply = await get(`${base}/app/bare`, { authorization: `Bearer ${bare}`, ...FORGED });
    assert.equal(reply.status, 200, reply.body);
    const headers = seen.at(-1)?.headers ?? {};
    assert.equal(headers['x-auth-user'], 'alice');
    for (const name of ['x-auth-groups', 'x-auth-email', 'x-auth-name']) {
      assert.equal(headers[name] ?? '', '', `${name}: ${headers[name]}`);
    }
  });

  it('groups, email and name in the token reach the application', async () => {
    seen.length = 0;
    const full = await forge(
      aliceClaims({ groups: ['staff', 'admins'], email: 'alice@example.org', name: 'Alice' }),
    );
    const reply = await get(`${base}/app/full`, { authorization: `Bearer ${full}`, ...FORGED });
    assert.equal(reply.status, 200, reply.body);
    const headers = seen.at(-1)?.headers ?? {};
    assert.equal(headers['x-auth-groups'], 'staff,admins');
    assert.equal(headers['x-auth-email'], 'alice@example.org');
    assert.equal(headers['x-auth-name'], 'Alice');
  });

  it('a browser: sent to the sign-in page, signed in, then signed out', async () => {
    seen.length = 0;
    const asked = `${base}/app/reports?year=2026`;
    const html = { accept: 'text/html,application/xhtml+xml' };
    const refused = await get(asked, html);
    assert.equal(refused.status, 302);
    const signIn = new URL(refused.headers.get('location') ?? '', base);
    assert.equal(`${signIn.origin}${signIn.pathname}`, `${base}/auth/login`);
    assert.equal(signIn.searchParams.get('rd'), asked, 'the return URL is the one asked for');
    assert.equal(seen.length, 0, 'the application was never asked');

    const page = await get(signIn.href, html);
    assert.equal(page.status, 200);
    const jar = setCookies(page);
    const form = hiddenFields(page.body);
    form.set('username', USERS.alice.username);
    form.set('password', USERS.alice.password);
    const posted = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: base,
        cookie: cookieHeader(jar),
      },
      body: form,
      redirect: 'manual',
    });
    assert.equal(posted.status, 303, await posted.text());
    assert.equal(posted.headers.get('location'), asked);
    for (const [name, value] of setCookies({ status: 303, headers: posted.headers, body: '' })) {
      jar.set(name, value);
    }

    const signedIn = await get(asked, { ...html, cookie: cookieHeader(jar), ...FORGED });
    assert.equal(signedIn.status, 200, signedIn.body);
    assert.equal(seen.at(-1)?.headers['x-auth-user'], 'alice');
    assert.notEqual(seen.at(-1)?.headers['x-auth-email'], FORGED['x-auth-email']);

    const account = await get(`${base}/auth/login`, { ...html, cookie: cookieHeader(jar) });
    assert.match(account.body, /You are signed in as <strong>alice<\/strong>/);
    const signedInJar = new Map(jar);
    const signOut = await fetch(`${base}/auth/logout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: base,
        cookie: cookieHeader(jar),
      },
      body: hiddenFields(account.body),
      redirect: 'manual',
    });
    assert.equal(signOut.status, 303, await signOut.text());
    const cleared = setCookies({ status: 303, headers: signOut.headers, body: '' });
    assert.ok(
      [...cleared].some(([name, value]) => signedInJar.has(name) && value === ''),
      'the session cookie is cleared',
    );
    // The old cookie, replayed, is refused too: the token in it was revoked.
    const replayed = await get(asked, { ...html, cookie: cookieHeader(signedInJar) });
    assert.equal(replayed.status, 302);
    assert.equal(new URL(replayed.headers.get('location') ?? '', base).pathname, '/auth/login');
  });
});
