// Behind a TLS-terminating proxy: the scheme and host of every URL the service builds come from
// X-Forwarded-Proto/-Host or Forwarded when, and only when, the socket's peer is on
// TRUSTED_PROXIES. Requests are sent from two loopback addresses, 127.0.0.1 (trusted) and
// 127.0.0.3 (not), with the same forged headers. Also: sign-in over plain http with Secure
// cookies (the default) is refused with a page that says why, and works over forwarded https.
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve as serveHono } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { ldapTokenAuth as expressAuth } from '../../src/adapters/express.js';
import { ldapTokenAuth as fastifyAuth } from '../../src/adapters/fastify.js';
import { ldapTokenAuth as honoAuth } from '../../src/adapters/hono.js';
import { ldapTokenAuth as koaAuth } from '../../src/adapters/koa.js';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { Browser, HTML } from '../helpers/browser.js';
import { conformanceOptions, startFixtureDirectory } from '../helpers/conformance-fixtures.js';
import { recordingLogger } from '../helpers/load.js';

const TRUSTED = '127.0.0.1';
const UNTRUSTED = '127.0.0.3';
const PUBLIC = 'app.example.org:18443';
const FORGED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': PUBLIC };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request from `from` (a loopback address), with exactly the headers given (and Host). */
function send(
  url: string,
  from: string,
  headers: Record<string, string>,
  options: { method?: string; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        localAddress: from,
        headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

describe('behind a TLS proxy: the forwarded scheme and host, from trusted proxies only', () => {
  let directory: TestDirectory;
  let service: RunningService;
  const log = recordingLogger();
  before(async () => {
    directory = await startFixtureDirectory();
    service = await serve(
      createAuth({
        ...conformanceOptions(directory.url).auth,
        trustedProxies: [TRUSTED],
        browser: { enabled: true },
        logger: log.logger,
      }),
      { host: '127.0.0.1', port: 0 },
    );
  });
  after(async () => {
    await service?.close();
    await directory?.close();
  });

  it("the 401's Location: https and the public host from the proxy, the socket's from anyone else", async () => {
    const trusted = await send(`${service.url}/`, TRUSTED, FORGED);
    assert.equal(trusted.status, 401);
    assert.equal(trusted.headers.location, `https://${PUBLIC}/auth/request-token`);
    const untrusted = await send(`${service.url}/`, UNTRUSTED, FORGED);
    assert.equal(untrusted.status, 401);
    assert.equal(untrusted.headers.location, `${service.url}/auth/request-token`);
    const token = await send(`${service.url}/auth/request-token`, UNTRUSTED, FORGED, {
      method: 'POST',
    });
    assert.equal(token.headers.location, `${service.url}/auth/request-token`);
  });

  it('RFC 7239 Forwarded counts from the proxy; X-Forwarded-* win over it; garbage is ignored', async () => {
    const forwarded = { forwarded: `for=192.0.2.1;proto=https;host="${PUBLIC}"` };
    const viaForwarded = await send(`${service.url}/`, TRUSTED, forwarded);
    assert.equal(viaForwarded.headers.location, `https://${PUBLIC}/auth/request-token`);
    const both = await send(`${service.url}/`, TRUSTED, {
      ...FORGED,
      forwarded: 'proto=http;host=evil.example',
    });
    assert.equal(both.headers.location, `https://${PUBLIC}/auth/request-token`);
    const fromUntrusted = await send(`${service.url}/`, UNTRUSTED, forwarded);
    assert.equal(fromUntrusted.headers.location, `${service.url}/auth/request-token`);
    const garbage = await send(`${service.url}/`, TRUSTED, {
      'x-forwarded-proto': 'javascript',
      'x-forwarded-host': 'evil.example/steal?x=',
      forwarded: 'host="evil.example@x"',
    });
    assert.equal(garbage.headers.location, `${service.url}/auth/request-token`);
  });

  it('sign-in through the proxy with Secure cookies: page, CSRF origin and cookie agree with https', async () => {
    const browser = new Browser(service.url);
    const page = await browser.get('/auth/login', FORGED);
    assert.equal(page.status, 200);
    assert.match(browser.cookie, /^__Host-\w+_csrf=/, 'the Secure, __Host- CSRF cookie');
    const csrf = Browser.csrfOf(page.body);
    const form = { csrf, username: 'alice', password: 'wonderland' };
    // The browser's page was https://app.example.org:18443: its Origin says so.
    const signedIn = await browser.post('/auth/login', form, {
      ...FORGED,
      origin: `https://${PUBLIC}`,
    });
    assert.equal(signedIn.status, 303);
    assert.match(signedIn.headers.get('set-cookie') ?? '', /^__Host-[^=]+=[\w.-]+;.*Secure/);
    // An http page of the same host (anyone on the network path can write one) is another
    // site, and so is the proxy's internal address.
    for (const origin of [`http://${PUBLIC}`, service.url]) {
      const refused = await browser.post('/auth/login', form, { ...FORGED, origin });
      assert.equal(refused.status, 403, origin);
      assert.match(refused.body, /expired or came from another site/);
    }
  });

  it('plain http to a public name: 403 saying https is needed (or COOKIE_SECURE=false), logged once', async () => {
    const before = log.events().filter((event) => event === 'sign_in_needs_https').length;
    assert.equal(before, 0);
    // Forged headers from an untrusted peer do not make a request https.
    const html = await send(`${service.url}/auth/login`, UNTRUSTED, {
      ...FORGED,
      host: 'app.example.org',
      accept: HTML,
    });
    assert.equal(html.status, 403);
    assert.match(String(html.headers['content-type']), /^text\/html/);
    assert.match(html.body, /needs https/);
    assert.match(html.body, /COOKIE_SECURE=false/);
    assert.doesNotMatch(html.body, /<form/);
    assert.equal(html.headers['set-cookie'], undefined, 'no cookie the browser would drop');
    const api = await send(
      `${service.url}/auth/login`,
      UNTRUSTED,
      {
        host: 'app.example.org',
        'content-type': 'application/x-www-form-urlencoded',
      },
      { method: 'POST', body: 'username=alice&password=wonderland' },
    );
    assert.equal(api.status, 403);
    assert.equal(api.headers['content-type'], 'application/json');
    const problem = JSON.parse(api.body) as Record<string, unknown>;
    assert.equal(problem.error, 'https_required');
    assert.equal(problem.status, 403);
    assert.match(String(problem.message), /https/);
    const plainFromProxy = await send(`${service.url}/auth/login`, TRUSTED, {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'app.example.org',
      accept: HTML,
    });
    assert.equal(plainFromProxy.status, 403, 'the proxy says the browser used http');
    const logged = log.lines.filter((line) => line.fields.event === 'sign_in_needs_https');
    assert.equal(logged.length, 1, 'once, not per request');
    assert.equal(logged[0]?.level, 'warn');
    assert.doesNotMatch(JSON.stringify(log.lines), /wonderland/);
  });

  it('plain http on loopback signs in: browsers keep Secure cookies from http://127.0.0.1', async () => {
    const browser = new Browser(service.url);
    const page = await browser.get('/auth/login');
    assert.equal(page.status, 200);
    const csrf = Browser.csrfOf(page.body);
    const signedIn = await browser.post('/auth/login', {
      csrf,
      username: 'alice',
      password: 'wonderland',
    });
    assert.equal(signedIn.status, 303);
  });

  it('the OpenAPI document names no absolute server: clients resolve paths where they fetched it', async () => {
    const document = await send(`${service.url}/auth/openapi.json`, TRUSTED, FORGED);
    assert.equal(document.status, 200);
    const parsed = JSON.parse(document.body) as { servers?: { url: string }[] };
    for (const server of parsed.servers ?? []) assert.doesNotMatch(server.url, /^[a-z]+:/);
    assert.doesNotMatch(document.body, /127\.0\.0\.1|http:\/\/app\.example/);
  });
});

describe('adapters: each framework’s own trust setting, else TRUSTED_PROXIES', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(async () => {
    await directory?.close();
  });

  async function locations(url: string): Promise<{ trusted: unknown; untrusted: unknown }> {
    const trusted = await send(url, TRUSTED, FORGED);
    const untrusted = await send(url, UNTRUSTED, FORGED);
    assert.equal(trusted.status, 401);
    assert.equal(untrusted.status, 401);
    return { trusted: trusted.headers.location, untrusted: untrusted.headers.location };
  }

  it('Express: `trust proxy` decides (req.protocol, req.host)', async () => {
    const auth = expressAuth(conformanceOptions(directory.url).auth);
    const app = express();
    app.set('trust proxy', TRUSTED);
    app.use('/auth', auth.router);
    app.get('/', auth.loginRequired(), (_req, res) => res.send('hello'));
    const server = await new Promise<Server>((resolve) => {
      const started = app.listen(0, '127.0.0.1', () => resolve(started));
    });
    try {
      const port = portOf(server);
      assert.deepEqual(await locations(`http://127.0.0.1:${port}/`), {
        trusted: `https://${PUBLIC}/auth/request-token`,
        untrusted: `http://127.0.0.1:${port}/auth/request-token`,
      });
    } finally {
      server.closeAllConnections();
      server.close();
      await auth.close();
    }
  });

  it('Fastify: `trustProxy` decides (request.protocol, request.host)', async () => {
    const auth = fastifyAuth(conformanceOptions(directory.url).auth);
    const app = Fastify({ trustProxy: TRUSTED });
    await app.register(auth.plugin);
    app.get('/', { preHandler: auth.loginRequired() }, async () => 'hello');
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = portOf(app.server);
      assert.deepEqual(await locations(`http://127.0.0.1:${port}/`), {
        trusted: `https://${PUBLIC}/auth/request-token`,
        untrusted: `http://127.0.0.1:${port}/auth/request-token`,
      });
    } finally {
      await app.close();
      await auth.close();
    }
  });

  it('Koa: `app.proxy` decides (ctx.protocol, ctx.host)', async () => {
    const auth = koaAuth(conformanceOptions(directory.url).auth);
    const app = new Koa();
    app.proxy = true;
    app.use(auth.router.routes());
    app.use(auth.loginRequired());
    app.use((ctx) => {
      ctx.body = 'hello';
    });
    const server = await new Promise<Server>((resolve) => {
      const started = app.listen(0, '127.0.0.1', () => resolve(started));
    });
    try {
      const port = portOf(server);
      const trusted = await send(`http://127.0.0.1:${port}/`, TRUSTED, FORGED);
      assert.equal(trusted.headers.location, `https://${PUBLIC}/auth/request-token`);
    } finally {
      server.closeAllConnections();
      server.close();
      await auth.close();
    }
  });

  it('Hono (no trust setting of its own): TRUSTED_PROXIES decides', async () => {
    const auth = honoAuth({ ...conformanceOptions(directory.url).auth, trustedProxies: [TRUSTED] });
    const app = new Hono();
    app.route('/', auth.routes);
    app.get('/', auth.loginRequired(), (c) => c.text('hello'));
    const server = await new Promise<Server>((resolve) => {
      const started = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started as Server),
      );
    });
    try {
      const port = portOf(server);
      assert.deepEqual(await locations(`http://127.0.0.1:${port}/`), {
        trusted: `https://${PUBLIC}/auth/request-token`,
        untrusted: `http://127.0.0.1:${port}/auth/request-token`,
      });
    } finally {
      server.closeAllConnections();
      server.close();
      await auth.close();
    }
  });
});
