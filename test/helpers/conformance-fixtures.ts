// The conformance suite's world, shared with every test that needs the same directory or server:
// the fixture's people and passwords, the seed's 401, the options a server under test is built
// from, and tokens the tests forge themselves. test/conformance/cases.ts holds the suite itself.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
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
export const WRONG_PASSWORD = 'not-the-wonderland-password';

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
