// The directory stopped or never there: a 503 with Retry-After, and tokens already issued
// still work.
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import {
  assertHello,
  assertTokenIssued,
  assertUnauthorized,
  assertUnavailable,
  call,
} from '../helpers/conformance-answers.js';
import {
  basic,
  conformanceOptions,
  startFixtureDirectory,
  USERS,
  WRONG_PASSWORD,
} from '../helpers/conformance-fixtures.js';
import type { Suite } from './suite.js';

/** A loopback port on which nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function directoryDownCases(suite: Suite): void {
  const { withServer } = suite;
  describe('the directory down', () => {
    it('stopped after a token was issued: 503 with Retry-After; the token still works', async () => {
      const own = await startFixtureDirectory();
      try {
        await withServer(conformanceOptions(own.url), async (other) => {
          const url = `${other.baseUrl}${other.tokenPath}`;
          const issued = await call(url, {
            method: 'POST',
            authorization: basic('alice', 'wonderland'),
          });
          const token = assertTokenIssued(issued, USERS.alice);
          await own.close();

          for (const authorization of [
            basic('alice', 'wonderland'),
            basic('bob', WRONG_PASSWORD),
          ]) {
            const answer = await call(url, { method: 'POST', authorization });
            assertUnavailable(answer);
          }
          assertHello(await call(`${other.baseUrl}/`, { authorization: `Bearer ${token}` }));
          assertHello(await call(`${other.baseUrl}/`, { authorization: basic(token, '') }));
        });
      } finally {
        await own.close();
      }
    });

    it('nothing listening at the directory URL: 503 with Retry-After', async () => {
      const port = await deadPort();
      await withServer(conformanceOptions(`ldap://127.0.0.1:${port}`), async (other) => {
        const answer = await call(`${other.baseUrl}${other.tokenPath}`, {
          method: 'POST',
          authorization: basic('alice', 'wonderland'),
        });
        assertUnavailable(answer);
        // Bad credentials are still refused without the directory.
        assertUnauthorized(
          await call(`${other.baseUrl}${other.tokenPath}`, {
            method: 'POST',
            authorization: basic('alice', ''),
          }),
          `${other.baseUrl}${other.tokenPath}`,
        );
      });
    });
  });
}
