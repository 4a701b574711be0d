// Every example app in examples/, run as a user would (tsx, configured by the environment),
// against the embedded directory: the seed transcript in three requests. Keeps them from rotting.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TestDirectory } from '../../src/testing/index.js';
import { assertTokenIssued, assertUnauthorized, call } from '../helpers/conformance-answers.js';
import {
  basic,
  SECRET,
  startFixtureDirectory,
  TOP_DN,
  USERS,
} from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { startProcess } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/<framework>/hello.ts', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startFixtureDirectory();
  });
  after(() => directory?.close());

  for (const framework of ['express', 'fastify', 'hono', 'koa', 'nestjs']) {
    it(`${framework}: 401 without a token, a token for alice, then hello, alice`, async () => {
      const port = await freePort();
      const app = await startProcess({
        name: `examples/${framework}/hello.ts`,
        command: process.execPath,
        args: ['--import', 'tsx', `examples/${framework}/hello.ts`],
        cwd: ROOT,
        env: {
          SECRET_KEY: SECRET,
          LDAP_AUTH_SERVER: directory.url,
          LDAP_TOP_DN: TOP_DN,
          PORT: String(port),
          NODE_TEST_CONTEXT: '',
        },
        ready: { port },
      });
      try {
        const base = `http://127.0.0.1:${port}`;
        assertUnauthorized(await call(`${base}/`), `${base}/auth/request-token`);
        const issued = await call(`${base}/auth/request-token`, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        const token = assertTokenIssued(issued, USERS.alice);
        const hello = await call(`${base}/`, { authorization: `Bearer ${token}` });
        assert.equal(hello.status, 200);
        assert.match(hello.body, /^hello, (alice|world)$/);
      } finally {
        await app.stop();
      }
    });
  }
});
