// The wire contract (DESIGN.md section 1, flask-ldap-auth's README) as one suite that any server
// can be held to: the Express adapter, the standalone service, and whatever comes next. Every case
// talks real HTTP with fetch to a real listening server, backed by the embedded directory.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import type { AuthenticatedUser } from '../../src/core/types.js';
import type { AuthOptions, LdapOptions } from '../../src/options/resolve.js';
import { startTestDirectory, type TestDirectory } from '../../src/testing/index.js';

/** The shared test directory (see its header comment). */
export const FIXTURE = fileURLToPath(new URL('../fixtures/directory.ldif', import.meta.url));
export const TOP_DN = 'ou=people,dc=example,dc=org';
export const SECRET = 'conformance-suite-secret-0123456789abcdef';
/** The suite's configured cap, below the library's default, so the cap is seen to be honoured. */
export const MAX_DURATION = 7200;

/** People of the fixture, with the passwords that log them in. */
export const USERS = {
  alice: { username: 'alice', password: 'wonderland', dn: `uid=alice,${TOP_DN}` },
  bob: { username: 'bob', password: 'can-we-fix-it', dn: `uid=bob,${TOP_DN}` },
  obrien: { username: "o'brien", password: 'late-night', dn: `uid=o'brien,${TOP_DN}` },
  jozef: { username: 'jozef', password: 'zażółć gęślą jaźń', dn: `uid=jozef,${TOP_DN}` },
} as const;
export const SERVICE_ACCOUNT = { username: 'search-bot', password: 'bot-secret' } as const;
const WRONG_PASSWORD = 'not-the-wonderland-password';

export const SEED_BODY =
  '{"error":"unauthorized","message":"Please authenticate with a valid token","status":401}';
export const CHALLENGE = 'Basic realm="Authentication Required"';

/** What the suite hands to a server's start function. */
export interface ConformanceOptions {
  /**
   * Options for `createAuth` / `ldapTokenAuth`, pointing at a directory the suite started and
   * owns (so it can read its counters, or stop it).
   */
  auth: AuthOptions;
}

/** A server the suite can talk to: the seed's hello app with the token endpoint mounted. */
export interface ConformanceServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. `GET {baseUrl}/` is the protected hello. */
  baseUrl: string;
  /** The token endpoint's path, e.g. `/auth/request-token`. */
  tokenPath: string;
  /**
   * A route that admits members of the group `staff` only (any 2xx when admitted), e.g. `/staff`
   * on an adapter's hello app, or `/auth/verify?groups=staff` on the service.
   */
  staffPath: string;
  /**
   * What the protected handlers saw as the user, in order, for servers that run a handler of
   * their own (adapters): the suite checks it is set, and that a refusal never runs the handler.
   */
  users?: AuthenticatedUser[];
  /** Stops the HTTP server and closes the directory connections. */
  close(): Promise<void>;
}

export type StartServer = (options: ConformanceOptions) => Promise<ConformanceServer>;

/**
 * A listening adapter hello app as a conformance target: its URL, its token path under
 * `prefix`, and a close that drops every connection and then the auth's directory connections.
 */
export function listeningTarget(
  server: import('node:http').Server,
  auth: { close(): Promise<void> },
  users: AuthenticatedUser[],
  prefix = '/auth',
): ConformanceServer {
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    tokenPath: `${prefix}/request-token`,
    staffPath: '/staff',
    users,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await auth.close();
    },
  };
}

/**
 * The fixture with groups the embedded directory can serve to the default `memberOf` strategy:
 * `memberOf` stored on alice's entry as any attribute (slapd keeps it with its memberof overlay,
 * see test/interop/groups.test.ts), and a `staff` group. Alice: admins, staff; bob: none.
 */
export function groupFixtureLdif(): string {
  const groups = 'ou=groups,dc=example,dc=org';
  return `${readFileSync(FIXTURE, 'utf8').replace(
    'uid: alice\n',
    `uid: alice\nmemberOf: cn=admins,${groups}\nmemberOf: cn=staff,${groups}\n`,
  )}
dn: cn=staff,${groups}
objectClass: groupOfNames
cn: staff
member: uid=alice,${TOP_DN}
`;
}

/** Starts the embedded directory on the shared fixture. */
export function startFixtureDirectory(anonymousSearch = true): Promise<TestDirectory> {
  return startTestDirectory({ ldifFile: FIXTURE, anonymousSearch });
}

/** The suite's options for a directory at `url`; short timeouts keep the failure cases fast. */
export function conformanceOptions(
  url: string,
  ldap: Partial<LdapOptions> = {},
): ConformanceOptions {
  return {
    auth: {
      secretKey: SECRET,
      ldap: { url, topDn: TOP_DN, timeoutMs: 2000, connectTimeoutMs: 1000, ...ldap },
      token: { defaultDuration: 3600, maxDuration: MAX_DURATION },
    },
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** A response, read in full. */
export interface Answer {
  method: string;
  url: string;
  /** The Authorization header that was sent, if any. */
  sent: string | undefined;
  status: number;
  headers: Headers;
  body: string;
}

/** Every answer of this process, for the checks that span the suite. */
const exchanges: Answer[] = [];

/** One HTTP request with fetch; redirects are not followed, the body is read as text. */
export async function call(
  url: string,
  init: { method?: string; authorization?: string } = {},
): Promise<Answer> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  const response = await fetch(url, { method, headers, redirect: 'manual' });
  const answer: Answer = {
    method,
    url,
    sent: init.authorization,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
  exchanges.push(answer);
  return answer;
}

function describeAnswer(answer: Answer): string {
  return `${answer.method} ${answer.url} -> ${answer.status} ${answer.body.slice(0, 200)}`;
}

/** flask-ldap-auth's 401, byte for byte in its body, with its two headers. */
export function assertUnauthorized(answer: Answer, tokenUrl: string): void {
  const context = describeAnswer(answer);
  assert.equal(answer.status, 401, context);
  assert.equal(answer.body, SEED_BODY, context);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(answer.headers.get('www-authenticate'), CHALLENGE, context);
  assert.equal(answer.headers.get('location'), tokenUrl, context);
}

/** An error in the seed's shape `{error, message, status}`, exactly. */
export function assertProblem(
  answer: Answer,
  status: number,
  error: string,
  message: string,
): void {
  const context = describeAnswer(answer);
  assert.equal(answer.status, status, context);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(answer.body, JSON.stringify({ error, message, status }), context);
}

export function assertHello(answer: Answer): void {
  assert.equal(answer.status, 200, describeAnswer(answer));
  assert.equal(answer.body, 'hello, world');
}

/** A successful token answer; returns the JWT (without the seed's trailing colon). */
export function assertTokenIssued(
  answer: Answer,
  expected: { username: string; dn: string; expiresIn?: number },
): string {
  const context = describeAnswer(answer);
  const expiresIn = expected.expiresIn ?? 3600;
  assert.equal(answer.status, 200, context);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, context);
  assert.equal(answer.headers.get('cache-control'), 'no-store', context);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token', 'token_type']);
  const accessToken = body.access_token;
  assert.equal(typeof accessToken, 'string');
  assert.match(accessToken as string, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWS');
  assert.equal(body.token, `${accessToken}:`, 'token is access_token with the seed colon');
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, expiresIn);

  const header = decodeProtectedHeader(accessToken as string);
  assert.equal(header.alg, 'HS256');
  const claims = decodeJwt(accessToken as string);
  assert.equal(claims.sub, expected.username);
  assert.equal(claims.dn, expected.dn);
  assert.equal(typeof claims.iat, 'number');
  assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), expiresIn, 'exp - iat');
  assert.ok(Math.abs((claims.iat ?? 0) - Date.now() / 1000) <= 5, 'iat is now');
  assert.equal(typeof claims.jti, 'string');
  assert.ok((claims.jti as string).length > 0);
  return accessToken as string;
}

function base64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** A token made by the suite itself, with any key and algorithm. */
export function forge(
  claims: Record<string, unknown>,
  key: string = SECRET,
  alg = 'HS256',
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(new TextEncoder().encode(key));
}

export function aliceClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: USERS.alice.username,
    dn: USERS.alice.dn,
    iat: now,
    exp: now + 600,
    jti: randomUUID(),
    ...overrides,
  };
}

/** Replaces the character at `index` with another one of the base64url alphabet. */
function flip(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

/** A loopback port on which nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

    describe('the seed transcript', () => {
      let token: string;

      it('GET / without a token: 401, the seed body, the challenge and the token URL', async () => {
        const answer = await hello();
        assertUnauthorized(answer, tokenUrl());
        assert.match(tokenUrl(), /^http:\/\/127\.0\.0\.1:\d+\//);
      });

      it('POST the token endpoint with Basic alice:wonderland: 200 and a token', async () => {
        const answer = await requestToken(basic('alice', 'wonderland'));
        const accessToken = assertTokenIssued(answer, USERS.alice);
        token = (JSON.parse(answer.body) as { token: string }).token;
        assert.equal(token, `${accessToken}:`);
      });

      it('GET / with the token as the Basic username and no password: hello, world', async () => {
        assertHello(await hello(`Basic ${Buffer.from(token).toString('base64')}`));
      });

      it('GET / with the token as a Bearer token: hello, world', async () => {
        assertHello(await hello(`Bearer ${token.slice(0, -1)}`));
      });

      it('GET / with the token as the Basic username and any password: hello, world', async () => {
        assertHello(await hello(basic(token.slice(0, -1), 'ignored')));
      });
    });

    describe('token_duration', () => {
      const badDuration = 'token_duration must be a positive whole number of seconds';

      it('token_duration=60: expires_in 60 and exp - iat = 60', async () => {
        const answer = await requestToken(basic('alice', 'wonderland'), '?token_duration=60');
        const token = assertTokenIssued(answer, { ...USERS.alice, expiresIn: 60 });
        assertHello(await hello(`Bearer ${token}`));
      });

      it(`token_duration=${MAX_DURATION}, the configured cap itself, is allowed`, async () => {
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          `?token_duration=${MAX_DURATION}`,
        );
        assertTokenIssued(answer, { ...USERS.alice, expiresIn: MAX_DURATION });
      });

      for (const value of ['0', '-5', 'abc', '1.5', '', '1e3', ' 60']) {
        it(`token_duration=${JSON.stringify(value)}: 400 bad_request`, async () => {
          const before = counters();
          const answer = await requestToken(
            basic('alice', 'wonderland'),
            `?token_duration=${encodeURIComponent(value)}`,
          );
          assertProblem(answer, 400, 'bad_request', badDuration);
          assert.deepEqual(counters(), before, 'refused before the directory is asked');
        });
      }

      it('token_duration above the configured cap: 400 naming the cap', async () => {
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          `?token_duration=${MAX_DURATION + 1}`,
        );
        assertProblem(
          answer,
          400,
          'bad_request',
          `token_duration must be at most ${MAX_DURATION} seconds`,
        );
      });

      it('token_duration given twice: 400', async () => {
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          '?token_duration=60&token_duration=120',
        );
        assertProblem(answer, 400, 'bad_request', 'token_duration must be given once');
      });
    });

    describe('search_criteria', () => {
      it('search_criteria=cn with the username "Alice Liddell": 200, subject the uid', async () => {
        const answer = await requestToken(
          basic('Alice Liddell', 'wonderland'),
          '?search_criteria=cn',
        );
        // The subject is the entry's uid, never the name typed (issue 14).
        const token = assertTokenIssued(answer, { username: 'alice', dn: USERS.alice.dn });
        assertHello(await hello(`Bearer ${token}`));
      });

      it('search_criteria=cn with a non-ASCII name: 200', async () => {
        const answer = await requestToken(
          basic('Józef Piłsudski', USERS.jozef.password),
          '?search_criteria=cn',
        );
        assertTokenIssued(answer, { username: 'jozef', dn: USERS.jozef.dn });
      });

      it('search_criteria=mail: 200', async () => {
        const answer = await requestToken(
          basic('alice@example.org', 'wonderland'),
          '?search_criteria=mail',
        );
        assertTokenIssued(answer, { username: 'alice', dn: USERS.alice.dn });
      });

      it('search_criteria=cn with the uid as username: 401', async () => {
        const answer = await requestToken(basic('alice', 'wonderland'), '?search_criteria=cn');
        assertUnauthorized(answer, tokenUrl());
      });

      for (const value of ['userPassword', 'description', 'uid)(cn=*', '']) {
        it(`search_criteria=${JSON.stringify(value)}: 400 bad_request`, async () => {
          const before = counters();
          const answer = await requestToken(
            basic('alice', 'wonderland'),
            `?search_criteria=${encodeURIComponent(value)}`,
          );
          assertProblem(
            answer,
            400,
            'bad_request',
            'search_criteria must be one of: uid, cn, mail',
          );
          assert.deepEqual(counters(), before, 'refused before the directory is asked');
        });
      }
    });

    describe('authenticated_search', () => {
      it('authenticated_search=true without a service account: 400', async () => {
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          '?authenticated_search=true',
        );
        assertProblem(
          answer,
          400,
          'bad_request',
          'authenticated_search=true needs a service account, and none is configured',
        );
      });

      it('authenticated_search=false without a service account: 200', async () => {
        const answer = await requestToken(
          basic('alice', 'wonderland'),
          '?authenticated_search=false',
        );
        assertTokenIssued(answer, USERS.alice);
      });

      for (const value of ['maybe', 'truthy', '2']) {
        it(`authenticated_search=${value}: 400`, async () => {
          const answer = await requestToken(
            basic('alice', 'wonderland'),
            `?authenticated_search=${value}`,
          );
          assertProblem(answer, 400, 'bad_request', 'authenticated_search must be true or false');
        });
      }

      it('authenticated_search=true with a service account configured: 200', async () => {
        const options = conformanceOptions(directory.url, { serviceAccount: SERVICE_ACCOUNT });
        await withServer(options, async (other) => {
          const url = `${other.baseUrl}${other.tokenPath}`;
          for (const query of ['?authenticated_search=true', '?authenticated_search=1', '']) {
            const answer = await call(`${url}${query}`, {
              method: 'POST',
              authorization: basic('bob', 'can-we-fix-it'),
            });
            assertTokenIssued(answer, USERS.bob);
          }
        });
      });

      it('a directory refusing anonymous search: 503 without the service account (a setup problem, not a wrong password), 200 with it', async () => {
        const closed = await startFixtureDirectory(false);
        try {
          await withServer(conformanceOptions(closed.url), async (other) => {
            const answer = await call(`${other.baseUrl}${other.tokenPath}`, {
              method: 'POST',
              authorization: basic('alice', 'wonderland'),
            });
            assertProblem(
              answer,
              503,
              'service_unavailable',
              'The directory is unavailable; try again later',
            );
            assert.ok(Number(answer.headers.get('retry-after')) > 0);
          });
          const options = conformanceOptions(closed.url, { serviceAccount: SERVICE_ACCOUNT });
          await withServer(options, async (other) => {
            const answer = await call(
              `${other.baseUrl}${other.tokenPath}?authenticated_search=true`,
              { method: 'POST', authorization: basic('alice', 'wonderland') },
            );
            assertTokenIssued(answer, USERS.alice);
          });
        } finally {
          await closed.close();
        }
      });

      it('a service account that cannot bind: 503, not a wrong password', async () => {
        const options = conformanceOptions(directory.url, {
          serviceAccount: { username: SERVICE_ACCOUNT.username, password: WRONG_PASSWORD },
        });
        await withServer(options, async (other) => {
          const answer = await call(`${other.baseUrl}${other.tokenPath}`, {
            method: 'POST',
            authorization: basic('alice', 'wonderland'),
          });
          assertProblem(
            answer,
            503,
            'service_unavailable',
            'The directory is unavailable; try again later',
          );
          assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
        });
      });
    });

    describe('failed logins', () => {
      const refused: [string, string, string][] = [
        ['wrong password', 'alice', WRONG_PASSWORD],
        ['unknown user', 'nobody', 'wonderland'],
        ["another user's password", 'alice', 'can-we-fix-it'],
        ['the password in capitals', 'alice', 'WONDERLAND'],
      ];
      for (const [label, username, password] of refused) {
        it(`${label}: 401 with the seed body`, async () => {
          assertUnauthorized(await requestToken(basic(username, password)), tokenUrl());
        });
      }

      it('a wrong password reaches a bind (the counters below mean something)', async () => {
        const before = counters();
        assertUnauthorized(await requestToken(basic('alice', WRONG_PASSWORD)), tokenUrl());
        assert.ok(directory.stats.binds > before.binds, 'the password was checked by a bind');
      });

      for (const [label, username, password] of [
        ['empty password', 'alice', ''],
        ['empty username', '', 'wonderland'],
        ['empty username and password', '', ''],
      ] as const) {
        it(`${label}: 401, and the directory never sees a bind`, async () => {
          const before = counters();
          assertUnauthorized(await requestToken(basic(username, password)), tokenUrl());
          assert.deepEqual(counters(), before);
        });
      }

      for (const username of ['*', 'alice)(uid=*', '*)(|(uid=*', 'al*', 'alice\\2a', '(uid=*)']) {
        it(`username ${JSON.stringify(username)}: 401, no injection, one (decoy) bind`, async () => {
          const before = counters();
          assertUnauthorized(await requestToken(basic(username, 'wonderland')), tokenUrl());
          // Nobody was found: the one bind is the decoy's, as long as a wrong password's (a
          // spliced filter would have found alice, and her password would have let it in).
          assert.equal(directory.stats.binds, before.binds + 1);
        });
      }

      it('failures from one address, whatever the usernames, lock it out (X-Forwarded-For ignored by default)', async () => {
        const limited = conformanceOptions(directory.url);
        limited.auth.loginLimits = {
          perUsername: { failures: 100 },
          perAddress: { failures: 3, windowSeconds: 60, lockoutSeconds: 60 },
        };
        await withServer(limited, async (other) => {
          const url = `${other.baseUrl}${other.tokenPath}`;
          const post = async (authorization: string, forwardedFor: string) => {
            const response = await fetch(url, {
              method: 'POST',
              headers: { authorization, 'x-forwarded-for': forwardedFor },
            });
            await response.arrayBuffer();
            return response.status;
          };
          const statuses = [];
          for (const [index, username] of ['alice', 'bob', 'nobody'].entries()) {
            statuses.push(await post(basic(username, WRONG_PASSWORD), `198.51.100.${index}`));
          }
          const before = counters();
          statuses.push(await post(basic('bob', USERS.bob.password), '198.51.100.9'));
          assert.deepEqual(statuses, [401, 401, 401, 429]);
          assert.deepEqual(counters(), before, 'a locked address costs the directory nothing');
        });
      });

      it('a username longer than any real one: 401 without asking the directory', async () => {
        const before = counters();
        assertUnauthorized(await requestToken(basic('a'.repeat(300), 'wonderland')), tokenUrl());
        assert.deepEqual(counters(), before);
      });
    });

    describe('usernames and passwords beyond ASCII letters', () => {
      it("a username with an apostrophe (o'brien): 200", async () => {
        const answer = await requestToken(basic("o'brien", 'late-night'));
        const token = assertTokenIssued(answer, USERS.obrien);
        assertHello(await hello(`Bearer ${token}`));
      });

      it('a non-ASCII password (jozef): 200', async () => {
        const answer = await requestToken(basic('jozef', USERS.jozef.password));
        assertTokenIssued(answer, USERS.jozef);
      });
    });

    describe('malformed Authorization headers: 401 on both endpoints, never a 500', () => {
      let token: string;
      before(async () => {
        const answer = await requestToken(basic('alice', 'wonderland'));
        token = assertTokenIssued(answer, USERS.alice);
      });

      const malformed = (): [string, string][] => [
        ['empty', ''],
        ['Basic', 'Basic'],
        ['Basic !!!', 'Basic !!!'],
        ['Bearer', 'Bearer'],
        ['Bearer with two words', 'Bearer abc def'],
        ['Digest x', 'Digest x'],
        ['Digest with parameters', 'Digest username="alice", realm="x", response="y"'],
        ['a bare word', 'alice'],
        ['Basic without a colon', `Basic ${Buffer.from('alice').toString('base64')}`],
        ['Basic, not UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')}`],
        [
          'Basic of 10 kB',
          `Basic ${Buffer.from(`alice:${'x'.repeat(10_000)}`).toString('base64')}`,
        ],
        ['Bearer of 10 kB', `Bearer ${'a'.repeat(10_240)}`],
        ['Basic <token> without base64 or colon', `Basic ${token}`],
        ['Basic base64(<token>) without a colon', `Basic ${Buffer.from(token).toString('base64')}`],
      ];

      it('GET / answers each with the seed 401', async () => {
        for (const [label, authorization] of malformed()) {
          const answer = await hello(authorization);
          assert.notEqual(answer.status, 500, label);
          assertUnauthorized(answer, tokenUrl());
        }
      });

      it('the token endpoint answers each with the seed 401, without a bind', async () => {
        const before = counters();
        for (const [label, authorization] of malformed()) {
          const answer = await requestToken(authorization);
          assert.notEqual(answer.status, 500, label);
          assertUnauthorized(answer, tokenUrl());
        }
        assert.equal(directory.stats.binds, before.binds);
      });

      it('the token endpoint refuses a Bearer token instead of a password: 401', async () => {
        assertUnauthorized(await requestToken(`Bearer ${token}`), tokenUrl());
      });

      it('the token endpoint refuses a token as username with no password: 401', async () => {
        assertUnauthorized(await requestToken(basic(token, '')), tokenUrl());
      });
    });

    describe('tokens that must not be accepted', () => {
      let token: string;
      before(async () => {
        token = assertTokenIssued(await requestToken(basic('alice', 'wonderland')), USERS.alice);
      });

      /** Presents `candidate` both ways a protected route accepts, expecting hello or the 401. */
      async function present(candidate: string, admitted: boolean): Promise<void> {
        for (const authorization of [`Bearer ${candidate}`, basic(candidate, '')]) {
          const answer = await hello(authorization);
          if (admitted) assertHello(answer);
          else assertUnauthorized(answer, tokenUrl());
        }
      }

      it('a token the suite forges with the right key is accepted (the control case)', async () => {
        await present(await forge(aliceClaims()), true);
      });

      it('a character flipped in the signature: 401', async () => {
        const [header, payload, signature] = token.split('.') as [string, string, string];
        await present(`${header}.${payload}.${flip(signature, 10)}`, false);
      });

      it('a character flipped in the payload: 401', async () => {
        const [header, payload, signature] = token.split('.') as [string, string, string];
        await present(`${header}.${flip(payload, 12)}.${signature}`, false);
      });

      it('the payload rewritten to another user, the signature kept: 401', async () => {
        const [header, payload, signature] = token.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        const forged = base64url(JSON.stringify({ ...claims, sub: 'bob', dn: USERS.bob.dn }));
        await present(`${header}.${forged}.${signature}`, false);
      });

      it('the signature removed: 401', async () => {
        const [header, payload] = token.split('.') as [string, string, string];
        await present(`${header}.${payload}.`, false);
      });

      it('signed with another key: 401', async () => {
        await present(await forge(aliceClaims(), 'another-secret-another-secret-another'), false);
      });

      it('signed with the right key but another HMAC algorithm (HS512): 401', async () => {
        await present(await forge(aliceClaims(), SECRET, 'HS512'), false);
      });

      it('alg: none: 401', async () => {
        const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
        await present(`${header}.${base64url(JSON.stringify(aliceClaims()))}.`, false);
      });

      it('expired, with the right key: 401', async () => {
        const now = Math.floor(Date.now() / 1000);
        await present(await forge(aliceClaims({ iat: now - 120, exp: now - 60 })), false);
      });

      it('without a dn claim, with the right key: 401', async () => {
        await present(await forge(aliceClaims({ dn: undefined })), false);
      });

      it('not a JWT at all: 401', async () => {
        await present('not.a.jwt', false);
        await present('abc', false);
      });
    });

    describe('requirements: authenticated but not allowed is a 403', () => {
      // Groups come from the directory with issue 5; a token's `groups` claim is what is checked,
      // so tokens the suite forges with the right key stand in for them here.
      const staff = (authorization?: string) =>
        call(`${server.baseUrl}${server.staffPath}`, { authorization });
      const FORBIDDEN = 'You are not allowed to access this resource';

      it('no token: the seed 401, not a 403', async () => {
        assertUnauthorized(await staff(), tokenUrl());
        assertUnauthorized(await staff('Bearer not.a.token'), tokenUrl());
      });

      it('a valid token without the group: 403 forbidden, and the handler does not run', async () => {
        const issued = assertTokenIssued(
          await requestToken(basic('bob', 'can-we-fix-it')),
          USERS.bob,
        );
        const seen = server.users?.length;
        for (const groups of [undefined, [], ['admins'], 'staff', [1, 2], ['staffs']]) {
          const token = groups === undefined ? issued : await forge(aliceClaims({ groups }));
          for (const authorization of [`Bearer ${token}`, basic(token, '')]) {
            assertProblem(await staff(authorization), 403, 'forbidden', FORBIDDEN);
          }
        }
        assert.equal(server.users?.length, seen, 'the protected handler ran on a 403');
      });

      it('a valid token with the group (or among others, in any case): admitted', async () => {
        for (const groups of [['staff'], ['admins', 'staff'], ['Staff']]) {
          const answer = await staff(`Bearer ${await forge(aliceClaims({ groups }))}`);
          assert.ok(answer.status >= 200 && answer.status < 300, `${groups}: ${answer.status}`);
        }
      });
    });

    // The standalone service runs no handler of its own; every adapter does.
    if (options.handler)
      describe('the user the protected handler sees', () => {
        const users = () => {
          assert.ok(server.users, 'an adapter hello app must report its users');
          return server.users;
        };
        it('is the token holder: username, dn and the claims', async () => {
          const answer = await requestToken(basic("o'brien", 'late-night'), '?token_duration=120');
          const token = assertTokenIssued(answer, { ...USERS.obrien, expiresIn: 120 });
          users().length = 0;
          assertHello(await hello(basic(token, '')));
          assert.equal(users().length, 1);
          const user = users()[0]!;
          assert.equal(user.username, "o'brien");
          assert.equal(user.dn, USERS.obrien.dn);
          assert.equal(user.claims.sub, "o'brien");
          assert.equal(user.claims.exp - user.claims.iat, 120);
          assert.equal(typeof user.claims.jti, 'string');
        });

        it('the handler does not run on a 401', async () => {
          users().length = 0;
          const expired = await forge(aliceClaims({ iat: 1_600_000_000, exp: 1_600_000_060 }));
          for (const authorization of [
            undefined,
            'Basic !!!',
            basic('alice', 'wonderland'),
            `Bearer ${expired}`,
          ]) {
            assertUnauthorized(await hello(authorization), tokenUrl());
          }
          assert.equal(users().length, 0, 'the protected handler ran');
        });
      });

    describe('methods on the token endpoint', () => {
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
        it(`${method}: 405 with Allow: POST`, async () => {
          const answer = await call(tokenUrl(), {
            method,
            authorization: basic('alice', 'wonderland'),
          });
          assertProblem(answer, 405, 'method_not_allowed', 'Use POST for this endpoint');
          assert.equal(answer.headers.get('allow'), 'POST');
        });
      }
    });

    describe('the JWKS beside the token endpoint', () => {
      const jwksUrl = () => tokenUrl().replace(/request-token$/, 'jwks.json');

      it('GET {mount}/jwks.json: 200, a JWK Set (empty with HS256: the secret is never published)', async () => {
        const answer = await call(jwksUrl());
        assert.equal(answer.status, 200, describeAnswer(answer));
        assert.match(answer.headers.get('content-type') ?? '', /^application\/jwk-set\+json/);
        assert.deepEqual(JSON.parse(answer.body), { keys: [] });
        assert.ok(!answer.body.includes(SECRET));
      });

      it('POST {mount}/jwks.json: 405 with Allow: GET', async () => {
        const answer = await call(jwksUrl(), { method: 'POST' });
        assertProblem(answer, 405, 'method_not_allowed', 'Use GET for this endpoint');
        assert.equal(answer.headers.get('allow'), 'GET');
      });
    });

    describe('groups and attributes from the directory (memberOf)', () => {
      let groupDirectory: TestDirectory;
      before(async () => {
        groupDirectory = await startTestDirectory({ ldif: groupFixtureLdif() });
      });
      after(() => groupDirectory?.close());
      const FORBIDDEN_ROUTE = 'You are not allowed to access this resource';
      const token = async (target: ConformanceServer, username: string, password: string) => {
        const answer = await call(`${target.baseUrl}${target.tokenPath}`, {
          method: 'POST',
          authorization: basic(username, password),
        });
        assert.equal(answer.status, 200, describeAnswer(answer));
        return (JSON.parse(answer.body) as { access_token: string }).access_token;
      };

      it('a member of the route group is admitted with a real token, a valid non-member gets 403', async () => {
        await withServer(conformanceOptions(groupDirectory.url), async (other) => {
          const alice = await token(other, 'alice', 'wonderland');
          const claims = decodeJwt(alice);
          assert.deepEqual(claims.groups, ['admins', 'staff']);
          assert.equal(claims.name, 'Alice Liddell');
          assert.equal(claims.email, 'alice@example.org');
          if (other.users) other.users.length = 0;
          const admitted = await call(`${other.baseUrl}${other.staffPath}`, {
            authorization: `Bearer ${alice}`,
          });
          assert.ok(admitted.status >= 200 && admitted.status < 300, describeAnswer(admitted));
          if (options.handler) {
            const user = other.users?.[0];
            assert.deepEqual(user?.groups, ['admins', 'staff']);
            assert.deepEqual(user?.attributes, {
              cn: 'Alice Liddell',
              mail: 'alice@example.org',
              displayName: 'Alice Liddell',
            });
          }
          const bob = await token(other, 'bob', 'can-we-fix-it');
          const refused = await call(`${other.baseUrl}${other.staffPath}`, {
            authorization: `Bearer ${bob}`,
          });
          assertProblem(refused, 403, 'forbidden', FORBIDDEN_ROUTE);
        });
      });

      it('a required group: a member gets a token; a valid non-member 403 forbidden and no token; a wrong password 401', async () => {
        const required = conformanceOptions(groupDirectory.url);
        required.auth.groups = { required: 'staff' };
        await withServer(required, async (other) => {
          const url = `${other.baseUrl}${other.tokenPath}`;
          await token(other, 'alice', 'wonderland');
          const refused = await call(url, {
            method: 'POST',
            authorization: basic('bob', 'can-we-fix-it'),
          });
          assertProblem(refused, 403, 'forbidden', 'You are not allowed to obtain a token');
          assertUnauthorized(
            await call(url, { method: 'POST', authorization: basic('bob', 'wrong') }),
            url,
          );
          const refreshed = await call(url.replace(/request-token$/, 'refresh'), {
            method: 'POST',
            authorization: `Bearer ${await token(other, 'alice', 'wonderland')}`,
          });
          assert.equal(refreshed.status, 200, describeAnswer(refreshed));
          const again = (JSON.parse(refreshed.body) as { access_token: string }).access_token;
          assert.deepEqual(decodeJwt(again).groups, ['admins', 'staff']);
        });
      });
    });

    describe('refresh', () => {
      it('POST {mount}/refresh with a valid token: 200 and a new token that works; without: 401', async () => {
        const login = await requestToken(basic('alice', 'wonderland'));
        const first = (JSON.parse(login.body) as { access_token: string }).access_token;
        const refreshUrl = tokenUrl().replace(/request-token$/, 'refresh');
        const refreshed = await call(`${refreshUrl}?token_duration=60`, {
          method: 'POST',
          authorization: `Bearer ${first}`,
        });
        const second = assertTokenIssued(refreshed, { ...USERS.alice, expiresIn: 60 });
        assert.notEqual(second, first);
        assert.equal(decodeJwt(second).exp! - decodeJwt(second).iat!, 60);
        assertHello(await hello(`Bearer ${second}`));
        assertUnauthorized(await call(refreshUrl, { method: 'POST' }), tokenUrl());
        assertProblem(
          await call(refreshUrl),
          405,
          'method_not_allowed',
          'Use POST for this endpoint',
        );
      });
    });

    describe('revocation', () => {
      it('POST {mount}/revoke without revocation enabled: 404', async () => {
        const { token: issued } = JSON.parse(
          (await requestToken(basic('alice', 'wonderland'))).body,
        ) as { token: string };
        const answer = await call(tokenUrl().replace(/request-token$/, 'revoke'), {
          method: 'POST',
          authorization: `Bearer ${issued.slice(0, -1)}`,
        });
        assertProblem(answer, 404, 'not_found', 'There is nothing here');
      });

      it('with revocation enabled: a revoked token is refused, at once and from the cache', async () => {
        const revoking = conformanceOptions(directory.url);
        revoking.auth.revocation = { enabled: true };
        await withServer(revoking, async (other) => {
          const base = `${other.baseUrl}${other.tokenPath}`;
          const revokeUrl = base.replace(/request-token$/, 'revoke');
          const issue = async () =>
            (
              JSON.parse(
                (await call(base, { method: 'POST', authorization: basic('alice', 'wonderland') }))
                  .body,
              ) as { access_token: string }
            ).access_token;
          const [token, kept] = [await issue(), await issue()];
          assertHello(await call(`${other.baseUrl}/`, { authorization: `Bearer ${token}` }));
          assertUnauthorized(await call(revokeUrl, { method: 'POST' }), base);
          const revoked = await call(revokeUrl, {
            method: 'POST',
            authorization: `Bearer ${token}`,
          });
          assert.equal(revoked.status, 200, describeAnswer(revoked));
          assert.deepEqual(JSON.parse(revoked.body), { revoked: true });
          const basicToken = `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
          for (const authorization of [`Bearer ${token}`, basicToken]) {
            assertUnauthorized(await call(`${other.baseUrl}/`, { authorization }), base);
          }
          assertHello(await call(`${other.baseUrl}/`, { authorization: `Bearer ${kept}` }));
        });
      });
    });

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
              assertProblem(
                answer,
                503,
                'service_unavailable',
                'The directory is unavailable; try again later',
              );
              assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
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
          assertProblem(
            answer,
            503,
            'service_unavailable',
            'The directory is unavailable; try again later',
          );
          assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
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
