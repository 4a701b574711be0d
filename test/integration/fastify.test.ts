// The Fastify adapter against the conformance suite, at the default prefix and inside a
// prefixed plugin, then what only Fastify has: request.user declared, inject().
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ldapTokenAuth } from '../../src/adapters/fastify.js';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { runConformance } from '../conformance/cases.js';
import { assertTokenIssued } from '../helpers/conformance-answers.js';
import {
  basic,
  type ConformanceOptions,
  type ConformanceServer,
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

/** The seed's hello app on Fastify; the token routes at `{outer}{prefix}`. */
async function startHello(
  options: ConformanceOptions,
  outer = '',
  prefix = '/auth',
): Promise<ConformanceServer & { app: FastifyInstance }> {
  const auth = ldapTokenAuth(options.auth);
  const users: AuthenticatedUser[] = [];
  const app = Fastify();
  await app.register(
    async (scope) => {
      await scope.register(auth.plugin, { prefix });
      scope.get('/', { preHandler: auth.loginRequired() }, async (request) => {
        users.push(request.user!);
        return 'hello, world';
      });
      scope.get(
        '/staff',
        { preHandler: auth.loginRequired({ groups: ['staff'] }) },
        async (request) => {
          users.push(request.user!);
          return 'hello, staff';
        },
      );
    },
    { prefix: outer },
  );
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    baseUrl: `${baseUrl}${outer}`,
    tokenPath: `${prefix}/request-token`,
    staffPath: '/staff',
    users,
    close: async () => {
      await app.close();
      await auth.close();
    },
  };
}

runConformance('Fastify, plugin at /auth', (options) => startHello(options));
runConformance('Fastify, inside /api with the plugin at /v1/auth', (options) =>
  startHello(options, '/api', '/v1/auth'),
);

describe('Fastify adapter', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(() => directory?.close());

  it('request.user is null on routes the hook does not guard', async () => {
    const auth = ldapTokenAuth(conformanceOptions(directory.url).auth);
    const app = Fastify();
    await app.register(auth.plugin);
    app.get('/open', async (request) => ({ user: request.user }));
    try {
      const answer = await app.inject({ method: 'GET', url: '/open' });
      assert.deepEqual(answer.json(), { user: null });
    } finally {
      await app.close();
      await auth.close();
    }
  });

  it('works through inject(): token, then the protected route', async () => {
    const hello = await startHello(conformanceOptions(directory.url));
    try {
      const issued = await hello.app.inject({
        method: 'POST',
        url: '/auth/request-token?token_duration=60',
        headers: { authorization: basic('alice', 'wonderland') },
      });
      const token = assertTokenIssued(
        {
          method: 'POST',
          url: '',
          sent: undefined,
          status: issued.statusCode,
          headers: new Headers(issued.headers as Record<string, string>),
          body: issued.body,
        },
        { ...USERS.alice, expiresIn: 60 },
      );
      const answer = await hello.app.inject({
        method: 'GET',
        url: '/',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.body, 'hello, world');
    } finally {
      await hello.close();
    }
  });
});
