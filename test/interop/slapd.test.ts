// The seed's table against a REAL OpenLDAP slapd, in both flavours (anonymous search allowed, and
// refused), through the core, the Express adapter and the standalone service. slapd's own
// cn=Monitor backend counts the binds and searches it received, so "no bind reached the
// directory" is read from slapd itself rather than inferred.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { decodeJwt } from 'jose';
import { Client } from 'ldapts';
import { ldapTokenAuth } from '../../src/adapters/express.js';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import {
  DirectoryUnavailableError,
  InvalidCredentialsError,
  InvalidParameterError,
  InvalidTokenError,
  TokenExpiredError,
} from '../../src/errors.js';
import type { AuthOptions, LdapOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import {
  type Answer,
  assertHello,
  assertProblem,
  assertTokenIssued,
  assertUnauthorized,
  call,
} from '../helpers/conformance-answers.js';
import {
  aliceClaims,
  basic,
  conformanceOptions,
  forge,
  SERVICE_ACCOUNT,
  TOP_DN,
  USERS,
} from '../helpers/conformance-fixtures.js';
import { SLAPD_ROOT_DN, type SlapdServer, startSlapd } from '../helpers/slapd.js';
import {
  assertEndedBeforeTimeout,
  assertEndedByTimeout,
  GENEROUS_MS,
} from '../helpers/timeouts.js';

const BOT_DN = `uid=search-bot,${TOP_DN}`;
const UNAVAILABLE = 'The directory is unavailable; try again later';
const NEEDS_ACCOUNT = 'authenticated_search=true needs a service account, and none is configured';
// Spliced into a filter, "*" would match everyone and be refused as ambiguous anyway; "al*"
// would match alice alone and log in with her password, so it is the one that proves escaping.
const INJECTIONS = ['*', 'alice)(uid=*', '*)(uid=*))(|(uid=*', 'al*'] as const;

// --- extra entries: a salted-SHA password, and two people sharing one cn ------------------------

/** RFC 2307-style `{SSHA}`: base64(SHA1(password + salt) + salt), as slappasswd makes it. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

const HASHED = { username: 'hatter', password: 'tea-party-at-six', dn: `uid=hatter,${TOP_DN}` };
const HASHED_USER_PASSWORD = ssha(HASHED.password);
// Same cn and the same password: a library that binds as "the first match" would let them in.
const TWIN_CN = 'Pat Twin';
const TWIN_PASSWORD = 'twin-secret';
const TWINS = [`uid=twin-a,${TOP_DN}`, `uid=twin-b,${TOP_DN}`] as const;

const EXTRA_LDIF = `
dn: ${HASHED.dn}
objectClass: inetOrgPerson
uid: hatter
cn: The Hatter
sn: Hatter
userPassword: ${HASHED_USER_PASSWORD}

dn: ${TWINS[0]}
objectClass: inetOrgPerson
uid: twin-a
cn: ${TWIN_CN}
sn: Twin
userPassword: ${TWIN_PASSWORD}

dn: ${TWINS[1]}
objectClass: inetOrgPerson
uid: twin-b
cn: ${TWIN_CN}
sn: Twin
userPassword: ${TWIN_PASSWORD}
`;

// slapd's monitor backend is built in on Debian (slapd -VVV: "Included static backends: monitor"),
// so it needs no moduleload: only its database section, readable by the rootdn alone.
const MONITOR_CONFIG = [
  'database monitor',
  `access to dn.subtree="cn=Monitor" by dn.exact="${SLAPD_ROOT_DN}" read by * none`,
];

function startDirectory(anonymousSearch: boolean): Promise<SlapdServer> {
  return startSlapd({ anonymousSearch, extraLdif: EXTRA_LDIF, databaseConfig: MONITOR_CONFIG });
}

// --- slapd's own operation counters (cn=Monitor) ------------------------------------------------

interface Counters {
  binds: number;
  searches: number;
}

/**
 * Reads cn=Bind and cn=Search under cn=Operations,cn=Monitor on one connection bound once as the
 * rootdn, so the reader adds no binds of its own and exactly one search per reading.
 */
class Monitor {
  readonly #client: Client;
  #bound = false;

  constructor(private readonly server: SlapdServer) {
    this.#client = new Client({ url: server.url, timeout: 5000, connectTimeout: 2000 });
  }

  async read(): Promise<Counters> {
    if (!this.#bound) {
      await this.#client.bind(this.server.rootDn, this.server.rootPassword);
      this.#bound = true;
    }
    const { searchEntries } = await this.#client.search('cn=Operations,cn=Monitor', {
      scope: 'one',
      filter: '(|(cn=Bind)(cn=Search))',
      attributes: ['monitorOpInitiated'],
    });
    const count = (rdn: string) => {
      const entry = searchEntries.find((e) => e.dn.toLowerCase().startsWith(rdn));
      assert.ok(entry, `${rdn} under cn=Operations,cn=Monitor`);
      return Number(entry.monitorOpInitiated);
    };
    return { binds: count('cn=bind'), searches: count('cn=search') };
  }

  /** What `action` cost the directory: binds and searches slapd received while it ran. */
  async observe<T>(action: () => Promise<T>): Promise<Counters & { result: T }> {
    const before = await this.read();
    const result = await action();
    const after = await this.read();
    // The second reading is itself a search.
    return {
      binds: after.binds - before.binds,
      searches: after.searches - before.searches - 1,
      result,
    };
  }

  /** Reads one attribute of an entry as the rootdn (which may read userPassword). */
  async attribute(dn: string, name: string): Promise<string> {
    await this.read();
    const { searchEntries } = await this.#client.search(dn, { scope: 'base', attributes: [name] });
    const value = searchEntries[0]?.[name];
    return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }

  close(): Promise<void> {
    return this.#client.unbind().catch(() => undefined);
  }
}

// --- the servers under test ---------------------------------------------------------------------

type Kind = 'Express' | 'service';
const KINDS: readonly Kind[] = ['Express', 'service'];

interface App {
  kind: Kind;
  baseUrl: string;
  tokenUrl: string;
  /** The core the server runs on. */
  core: Auth;
  close(): Promise<void>;
}

/** The seed's hello app: Express with the router at /auth, or the standalone service. */
async function startApp(kind: Kind, options: AuthOptions): Promise<App> {
  const core = createAuth(options);
  if (kind === 'service') {
    const service = await serve(core, { host: '127.0.0.1', port: 0 });
    const baseUrl = service.url;
    return { kind, baseUrl, tokenUrl: `${baseUrl}/auth/request-token`, core, close: service.close };
  }
  const auth = ldapTokenAuth(core);
  const app = express();
  app.use('/auth', auth.router);
  app.get('/', auth.loginRequired(), (_req, res) => {
    res.send('hello, world');
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    kind,
    baseUrl,
    tokenUrl: `${baseUrl}/auth/request-token`,
    core,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await auth.close();
    },
  };
}

function options(slapd: SlapdServer, ldap: Partial<LdapOptions> = {}): AuthOptions {
  return conformanceOptions(slapd.url, ldap).auth;
}

function requestToken(app: App, authorization: string | undefined, query = ''): Promise<Answer> {
  return call(`${app.tokenUrl}${query}`, { method: 'POST', authorization });
}

function hello(app: App, authorization?: string): Promise<Answer> {
  return call(`${app.baseUrl}/`, { authorization });
}

function assertUnavailable(answer: Answer): void {
  assertProblem(answer, 503, 'service_unavailable', UNAVAILABLE);
  assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After in seconds');
}

/** The token presented both ways a protected route takes: Basic `<token>:` and Bearer. */
async function assertAdmitted(app: App, token: string): Promise<void> {
  assertHello(await hello(app, basic(token, '')));
  assertHello(await hello(app, `Bearer ${token}`));
}

async function assertRefused(app: App, token: string): Promise<void> {
  assertUnauthorized(await hello(app, basic(token, '')), app.tokenUrl);
  assertUnauthorized(await hello(app, `Bearer ${token}`), app.tokenUrl);
}

/** Another character of the base64url alphabet at `index`. */
function flip(text: string, index: number): string {
  return `${text.slice(0, index)}${text[index] === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;
}

/** Resolves with the rejection of `promise`, failing if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

// --- anonymous search allowed -------------------------------------------------------------------

describe('real slapd, anonymous search allowed', () => {
  let slapd: SlapdServer;
  let monitor: Monitor;
  before(async () => {
    slapd = await startDirectory(true);
    monitor = new Monitor(slapd);
  });
  after(async () => {
    await monitor?.close();
    await slapd?.stop();
  });

  it('cn=Monitor counts binds and searches (the proof the other cases rely on)', async () => {
    const client = new Client({ url: slapd.url });
    try {
      const seen = await monitor.observe(async () => {
        await client.bind(USERS.bob.dn, USERS.bob.password);
        await client.search(TOP_DN, { filter: '(uid=bob)', attributes: ['1.1'] });
        await client.search(TOP_DN, { filter: '(uid=alice)', attributes: ['1.1'] });
      });
      assert.equal(seen.binds, 1);
      assert.equal(seen.searches, 2);
    } finally {
      await client.unbind();
    }
  });

  it('the fixture stores the hatter password as {SSHA}, not in clear text', async () => {
    const stored = await monitor.attribute(HASHED.dn, 'userPassword');
    assert.equal(stored, HASHED_USER_PASSWORD);
    // 20 bytes of SHA-1 and 8 of salt: 28 bytes, 40 base64 characters.
    assert.match(stored, /^\{SSHA\}[A-Za-z0-9+/]{38}==$/);
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      let app: App;
      before(async () => {
        app = await startApp(kind, options(slapd));
      });
      after(() => app?.close());

      it('GET / without a token: the seed 401 pointing at the token endpoint', async () => {
        assertUnauthorized(await hello(app), app.tokenUrl);
      });

      it('default login (uid): 200, one search and one bind on slapd, the token opens /', async () => {
        // The first login of a process also reads the root DSE, once.
        const first = await monitor.observe(() =>
          requestToken(app, basic(USERS.alice.username, USERS.alice.password)),
        );
        assertTokenIssued(first.result, USERS.alice);
        assert.equal(first.searches, 2);
        const seen = await monitor.observe(() =>
          requestToken(app, basic(USERS.alice.username, USERS.alice.password)),
        );
        const token = assertTokenIssued(seen.result, USERS.alice);
        // No second, anonymous bind: the bind connection carries only binds, so it is never reset
        // (src/ldap/directory-pools.ts).
        assert.deepEqual({ binds: seen.binds, searches: seen.searches }, { binds: 1, searches: 1 });
        const noDirectory = await monitor.observe(() => assertAdmitted(app, token));
        assert.deepEqual(
          { binds: noDirectory.binds, searches: noDirectory.searches },
          { binds: 0, searches: 0 },
          'a protected route never asks the directory',
        );
      });

      it('search_criteria=cn with "Alice Liddell": 200 for uid=alice', async () => {
        const answer = await requestToken(
          app,
          basic('Alice Liddell', USERS.alice.password),
          '?search_criteria=cn',
        );
        const token = assertTokenIssued(answer, { username: 'alice', dn: USERS.alice.dn });
        await assertAdmitted(app, token);
      });

      it("the apostrophe username o'brien: 200 with slapd's DN", async () => {
        const answer = await requestToken(app, basic(USERS.obrien.username, USERS.obrien.password));
        await assertAdmitted(app, assertTokenIssued(answer, USERS.obrien));
      });

      it('the non-ASCII password of jozef: 200', async () => {
        const answer = await requestToken(app, basic(USERS.jozef.username, USERS.jozef.password));
        await assertAdmitted(app, assertTokenIssued(answer, USERS.jozef));
      });

      it('a userPassword stored as {SSHA}: 200, and a wrong password for it: 401', async () => {
        const answer = await requestToken(app, basic(HASHED.username, HASHED.password));
        await assertAdmitted(app, assertTokenIssued(answer, HASHED));
        assertUnauthorized(
          await requestToken(app, basic(HASHED.username, `${HASHED.password}!`)),
          app.tokenUrl,
        );
        // The stored hash itself is not a password.
        assertUnauthorized(
          await requestToken(app, basic(HASHED.username, HASHED_USER_PASSWORD)),
          app.tokenUrl,
        );
      });

      it('wrong password: 401, and slapd did check it with a bind', async () => {
        const seen = await monitor.observe(() =>
          requestToken(app, basic('alice', 'not-the-wonderland-password')),
        );
        assertUnauthorized(seen.result, app.tokenUrl);
        assert.deepEqual({ binds: seen.binds, searches: seen.searches }, { binds: 1, searches: 1 });
      });

      it('unknown user: 401, searched for, and one bind as a wrong password costs (the decoy)', async () => {
        const seen = await monitor.observe(() => requestToken(app, basic('nobody', 'wonderland')));
        assertUnauthorized(seen.result, app.tokenUrl);
        assert.deepEqual({ binds: seen.binds, searches: seen.searches }, { binds: 1, searches: 1 });
      });

      it('empty password: 401, and slapd saw neither a bind nor a search', async () => {
        const seen = await monitor.observe(() => requestToken(app, basic('alice', '')));
        assertUnauthorized(seen.result, app.tokenUrl);
        assert.deepEqual({ binds: seen.binds, searches: seen.searches }, { binds: 0, searches: 0 });
      });

      for (const username of INJECTIONS) {
        it(`injection attempt ${JSON.stringify(username)}: 401, searched, matched nobody, decoy bind`, async () => {
          // Alice's real password: if the filter were spliced, "*" would find her entry (or
          // several) and the bind could succeed.
          const seen = await monitor.observe(() =>
            requestToken(app, basic(username, USERS.alice.password)),
          );
          assertUnauthorized(seen.result, app.tokenUrl);
          assert.deepEqual(
            { binds: seen.binds, searches: seen.searches },
            { binds: 1, searches: 1 },
          );
        });
      }

      it('a username matching two entries (search_criteria=cn): 401, one (decoy) bind', async () => {
        // Control: each twin logs in by uid with that same password.
        for (const uid of ['twin-a', 'twin-b']) {
          const answer = await requestToken(app, basic(uid, TWIN_PASSWORD));
          assertTokenIssued(answer, { username: uid, dn: `uid=${uid},${TOP_DN}` });
        }
        const seen = await monitor.observe(() =>
          requestToken(app, basic(TWIN_CN, TWIN_PASSWORD), '?search_criteria=cn'),
        );
        assertUnauthorized(seen.result, app.tokenUrl);
        assert.deepEqual({ binds: seen.binds, searches: seen.searches }, { binds: 1, searches: 1 });
      });

      it('authenticated_search=true without a service account: 400, nothing asked', async () => {
        const seen = await monitor.observe(() =>
          requestToken(app, basic('alice', 'wonderland'), '?authenticated_search=true'),
        );
        assertProblem(seen.result, 400, 'bad_request', NEEDS_ACCOUNT);
        assert.deepEqual({ binds: seen.binds, searches: seen.searches }, { binds: 0, searches: 0 });
      });

      it('tampered tokens and a token signed with a foreign key: 401', async () => {
        const token = assertTokenIssued(
          await requestToken(app, basic('alice', 'wonderland')),
          USERS.alice,
        );
        const [header, payload, signature] = token.split('.') as [string, string, string];
        const asBob = Buffer.from(
          JSON.stringify({ ...decodeJwt(token), sub: 'bob', dn: USERS.bob.dn }),
        ).toString('base64url');
        await assertRefused(app, `${header}.${payload}.${flip(signature, 10)}`);
        await assertRefused(app, `${header}.${asBob}.${signature}`);
        await assertRefused(app, `${header}.${payload}.`);
        await assertRefused(app, await forge(aliceClaims(), 'a-foreign-key-a-foreign-key-0123456'));
        // Control: the same claims signed with the suite's key are admitted.
        await assertAdmitted(app, await forge(aliceClaims()));
      });

      it('wrong LDAP_TOP_DN: 503 with Retry-After, not a wrong password', async () => {
        const other = await startApp(
          kind,
          options(slapd, { topDn: 'ou=nowhere,dc=example,dc=org' }),
        );
        try {
          assertUnavailable(await requestToken(other, basic('alice', 'wonderland')));
          assertUnavailable(await requestToken(other, basic('alice', 'not-her-password')));
        } finally {
          await other.close();
        }
      });
    });
  }

  it('token_duration=2: the token opens / before exp and is refused from exp on', async () => {
    // A frozen clock, so that a slow machine can neither let the token expire before it is first
    // presented nor need a sleep to see it expire.
    const clock = { ms: Date.now() };
    const apps = await Promise.all(
      KINDS.map((kind) => startApp(kind, { ...options(slapd), now: () => clock.ms })),
    );
    try {
      for (const app of apps) {
        clock.ms = Date.now(); // iat is checked against the real time
        const answer = await requestToken(app, basic('alice', 'wonderland'), '?token_duration=2');
        const token = assertTokenIssued(answer, { ...USERS.alice, expiresIn: 2 });
        // Presented before expiry, so the verified-token cache holds it: expiry must still win.
        await assertAdmitted(app, token);
        // Valid while exp is later than the current second; no clock tolerance is configured.
        const exp = decodeJwt(token).exp ?? 0;
        clock.ms = exp * 1000 - 1;
        await assertAdmitted(app, token);
        clock.ms = exp * 1000;
        await assertRefused(app, token);
        await assert.rejects(app.core.verify(token), TokenExpiredError);
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  describe('the core (createAuth) on the same directory', () => {
    let core: Auth;
    before(() => {
      core = createAuth(options(slapd));
    });
    after(() => core?.close());

    it('issues a token for alice that verify() accepts', async () => {
      const issued = await core.requestToken({ username: 'alice', password: 'wonderland' });
      assert.equal(issued.user.dn, USERS.alice.dn);
      assert.equal(issued.expiresIn, 3600);
      const user = await core.verify(issued.token);
      assert.deepEqual([user.username, user.dn], ['alice', USERS.alice.dn]);
    });

    it('typed refusals: wrong password, unknown, empty, injected, ambiguous', async () => {
      const refused: [string, string, string?][] = [
        ['alice', 'wrong'],
        ['nobody', 'wonderland'],
        ['alice', ''],
        ...INJECTIONS.map((username): [string, string] => [username, 'wonderland']),
        [TWIN_CN, TWIN_PASSWORD, 'cn'],
      ];
      for (const [username, password, searchCriteria] of refused) {
        const error = await rejection(
          core.requestToken({ username, password }, searchCriteria ? { searchCriteria } : {}),
        );
        assert.ok(error instanceof InvalidCredentialsError, `${username}: ${String(error)}`);
        assert.equal(error.code, 'ERR_INVALID_CREDENTIALS');
      }
    });

    it('authenticated_search without a service account: InvalidParameterError', async () => {
      const error = await rejection(
        core.requestToken(
          { username: 'alice', password: 'wonderland' },
          { authenticatedSearch: true },
        ),
      );
      assert.ok(error instanceof InvalidParameterError);
      assert.equal(error.parameter, 'authenticated_search');
    });

    it('a token of another key: InvalidTokenError', async () => {
      const error = await rejection(core.verify(await forge(aliceClaims(), 'x'.repeat(40))));
      assert.ok(error instanceof InvalidTokenError);
      assert.equal(error.code, 'ERR_INVALID_TOKEN');
    });
  });
});

// --- anonymous search refused -------------------------------------------------------------------

describe('real slapd, anonymous search refused (closed flavour)', () => {
  let slapd: SlapdServer;
  let monitor: Monitor;
  before(async () => {
    slapd = await startDirectory(false);
    monitor = new Monitor(slapd);
  });
  after(async () => {
    await monitor?.close();
    await slapd?.stop();
  });

  it('the core without a service account: DirectoryUnavailableError, never a wrong password', async () => {
    const core = createAuth(options(slapd));
    try {
      for (const password of ['wonderland', 'not-her-password']) {
        const error = await rejection(core.requestToken({ username: 'alice', password }));
        assert.ok(error instanceof DirectoryUnavailableError, String(error));
        assert.equal(error.code, 'ERR_DIRECTORY_UNAVAILABLE');
      }
    } finally {
      await core.close();
    }
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      it('without a service account: 503 with Retry-After (never 401), and no user bind', async () => {
        const app = await startApp(kind, options(slapd));
        try {
          for (const [username, password] of [
            ['alice', 'wonderland'],
            ['alice', 'not-her-password'],
            ['nobody', 'wonderland'],
          ] as const) {
            const seen = await monitor.observe(() => requestToken(app, basic(username, password)));
            assertUnavailable(seen.result);
            assert.equal(seen.binds, 0, 'the refused search stops the login before any bind');
            assert.equal(seen.searches, 1);
          }
        } finally {
          await app.close();
        }
      });

      it('without a service account, authenticated_search=true: 400', async () => {
        const app = await startApp(kind, options(slapd));
        try {
          const answer = await requestToken(
            app,
            basic('alice', 'wonderland'),
            '?authenticated_search=true',
          );
          assertProblem(answer, 400, 'bad_request', NEEDS_ACCOUNT);
        } finally {
          await app.close();
        }
      });

      it('service account as a full DN: authenticated_search=true and the other rows work', async () => {
        const account = { username: BOT_DN, password: SERVICE_ACCOUNT.password };
        const app = await startApp(kind, options(slapd, { serviceAccount: account }));
        try {
          assert.equal(app.core.options.ldap.serviceAccount?.dn, BOT_DN);
          for (const query of ['?authenticated_search=true', '?authenticated_search=1', '']) {
            const answer = await requestToken(app, basic('alice', 'wonderland'), query);
            await assertAdmitted(app, assertTokenIssued(answer, USERS.alice));
          }
          const byCn = await requestToken(
            app,
            basic('Alice Liddell', 'wonderland'),
            '?authenticated_search=true&search_criteria=cn',
          );
          assertTokenIssued(byCn, { username: 'alice', dn: USERS.alice.dn });
          assertTokenIssued(
            await requestToken(
              app,
              basic(USERS.obrien.username, USERS.obrien.password),
              '?authenticated_search=true',
            ),
            USERS.obrien,
          );
          assertTokenIssued(
            await requestToken(
              app,
              basic(USERS.jozef.username, USERS.jozef.password),
              '?authenticated_search=true',
            ),
            USERS.jozef,
          );
          assertTokenIssued(
            await requestToken(
              app,
              basic(HASHED.username, HASHED.password),
              '?authenticated_search=true',
            ),
            HASHED,
          );

          // Refusals now come back as 401: the search works, the password or the name does not.
          const wrong = await monitor.observe(() =>
            requestToken(app, basic('alice', 'not-her-password'), '?authenticated_search=true'),
          );
          assertUnauthorized(wrong.result, app.tokenUrl);
          assert.ok(wrong.binds >= 1, 'the password was checked by a bind');
          assertUnauthorized(
            await requestToken(app, basic('nobody', 'wonderland'), '?authenticated_search=true'),
            app.tokenUrl,
          );
          for (const username of INJECTIONS) {
            const seen = await monitor.observe(() =>
              requestToken(app, basic(username, 'wonderland'), '?authenticated_search=true'),
            );
            assertUnauthorized(seen.result, app.tokenUrl);
            // The search connection is already bound as the service account; nobody was found,
            // so the one bind is the decoy's (as long as a wrong password's).
            assert.equal(seen.binds, 1, username);
          }
          const empty = await monitor.observe(() =>
            requestToken(app, basic('alice', ''), '?authenticated_search=true'),
          );
          assertUnauthorized(empty.result, app.tokenUrl);
          assert.deepEqual([empty.binds, empty.searches], [0, 0]);
          const twins = await monitor.observe(() =>
            requestToken(
              app,
              basic(TWIN_CN, TWIN_PASSWORD),
              '?authenticated_search=true&search_criteria=cn',
            ),
          );
          assertUnauthorized(twins.result, app.tokenUrl);
          assert.equal(twins.binds, 1);
        } finally {
          await app.close();
        }
      });

      it('service account as the bare name search-bot: expands to uid=search-bot,<top DN>', async () => {
        const app = await startApp(kind, options(slapd, { serviceAccount: SERVICE_ACCOUNT }));
        try {
          assert.equal(app.core.options.ldap.serviceAccount?.dn, BOT_DN);
          const answer = await requestToken(
            app,
            basic('alice', 'wonderland'),
            '?authenticated_search=true',
          );
          await assertAdmitted(app, assertTokenIssued(answer, USERS.alice));
          // The request's search_criteria does not change which account the service binds as.
          const byCn = await requestToken(
            app,
            basic('Alice Liddell', 'wonderland'),
            '?authenticated_search=true&search_criteria=cn',
          );
          assertTokenIssued(byCn, { username: 'alice', dn: USERS.alice.dn });
        } finally {
          await app.close();
        }
      });

      it('a service account that cannot bind (wrong password, unknown bare name): 503', async () => {
        for (const account of [
          { username: 'search-bot', password: 'not-the-bot-secret' },
          { username: 'no-such-bot', password: SERVICE_ACCOUNT.password },
        ]) {
          const app = await startApp(kind, options(slapd, { serviceAccount: account }));
          try {
            assertUnavailable(
              await requestToken(app, basic('alice', 'wonderland'), '?authenticated_search=true'),
            );
          } finally {
            await app.close();
          }
        }
      });

      it('wrong LDAP_TOP_DN with the service account: 503 with Retry-After', async () => {
        const app = await startApp(
          kind,
          options(slapd, {
            serviceAccount: SERVICE_ACCOUNT,
            topDn: 'ou=nowhere,dc=example,dc=org',
          }),
        );
        try {
          assertUnavailable(
            await requestToken(app, basic('alice', 'wonderland'), '?authenticated_search=true'),
          );
        } finally {
          await app.close();
        }
      });
    });
  }
});

// --- the directory goes away and comes back -----------------------------------------------------

describe('real slapd killed, then restarted', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startDirectory(true);
  });
  after(() => slapd?.stop());

  it('503 with Retry-After at once while it is down, issued tokens keep working, and the same servers recover', async () => {
    // Timeouts far beyond anything a loaded machine takes: a refused connection must not wait.
    const dead = { timeoutMs: 2 * GENEROUS_MS, connectTimeoutMs: 2 * GENEROUS_MS };
    const apps = await Promise.all(KINDS.map((kind) => startApp(kind, options(slapd, dead))));
    try {
      const tokens: string[] = [];
      for (const app of apps) {
        // Two requests, so the pools hold live connections that the kill will break.
        assertTokenIssued(await requestToken(app, basic('bob', 'can-we-fix-it')), USERS.bob);
        const answer = await requestToken(app, basic('alice', 'wonderland'));
        tokens.push(assertTokenIssued(answer, USERS.alice));
      }

      await slapd.kill();
      assert.equal(slapd.running, false);
      for (const [index, app] of apps.entries()) {
        for (const [username, password] of [
          ['alice', 'wonderland'],
          ['bob', 'not-his-password'],
          ['alice', 'wonderland'],
        ] as const) {
          const started = performance.now();
          const answer = await requestToken(app, basic(username, password));
          assertUnavailable(answer);
          // A dead slapd refuses connections: the 503 does not wait for a timeout.
          assertEndedBeforeTimeout(
            performance.now() - started,
            dead.timeoutMs,
            `${app.kind}: the 503`,
          );
        }
        // Tokens are checked without the directory.
        await assertAdmitted(app, tokens[index]!);
        const user = await app.core.verify(tokens[index]!);
        assert.equal(user.dn, USERS.alice.dn);
      }

      await slapd.restart();
      for (const [index, app] of apps.entries()) {
        // The very first request after the restart succeeds, with the same auth and pools.
        const answer = await requestToken(app, basic('alice', 'wonderland'));
        await assertAdmitted(app, assertTokenIssued(answer, USERS.alice));
        assertUnauthorized(await requestToken(app, basic('alice', 'nope')), app.tokenUrl);
        await assertAdmitted(app, tokens[index]!);
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('paused (accepts connections, never answers): 503 within the timeout, and back after resume', async () => {
    const hung = { timeoutMs: 600, connectTimeoutMs: 600 };
    const apps = await Promise.all(KINDS.map((kind) => startApp(kind, options(slapd, hung))));
    try {
      for (const app of apps) {
        assertTokenIssued(await requestToken(app, basic('alice', 'wonderland')), USERS.alice);
      }
      await slapd.pause();
      try {
        const answers = await Promise.all(
          apps.map(async (app) => {
            const started = performance.now();
            const answer = await requestToken(app, basic('alice', 'wonderland'));
            return { answer, elapsed: performance.now() - started };
          }),
        );
        for (const { answer, elapsed } of answers) {
          assertUnavailable(answer);
          assertEndedByTimeout(elapsed, hung.timeoutMs, 'the 503');
        }
      } finally {
        slapd.resume();
      }
      for (const app of apps) {
        const answer = await requestToken(app, basic('alice', 'wonderland'));
        assertTokenIssued(answer, USERS.alice);
        assertUnauthorized(await requestToken(app, basic('alice', 'nope')), app.tokenUrl);
      }
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
