import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  EqualityFilter,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchObjectError,
  type SearchOptions,
  SubstringFilter,
  UnwillingToPerformError,
} from 'ldapts';
import { PasswordPolicyControl } from '../../src/ldap/password-policy-control.js';
import {
  DEMO_LDIF,
  DEMO_SERVICE_ACCOUNT,
  DEMO_TOP_DN,
  DEMO_USERS,
  startTestDirectory,
  type TestDirectory,
} from '../../src/testing/index.js';
import { hashSsha } from '../../src/testing/password.js';
import { waitUntil } from '../helpers/timeouts.js';

const FIXTURE = new URL('../fixtures/directory.ldif', import.meta.url);
const PEOPLE = 'ou=people,dc=example,dc=org';
const ALICE = `uid=alice,${PEOPLE}`;

// Entries the shared fixture lacks, kept under their own branch so the fixture's counts hold.
const EXTRA_LDIF = `
dn: ou=extra,dc=example,dc=org
objectClass: organizationalUnit
ou: extra

dn: uid=hashed,ou=extra,dc=example,dc=org
objectClass: inetOrgPerson
uid: hashed
cn: Hashed
sn: Hashed
userPassword: ${hashSsha('s3cret ünïcode')}

dn: uid=sha,ou=extra,dc=example,dc=org
objectClass: inetOrgPerson
uid: sha
cn: Sha
sn: Sha
userPassword: {SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=

dn: cn=Zoë Ünicode,ou=extra,dc=example,dc=org
objectClass: person
cn: Zoë Ünicode
sn: Ünicode
description: a*(b)\\c
`;

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url, timeout: 2000, connectTimeout: 2000 });
  try {
    return await use(client);
  } finally {
    await client.unbind().catch(() => {});
  }
}

async function find(client: Client, base: string, options: SearchOptions = {}) {
  const { searchEntries } = await client.search(base, { scope: 'sub', ...options });
  return searchEntries;
}

/** Sends raw bytes and waits for the server to answer or hang up. */
function rawExchange(url: string, bytes: Buffer, reset = false): Promise<Buffer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(bytes);
      if (reset) setTimeout(() => socket.resetAndDestroy(), 20);
    });
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(received)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (reset || error.code === 'ECONNRESET') resolve(Buffer.concat(received));
      else reject(error);
    });
    socket.setTimeout(1000, () => socket.end());
  });
}

describe('startTestDirectory', () => {
  let directory: TestDirectory;

  before(async () => {
    const fixture = await readFile(FIXTURE, 'utf8');
    directory = await startTestDirectory({ ldif: fixture + EXTRA_LDIF });
  });
  after(() => directory.close());

  it('listens on a free loopback port', () => {
    assert.match(directory.url, /^ldap:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(directory.port > 0);
    assert.equal(directory.url, `ldap://127.0.0.1:${directory.port}`);
    assert.equal(directory.entries.length, 13);
    assert.ok(Object.isFrozen(directory.entries[0]));
  });

  describe('bind', () => {
    const succeeds = (dn: string, password: string) =>
      withClient(directory.url, (client) => client.bind(dn, password));
    const failsWith = async (dn: string, password: string, code: number) => {
      await assert.rejects(succeeds(dn, password), (error: { code?: number }) => {
        assert.equal(error.code, code);
        return true;
      });
    };

    it('accepts a clear-text password', () => succeeds(ALICE, 'wonderland'));

    it('accepts {SSHA} and {SHA} passwords', async () => {
      await succeeds('uid=hashed,ou=extra,dc=example,dc=org', 's3cret ünïcode');
      await succeeds('uid=sha,ou=extra,dc=example,dc=org', 'password');
      await failsWith('uid=hashed,ou=extra,dc=example,dc=org', 's3cret', 49);
    });

    it('accepts a UTF-8 password', () => succeeds(`uid=jozef,${PEOPLE}`, 'zażółć gęślą jaźń'));

    it('ignores controls ldapjs cannot parse, such as the password-policy request', async () => {
      // ldapjs alone drops the connection on this valueless control (draft-behera 6.1).
      await withClient(directory.url, async (client) => {
        await client.bind(ALICE, 'wonderland', new PasswordPolicyControl());
        await assert.rejects(
          client.bind(ALICE, 'wrong', new PasswordPolicyControl()),
          InvalidCredentialsError,
        );
        // The same connection goes on answering.
        await client.bind(ALICE, 'wonderland', new PasswordPolicyControl());
      });
    });

    it('compares DNs as slapd does: case, spaces and escapes do not matter', async () => {
      await succeeds('UID=Alice , OU=People,DC=example,DC=org', 'wonderland');
      await succeeds(`uid=o\\27brien,${PEOPLE}`, 'late-night');
      await succeeds("uid=o'brien, ou=people, dc=example, dc=org", 'late-night');
    });

    it('refuses a wrong password and an unknown DN alike', async () => {
      await assert.rejects(succeeds(ALICE, 'Wonderland'), InvalidCredentialsError);
      await assert.rejects(succeeds(`uid=nobody,${PEOPLE}`, 'wonderland'), InvalidCredentialsError);
    });

    it('refuses a DN with an empty password as slapd does (53), not as anonymous', async () => {
      await assert.rejects(succeeds(ALICE, ''), UnwillingToPerformError);
    });

    it('accepts an anonymous bind, refuses an empty DN with a password', async () => {
      await succeeds('', '');
      await failsWith('', 'wonderland', 49);
    });
  });

  describe('search', () => {
    it('honours the three scopes relative to the base', async () => {
      await withClient(directory.url, async (client) => {
        assert.deepEqual(
          (await find(client, PEOPLE, { scope: 'base' })).map((entry) => entry.dn),
          [PEOPLE],
        );
        const people = await find(client, PEOPLE, { scope: 'one' });
        assert.deepEqual(people.map((entry) => entry.uid).sort(), [
          'alice',
          'bob',
          'jozef',
          "o'brien",
          'search-bot',
        ]);
        assert.equal((await find(client, PEOPLE)).length, 6);
        assert.equal((await find(client, 'dc=example,dc=org')).length, 13);
        assert.equal((await find(client, 'dc=example,dc=org', { scope: 'one' })).length, 3);
      });
    });

    it('filters with attribute names in any case', async () => {
      await withClient(directory.url, async (client) => {
        const found = await find(client, 'dc=example,dc=org', {
          filter: '(&(UID=alice)(objectclass=INETORGPERSON))',
        });
        assert.deepEqual(
          found.map((entry) => entry.dn),
          [ALICE],
        );
        const group = await find(client, 'dc=example,dc=org', { filter: `(member=${ALICE})` });
        assert.deepEqual(
          group.map((entry) => entry.cn),
          ['admins'],
        );
      });
    });

    it('returns the requested attributes only, and never userPassword', async () => {
      await withClient(directory.url, async (client) => {
        const [alice] = await find(client, ALICE, {
          scope: 'base',
          attributes: ['CN', 'mail', 'userPassword'],
        });
        assert.deepEqual(alice, {
          dn: ALICE,
          cn: 'Alice Liddell',
          mail: 'alice@example.org',
          userPassword: [], // ldapts lists requested attributes the server did not send
        });
        const [all] = await find(client, ALICE, { scope: 'base' });
        assert.equal(all?.userPassword, undefined);
        assert.equal(all?.sn, 'Liddell');
        const [none] = await find(client, ALICE, { scope: 'base', attributes: ['1.1'] });
        assert.deepEqual(none, { dn: ALICE, '1.1': [] });
      });
    });

    it('takes attribute options and OIDs in filters without dropping the connection', async () => {
      await withClient(directory.url, async (client) => {
        for (const attribute of ['cn;lang-fr', '2.5.4.3']) {
          const filter = new EqualityFilter({ attribute, value: 'Alice Liddell' });
          assert.deepEqual(await find(client, PEOPLE, { filter }), []);
        }
        assert.equal((await find(client, PEOPLE, { filter: '(uid=alice)' })).length, 1);
      });
    });

    it('does not let a filter probe userPassword', async () => {
      await withClient(directory.url, async (client) => {
        assert.equal(
          (await find(client, PEOPLE, { filter: '(userPassword=wonderland)' })).length,
          0,
        );
        assert.equal((await find(client, PEOPLE, { filter: '(userPassword=*)' })).length, 0);
      });
    });

    it('returns DNs in UTF-8, as slapd does, and finds non-ASCII values', async () => {
      await withClient(directory.url, async (client) => {
        const filter = new EqualityFilter({ attribute: 'cn', value: 'Zoë Ünicode' });
        const found = await find(client, 'dc=example,dc=org', { filter });
        assert.deepEqual(
          found.map((entry) => entry.dn),
          ['cn=Zoë Ünicode,ou=extra,dc=example,dc=org'],
        );
        await client.bind(`uid=jozef,${PEOPLE}`, 'zażółć gęślą jaźń');
        const [base] = await find(
          client,
          'cn=Zo\\c3\\ab \\c3\\9cnicode,ou=extra,dc=example,dc=org',
          { scope: 'base' },
        );
        assert.equal(base?.sn, 'Ünicode');
      });
    });

    it('takes escaped filter values literally: no wildcard, no injection', async () => {
      await withClient(directory.url, async (client) => {
        const byUid = (value: string) =>
          find(client, 'dc=example,dc=org', {
            filter: new EqualityFilter({ attribute: 'uid', value }),
          });
        assert.equal((await byUid('*')).length, 0);
        assert.equal((await byUid('alice)(uid=*')).length, 0);
        assert.equal((await byUid('*)(|(uid=*')).length, 0);
        assert.equal((await byUid('alice\\')).length, 0);
        assert.deepEqual(
          (await byUid("o'brien")).map((entry) => entry.cn),
          ["Conan O'Brien"],
        );
        assert.equal((await byUid('alice')).length, 1);
        // The same characters are found when they really are in the value.
        const odd = new EqualityFilter({ attribute: 'description', value: 'a*(b)\\c' });
        assert.equal((await find(client, 'dc=example,dc=org', { filter: odd })).length, 1);
        const prefix = new SubstringFilter({ attribute: 'cn', initial: 'Zoë', any: ['Ü'] });
        assert.equal((await find(client, 'dc=example,dc=org', { filter: prefix })).length, 1);
        const escaped = '(&(cn=Zoë*)(description=a\\2a\\28b\\29\\5cc))';
        assert.equal((await find(client, 'dc=example,dc=org', { filter: escaped })).length, 1);
      });
    });

    it('answers noSuchObject (32) for a base that does not exist', async () => {
      await withClient(directory.url, async (client) => {
        await assert.rejects(find(client, `ou=nowhere,dc=example,dc=org`), NoSuchObjectError);
        await assert.rejects(find(client, 'dc=other,dc=org'), NoSuchObjectError);
      });
    });

    it('stops at the size limit (ldapts hides the sizeLimitExceeded it asked for)', async () => {
      await withClient(directory.url, async (client) => {
        assert.equal((await find(client, PEOPLE, { sizeLimit: 2 })).length, 2);
      });
    });

    it('serves the root DSE with its naming context', async () => {
      await withClient(directory.url, async (client) => {
        const [root] = await find(client, '', { scope: 'base', attributes: ['namingContexts'] });
        assert.deepEqual(root, { dn: '', namingContexts: 'dc=example,dc=org' });
      });
    });
  });

  describe('robustness', () => {
    const stillServes = () =>
      withClient(directory.url, (client) => client.bind(ALICE, 'wonderland'));

    it('refuses writes with unwillingToPerform (53)', async () => {
      await withClient(directory.url, async (client) => {
        await client.bind(ALICE, 'wonderland');
        await assert.rejects(
          client.add(`uid=eve,${PEOPLE}`, { uid: 'eve', objectClass: 'person' }),
          UnwillingToPerformError,
        );
        await assert.rejects(client.del(ALICE), UnwillingToPerformError);
        await assert.rejects(client.compare(ALICE, 'uid', 'alice'), UnwillingToPerformError);
      });
    });

    it('answers an unknown extended operation with protocolError (2)', async () => {
      await withClient(directory.url, async (client) => {
        await assert.rejects(client.exop('1.3.6.1.4.1.4203.1.11.3'), (error: { code?: number }) => {
          assert.equal(error.code, 2);
          return true;
        });
      });
    });

    const hostile: [string, Buffer, boolean?][] = [
      ['bytes that are not BER', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      // SEQUENCE { id 1, [APPLICATION 30] } : an operation that does not exist
      ['an unknown operation', Buffer.from('30050201015e00', 'hex')],
      // bindRequest { version 3, name "", sasl { "PLAIN" } }
      ['a SASL bind', Buffer.from('3013020101600e0201030400a3070405504c41494e', 'hex')],
      ['a message cut short, then a reset', Buffer.from('3013020101600e0201', 'hex'), true],
      ['a huge announced length', Buffer.from('3084ffffffff', 'hex'), true],
    ];
    for (const [what, bytes, reset] of hostile) {
      it(`survives ${what}`, async () => {
        await rawExchange(directory.url, bytes, reset);
        await stillServes();
      });
    }

    it('survives a search with a scope ldapjs does not know', async () => {
      await withClient(directory.url, (client) =>
        assert.rejects(find(client, PEOPLE, { scope: 'children' })),
      );
      await stillServes();
    });
  });
});

describe('anonymousSearch: false', () => {
  let directory: TestDirectory;
  before(async () => {
    directory = await startTestDirectory({ ldifFile: FIXTURE.pathname, anonymousSearch: false });
  });
  after(() => directory.close());

  const aliceFilter = new EqualityFilter({ attribute: 'uid', value: 'alice' });

  it('refuses an unbound connection with insufficientAccess (50), as slapd does', async () => {
    await withClient(directory.url, async (client) => {
      await assert.rejects(
        find(client, 'dc=example,dc=org', { filter: aliceFilter }),
        InsufficientAccessError,
      );
      await assert.rejects(find(client, 'ou=nowhere,dc=example,dc=org'), InsufficientAccessError);
      await client.bind('', '');
      await assert.rejects(
        find(client, 'dc=example,dc=org', { filter: aliceFilter }),
        InsufficientAccessError,
      );
    });
  });

  it('lets a connection bound as any entry search', async () => {
    await withClient(directory.url, async (client) => {
      await client.bind('uid=search-bot,ou=people,dc=example,dc=org', 'bot-secret');
      const found = await find(client, 'dc=example,dc=org', { filter: aliceFilter });
      assert.deepEqual(
        found.map((entry) => entry.dn),
        [ALICE],
      );
    });
  });

  it('tracks the identity per connection, and a failed bind drops it', async () => {
    await withClient(directory.url, async (bound) => {
      await bound.bind(ALICE, 'wonderland');
      await withClient(directory.url, async (anonymous) => {
        await assert.rejects(find(anonymous, PEOPLE), InsufficientAccessError);
      });
      assert.equal((await find(bound, PEOPLE)).length, 6);
      await assert.rejects(bound.bind(ALICE, 'wrong'), InvalidCredentialsError);
      await assert.rejects(find(bound, PEOPLE), InsufficientAccessError);
    });
  });
});

describe('stats', () => {
  it('counts every bind and search request, anonymous and failed ones included', async () => {
    const directory = await startTestDirectory({ ldif: DEMO_LDIF });
    try {
      assert.deepEqual({ ...directory.stats }, { binds: 0, searches: 0 });
      await withClient(directory.url, async (client) => {
        await client.bind('', '');
        await client.bind(ALICE, 'wonderland');
        await assert.rejects(client.bind(ALICE, 'nope'));
        await find(client, 'dc=example,dc=org');
        await assert.rejects(find(client, 'dc=nowhere'));
      });
      assert.deepEqual({ ...directory.stats }, { binds: 3, searches: 2 });
    } finally {
      await directory.close();
    }
  });
});

describe('close', () => {
  const listeners = () =>
    process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;

  it('closes the server and every open connection', async () => {
    const before = listeners();
    const directory = await startTestDirectory({ ldif: DEMO_LDIF });
    const client = new Client({ url: directory.url, connectTimeout: 1000 });
    await client.bind(ALICE, 'wonderland');
    assert.equal(client.isConnected, true);

    await directory.close();
    await directory.close(); // a second call is harmless

    assert.equal(listeners(), before);
    await waitUntil(() => !client.isConnected, 'the client connection to be dropped');
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = connect(directory.port, '127.0.0.1', () => resolve(socket.end()));
        socket.on('error', reject);
      }),
      { code: 'ECONNREFUSED' },
    );
    await client.unbind().catch(() => {});
  });
});

describe('demo directory', () => {
  it('logs in every demo user and the service account, finds the admins', async () => {
    const directory = await startTestDirectory({ ldif: DEMO_LDIF });
    try {
      await withClient(directory.url, async (client) => {
        for (const user of DEMO_USERS) {
          await client.bind(`uid=${user.username},${DEMO_TOP_DN}`, user.password);
          const [me] = await find(client, `uid=${user.username},${DEMO_TOP_DN}`, { scope: 'base' });
          assert.equal(me?.cn, user.name);
        }
        await client.bind(DEMO_SERVICE_ACCOUNT.dn, DEMO_SERVICE_ACCOUNT.password);
        const [admins] = await find(client, 'ou=groups,dc=example,dc=org', {
          filter: '(cn=admins)',
        });
        assert.equal(admins?.member, `uid=alice,${DEMO_TOP_DN}`);
      });
    } finally {
      await directory.close();
    }
  });
});

describe('options', () => {
  it('refuses a missing source, a bad port and a duplicate entry', async () => {
    await assert.rejects(startTestDirectory({} as never), TypeError);
    await assert.rejects(
      startTestDirectory({ ldif: DEMO_LDIF, ldifFile: FIXTURE.pathname } as never),
      TypeError,
    );
    await assert.rejects(startTestDirectory({ ldif: DEMO_LDIF, port: 70000 }), TypeError);
    await assert.rejects(
      startTestDirectory({ ldif: 'dn: dc=org\ndc: org\n\ndn: DC=Org\ndc: org\n' }),
      /twice/,
    );
  });

  it('reports malformed LDIF with its line', async () => {
    await assert.rejects(startTestDirectory({ ldif: 'dn: dc=org\ndc org\n' }), {
      name: 'LdifError',
      line: 2,
    });
  });
});
