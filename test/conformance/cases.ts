// The wire contract (DESIGN.md section 1, flask-ldap-auth's README) as one suite that any server
// can be held to: the Express adapter, the standalone service, and whatever comes next. Every case
// talks real HTTP with fetch to a real listening server, backed by the embedded directory. The
// cases live in this folder, one file per topic; the constants and helpers they share, which other
// tests use too, in test/helpers/conformance-fixtures.ts and conformance-answers.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { TestDirectory } from '../../src/testing/index.js';
import { call, describeAnswer, exchanges } from '../helpers/conformance-answers.js';
import {
  type ConformanceOptions,
  type ConformanceServer,
  conformanceOptions,
  SECRET,
  SERVICE_ACCOUNT,
  type StartServer,
  startFixtureDirectory,
  USERS,
  WRONG_PASSWORD,
} from '../helpers/conformance-fixtures.js';
import { accessCases } from './access.js';
import { directoryDownCases } from './directory-down.js';
import { groupRefreshRevocationCases } from './groups-refresh-revocation.js';
import { loginCases } from './logins.js';
import { seedAndParameterCases } from './seed-and-parameters.js';
import type { Suite } from './suite.js';
import { untrustedCredentialCases } from './untrusted-credentials.js';

/**
 * Registers the conformance cases for one server. `start` is called with the options to build
 * the server from; it is called once for the shared server and again for the cases that need
 * another configuration or another directory.
 */
export function runConformance(
  name: string,
  start: StartServer,
  options: { handler: boolean } = { handler: true },
): void {
  describe(`conformance: ${name}`, () => {
    let directory: TestDirectory;
    let server: ConformanceServer;
    const tokenUrl = () => `${server.baseUrl}${server.tokenPath}`;
    const requestToken = (authorization?: string, query = '') =>
      call(`${tokenUrl()}${query}`, { method: 'POST', authorization });
    const hello = (authorization?: string) => call(`${server.baseUrl}/`, { authorization });
    const counters = () => ({ binds: directory.stats.binds, searches: directory.stats.searches });

    /** Starts another server for one case and always stops it. */
    async function withServer<T>(
      options: ConformanceOptions,
      use: (other: ConformanceServer) => Promise<T>,
    ): Promise<T> {
      const other = await start(options);
      try {
        return await use(other);
      } finally {
        await other.close();
      }
    }

    // This suite's answers: those recorded from here to its last case.
    let firstExchange = 0;

    before(async () => {
      firstExchange = exchanges.length;
      directory = await startFixtureDirectory();
      server = await start(conformanceOptions(directory.url));
    });
    after(async () => {
      await server?.close();
      await directory?.close();
    });

    const suite: Suite = {
      get directory() {
        return directory;
      },
      get server() {
        return server;
      },
      handler: options.handler,
      tokenUrl,
      requestToken,
      hello,
      counters,
      withServer,
    };
    // In the order the cases always ran: some share the directory's lockout counters.
    seedAndParameterCases(suite);
    loginCases(suite);
    untrustedCredentialCases(suite);
    accessCases(suite);
    groupRefreshRevocationCases(suite);
    directoryDownCases(suite);

    it('no answer in the suite was a 500 or carried a password, the secret or the credentials', () => {
      const secrets = [
        ...Object.values(USERS).map((user) => user.password),
        SERVICE_ACCOUNT.password,
        WRONG_PASSWORD,
        SECRET,
      ];
      const answers = exchanges.slice(firstExchange);
      assert.ok(answers.length > 100, `only ${answers.length} answers recorded`);
      for (const answer of answers) {
        const context = describeAnswer(answer);
        assert.ok([200, 204, 400, 401, 403, 404, 405, 503].includes(answer.status), context);
        const texts = [
          answer.body,
          ...[...answer.headers].map(([name, value]) => `${name}: ${value}`),
        ];
        // A token in a success body is base64url; its payload must not carry secrets either.
        if (answer.status === 200 && answer.body.startsWith('{')) {
          const { access_token } = JSON.parse(answer.body) as { access_token?: string };
          if (access_token) texts.push(JSON.stringify(decodeJwt(access_token)));
        }
        const credentials = answer.sent?.split(' ').slice(1).join(' ') ?? '';
        for (const text of texts) {
          for (const secret of secrets)
            assert.ok(!text.includes(secret), `${secret} in ${context}`);
          if (credentials.length >= 8) {
            assert.ok(!text.includes(credentials), `the Authorization header echoed: ${context}`);
          }
        }
      }
    });
  });
}
