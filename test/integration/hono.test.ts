// The Hono adapter against the conformance suite, on @hono/node-server, at the default prefix and
// at another one; then what only Hono has: app.request() with Web Request/Response, c.get('user').
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { ldapTokenAuth } from '../../src/adapters/hono.js';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { runConformance } from '../conformance/cases.js';
import { assertTokenIssued } from '../helpers/conformance-answers.js';
import {
  basic,
  type ConformanceOptions,
  type ConformanceServer,
  conformanceOptions,
  listeningTarget,
  SEED_BODY,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

function helloApp(options: ConformanceOptions, prefix?: string) {
  const auth = ldapTokenAuth(options.auth, prefix === undefined ? {} : { prefix });
  const users: AuthenticatedUser[] = [];
  const app = new Hono();
  app.route('/', auth.routes);
  app.get('/', auth.loginRequired(), (c) => {
    users.push(c.get('user'));
    return c.text('hello, world');
  });
  app.get('/staff', auth.loginRequired({ groups: ['staff'] }), (c) => {
    users.push(c.get('user'));
    return c.text('hello, staff');
  });
  return { app, auth, users };
}

async function startHello(
  options: ConformanceOptions,
  prefix?: string,
): Promise<ConformanceServer> {
  const { app, auth, users } = helloApp(options, prefix);
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started as Server),
    );
  });
  return listeningTarget(server, auth, users, prefix);
}

runConformance('Hono, routes at /auth', (options) => startHello(options));
runConformance('Hono, routes at /api/v1/auth', (options) => startHello(options, '/api/v1/auth'));

describe('Hono adapter', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(() => directory?.close());

  it('answers Web Requests with Web Responses (app.request), c.get("user") set', async () => {
    const { app, auth, users } = helloApp(conformanceOptions(directory.url));
    try {
      const refused = await app.request('http://example.org/');
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('location'), 'http://example.org/auth/request-token');
      assert.equal(await refused.text(), SEED_BODY);

      const issued = await app.request('http://example.org/auth/request-token', {
        method: 'POST',
        headers: { authorization: basic('alice', 'wonderland') },
      });
      const body = await issued.text();
      const token = assertTokenIssued(
        {
          method: 'POST',
          url: '',
          sent: undefined,
          status: issued.status,
          headers: issued.headers,
          body,
        },
        USERS.alice,
      );
      const hello = await app.request('/', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(await hello.text(), 'hello, world');
      assert.equal(users.at(-1)?.username, 'alice');
    } finally {
      await auth.close();
    }
  });
});
