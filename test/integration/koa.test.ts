// The Koa adapter against the conformance suite, at the default prefix and at another one;
// then what only Koa has: ctx.state.user, and the router sharing an app with other routers.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Router from '@koa/router';
import Koa from 'koa';
import { ldapTokenAuth } from '../../src/adapters/koa.js';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { runConformance } from '../conformance/cases.js';
import { assertHello, assertTokenIssued, call } from '../helpers/conformance-answers.js';
import {
  basic,
  type ConformanceOptions,
  type ConformanceServer,
  conformanceOptions,
  listeningTarget,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

async function startHello(
  options: ConformanceOptions,
  prefix?: string,
): Promise<ConformanceServer> {
  const auth = ldapTokenAuth(options.auth, prefix === undefined ? {} : { prefix });
  const users: AuthenticatedUser[] = [];
  const router = new Router();
  router.get('/', auth.loginRequired(), (ctx) => {
    users.push(ctx.state.user!);
    ctx.body = 'hello, world';
  });
  router.get('/staff', auth.loginRequired({ groups: ['staff'] }), (ctx) => {
    users.push(ctx.state.user!);
    ctx.body = 'hello, staff';
  });
  const app = new Koa();
  app.use(auth.router.routes()).use(auth.router.allowedMethods());
  app.use(router.routes());
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return listeningTarget(server, auth, users, prefix);
}

runConformance('Koa, router at /auth', (options) => startHello(options));
runConformance('Koa, router at /api/v1/auth', (options) => startHello(options, '/api/v1/auth'));

describe('Koa adapter', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(() => directory?.close());

  it('loginRequired works as plain app middleware too, before a later one', async () => {
    const auth = ldapTokenAuth(conformanceOptions(directory.url).auth);
    const app = new Koa();
    app.use(auth.router.routes());
    app.use(auth.loginRequired());
    app.use((ctx) => {
      ctx.body = `hello, ${ctx.state.user?.username}`;
    });
    const server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const issued = await call(`${base}/auth/request-token`, {
        method: 'POST',
        authorization: basic('alice', 'wonderland'),
      });
      const token = assertTokenIssued(issued, USERS.alice);
      const answer = await call(`${base}/anything`, { authorization: `Bearer ${token}` });
      assert.equal(answer.body, 'hello, alice');
      assertHello({ ...answer, body: answer.body.replace('alice', 'world') });
    } finally {
      server.close();
      server.closeAllConnections();
      await auth.close();
    }
  });
});
