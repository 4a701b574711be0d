// The standalone service (node:http, no framework) against the conformance suite, then its own
// routes: /public, unknown paths, and the mount option. Embedded directory, real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { runConformance } from '../conformance/cases.js';
import {
  assertHello,
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
  call,
} from '../helpers/conformance-answers.js';
import {
  basic,
  conformanceOptions,
  startFixtureDirectory,
  USERS,
} from '../helpers/conformance-fixtures.js';

runConformance(
  'standalone service',
  async (options) => {
    const service = await serve(createAuth(options.auth), { host: '127.0.0.1', port: 0 });
    return {
      baseUrl: service.url,
      tokenPath: '/auth/request-token',
      staffPath: '/auth/verify?groups=staff',
      close: () => service.close(),
    };
  },
  { handler: false },
);

describe('standalone service', () => {
  let directory: TestDirectory;
  let service: RunningService;
  before(async () => {
    directory = await startFixtureDirectory();
    service = await serve(createAuth(conformanceOptions(directory.url).auth), {
      host: '127.0.0.1',
      port: 0,
    });
  });
  after(async () => {
    await service?.close();
    await directory?.close();
  });

  it('serves http://127.0.0.1:<port>', () => {
    assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('/public answers hello, world without a token, and with a bad one', async () => {
    assertHello(await call(`${service.url}/public`));
    assertHello(await call(`${service.url}/public?x=1`));
    assertHello(await call(`${service.url}/public`, { authorization: 'Bearer not.a.token' }));
  });

  it('/ takes a query string and still wants a token', async () => {
    assertUnauthorized(await call(`${service.url}/?x=1`), `${service.url}/auth/request-token`);
  });

  for (const path of ['/nope', '/auth', '/auth/', '/auth/request-token/x', '/publicx', '/index']) {
    it(`GET ${path}: 404 in the error shape`, async () => {
      assertProblem(await call(`${service.url}${path}`), 404, 'not_found', 'There is nothing here');
    });
  }

  it('POST to an unknown path: 404 in the error shape, credentials or not', async () => {
    const answer = await call(`${service.url}/nope`, {
      method: 'POST',
      authorization: basic('alice', 'wonderland'),
    });
    assertProblem(answer, 404, 'not_found', 'There is nothing here');
  });

  it('the mount option moves the token endpoint, and Location follows it', async () => {
    const other = await serve(
      createAuth(conformanceOptions(directory.url).auth),
      { host: '127.0.0.1', port: 0 },
      { mount: '/api/v1/auth' },
    );
    try {
      const tokenUrl = `${other.url}/api/v1/auth/request-token`;
      assertUnauthorized(await call(`${other.url}/`), tokenUrl);
      const issued = await call(tokenUrl, {
        method: 'POST',
        authorization: basic('alice', 'wonderland'),
      });
      const token = assertTokenIssued(issued, USERS.alice);
      assertHello(await call(`${other.url}/`, { authorization: `Bearer ${token}` }));
      const old = await call(`${other.url}/auth/request-token`, {
        method: 'POST',
        authorization: basic('alice', 'wonderland'),
      });
      assertProblem(old, 404, 'not_found', 'There is nothing here');
    } finally {
      await other.close();
    }
  });
});
