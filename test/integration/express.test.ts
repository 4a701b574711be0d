// The Express adapter against the conformance suite, then what only Express has: mount paths,
// req.user, and the handler not running on a refusal. Embedded directory, real HTTP.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type Express } from 'express';
import { type ExpressAuth, ldapTokenAuth } from '../../src/adapters/express.js';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { runConformance } from '../conformance/cases.js';
import {
  assertHello,
  assertTokenIssued,
  assertUnauthorized,
  call,
} from '../helpers/conformance-answers.js';
import {
  aliceClaims,
  basic,
  type ConformanceOptions,
  type ConformanceServer,
  conformanceOptions,
  forge,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

async function listen(app: Express): Promise<{ baseUrl: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, server };
}

async function stop(server: Server, auth: ExpressAuth): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await auth.close();
}

interface HelloApp extends ConformanceServer {
  /** The `req.user` of every call of the protected handler, in order. */
  users: AuthenticatedUser[];
}

/** The seed's hello app on Express, with the token router mounted at `mount`. */
async function startHello(options: ConformanceOptions, mount = '/auth'): Promise<HelloApp> {
  const auth = ldapTokenAuth(options.auth);
  const users: AuthenticatedUser[] = [];
  const app = express();
  app.use(mount, auth.router);
  app.get('/', auth.loginRequired(), (req, res) => {
    // The suite expects 'hello, world': a missing user turns into a failure it reports.
    if (typeof req.user?.username !== 'string' || typeof req.user.dn !== 'string') {
      res.status(500).send('loginRequired let a request through without req.user');
      return;
    }
    users.push(req.user);
    res.send('hello, world');
  });
  app.get('/staff', auth.loginRequired({ groups: ['staff'] }), (req, res) => {
    users.push(req.user!);
    res.send('hello, staff');
  });
  const { baseUrl, server } = await listen(app);
  return {
    baseUrl,
    tokenPath: `${mount}/request-token`,
    staffPath: '/staff',
    users,
    close: () => stop(server, auth),
  };
}

runConformance('Express, router at /auth', (options) => startHello(options));
runConformance('Express, router at /api/v1/auth', (options) => startHello(options, '/api/v1/auth'));

describe('Express adapter', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(() => directory?.close());

  describe('where the router is mounted', () => {
    it('at /api/v1/auth: Location and the token endpoint follow the mount path', async () => {
      const app = await startHello(conformanceOptions(directory.url), '/api/v1/auth');
      try {
        const tokenUrl = `${app.baseUrl}/api/v1/auth/request-token`;
        assertUnauthorized(await call(`${app.baseUrl}/`), tokenUrl);
        const issued = await call(tokenUrl, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        assertTokenIssued(issued, USERS.alice);
        const elsewhere = await call(`${app.baseUrl}/auth/request-token`, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        assert.equal(elsewhere.status, 404);
      } finally {
        await app.close();
      }
    });

    it('in a sub-application mounted in turn: Location has both mount paths', async () => {
      const auth = ldapTokenAuth(conformanceOptions(directory.url).auth);
      const api = express();
      api.use('/v1/auth', auth.router);
      api.get('/hello', auth.loginRequired(), (_req, res) => {
        res.send('hello, world');
      });
      const app = express();
      app.use('/api', api);
      const { baseUrl, server } = await listen(app);
      try {
        const tokenUrl = `${baseUrl}/api/v1/auth/request-token`;
        assertUnauthorized(await call(`${baseUrl}/api/hello`), tokenUrl);
        const issued = await call(tokenUrl, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        const token = assertTokenIssued(issued, USERS.alice);
        assertHello(await call(`${baseUrl}/api/hello`, { authorization: `Bearer ${token}` }));
      } finally {
        await stop(server, auth);
      }
    });

    it('in an express.Router(): Location is the tokenPath given', async () => {
      // An express.Router() does not tell a mounted app where it is, so the path is given.
      const auth = ldapTokenAuth(conformanceOptions(directory.url).auth, {
        tokenPath: '/api/auth/request-token',
      });
      const api = express.Router();
      api.use('/auth', auth.router);
      api.get('/hello', auth.loginRequired(), (_req, res) => {
        res.send('hello, world');
      });
      const app = express();
      app.use('/api', api);
      const { baseUrl, server } = await listen(app);
      try {
        const tokenUrl = `${baseUrl}/api/auth/request-token`;
        // The token endpoint itself is reachable there...
        const issued = await call(tokenUrl, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        assertTokenIssued(issued, USERS.alice);
        // ...so the 401s must point at it.
        assertUnauthorized(await call(`${baseUrl}/api/hello`), tokenUrl);
        assertUnauthorized(
          await call(tokenUrl, { method: 'POST', authorization: basic('alice', 'nope') }),
          tokenUrl,
        );
      } finally {
        await stop(server, auth);
      }
    });
  });

  describe('loginRequired', () => {
    let app: HelloApp;
    before(async () => {
      app = await startHello(conformanceOptions(directory.url));
    });
    after(() => app?.close());

    it('sets req.user to the username, the DN and the claims of the token', async () => {
      const issued = await call(`${app.baseUrl}${app.tokenPath}?token_duration=120`, {
        method: 'POST',
        authorization: basic("o'brien", 'late-night'),
      });
      const token = assertTokenIssued(issued, { ...USERS.obrien, expiresIn: 120 });
      app.users.length = 0;
      assertHello(await call(`${app.baseUrl}/`, { authorization: basic(token, '') }));
      assert.equal(app.users.length, 1);
      const user = app.users[0]!;
      assert.deepEqual(Object.keys(user).sort(), [
        'attributes',
        'claims',
        'dn',
        'groups',
        'username',
      ]);
      assert.equal(user.username, "o'brien");
      assert.equal(user.dn, USERS.obrien.dn);
      assert.equal(user.claims.sub, "o'brien");
      assert.equal(user.claims.dn, USERS.obrien.dn);
      assert.equal(user.claims.exp - user.claims.iat, 120);
      assert.equal(typeof user.claims.jti, 'string');
    });

    it('does not run the handler when it answers 401', async () => {
      const expired = await forge(aliceClaims({ iat: 1_600_000_000, exp: 1_600_000_060 }));
      app.users.length = 0;
      for (const authorization of [
        undefined,
        'Basic !!!',
        basic('alice', 'wonderland'),
        `Bearer ${expired}`,
        `Bearer ${await forge(aliceClaims(), 'some-other-secret-some-other-secret')}`,
      ]) {
        const answer = await call(`${app.baseUrl}/`, { authorization });
        assertUnauthorized(answer, `${app.baseUrl}${app.tokenPath}`);
      }
      assert.equal(app.users.length, 0, 'the protected handler ran');

      assertHello(
        await call(`${app.baseUrl}/`, { authorization: `Bearer ${await forge(aliceClaims())}` }),
      );
      assert.equal(app.users.length, 1, 'the protected handler ran once for a valid token');
      assert.equal(app.users[0]!.username, 'alice');
    });
  });
});
