// Attributes and groups against a real slapd with the memberof overlay: every strategy slapd can
// serve (memberOf, search over groupOfNames/groupOfUniqueNames/posixGroup, nested with a cycle),
// what a login costs the directory, the required group at request-token and at refresh, and
// refresh carrying the directory's changes into the new token. (inChain needs Active Directory:
// its filter is unit-tested in test/unit/groups.test.ts and run against Samba by the AD suite.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { Client } from 'ldapts';
import { createAuth } from '../../src/core/create-auth.js';
import {
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidCredentialsError,
} from '../../src/errors.js';
import { errorAnswer } from '../../src/http/answers.js';
import type { GroupOptions } from '../../src/options/resolve.js';
import { TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { GROUPS, group, groupOptions, startGroupDirectory } from '../helpers/group-directory.js';
import { changeValues, SlapdMonitor, type SlapdServer, startSlapd } from '../helpers/slapd.js';

/** Runs `use` on a connection bound as `dn`. */
async function asUser<T>(
  slapd: SlapdServer,
  dn: string,
  password: string,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ url: slapd.url, timeout: 5000 });
  try {
    await client.bind(dn, password);
    return await use(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

describe('groups against slapd', () => {
  let slapd: SlapdServer;
  let monitor: SlapdMonitor;
  before(async () => {
    slapd = await startGroupDirectory();
    monitor = await SlapdMonitor.open(slapd);
  });
  after(async () => {
    await monitor?.close();
    await slapd?.stop();
  });

  /** The groups claim of a fresh login, and what it cost slapd. */
  async function login(groups: GroupOptions, who: { username: string; password: string }) {
    // `never`: the root DSE read that `auto` makes once per process is not a cost of groups
    // (test/interop/password-policy-control.test.ts counts it).
    const auth = createAuth({
      ...groupOptions(slapd.url, groups),
      passwordPolicy: { control: 'never' },
    });
    try {
      const before = await monitor.operations();
      const issued = await auth.requestToken(who);
      const after = await monitor.operations();
      const claims = decodeJwt(issued.token);
      return {
        issued,
        groups: claims.groups as string[],
        // The monitor's own two counter reads count as searches.
        searches: after.searches - before.searches - 2,
        binds: after.binds - before.binds,
      };
    } finally {
      await auth.close();
    }
  }

  it('memberOf (the default): the overlay-kept groups, names from the RDN, at no extra search', async () => {
    const bob = await login({}, USERS.bob);
    assert.deepEqual(bob.groups, ['readers']);
    assert.equal(bob.searches, 1, 'memberOf comes with the user search');
    const alice = await login({}, USERS.alice);
    assert.deepEqual(alice.groups, ['admins', 'legacy-team', 'staff', 'team-a']);
    assert.equal(alice.searches, 2, 'one base search for legacy-team, whose RDN is not its cn');
    assert.deepEqual(alice.issued.user.groups, alice.groups);
  });

  it('search, with the default filter: groupOfNames, groupOfUniqueNames and posixGroup', async () => {
    const alice = await login({ strategy: 'search' }, USERS.alice);
    assert.deepEqual(alice.groups, ['admins', 'developers', 'legacy-team', 'staff', 'team-a']);
    assert.equal(alice.searches, 2, 'the user, then one group search');
    const bob = await login({ strategy: 'search', baseDn: GROUPS }, USERS.bob);
    assert.deepEqual(bob.groups, ['ops', 'readers']);
  });

  it('search, with a filter of its own and another name attribute', async () => {
    const alice = await login(
      {
        strategy: 'search',
        filter: '(&(objectClass=posixGroup)(memberUid={username}))',
        nameAttribute: 'gidNumber',
      },
      USERS.alice,
    );
    assert.deepEqual(alice.groups, ['5001']);
  });

  it('nested: direct groups, then each level up, through member and uniqueMember; the cycle ends', async () => {
    const alice = await login({ strategy: 'nested' }, USERS.alice);
    assert.deepEqual(alice.groups, [
      'admins',
      'developers',
      'legacy-team',
      'staff',
      'team-a',
      'engineering',
      'company',
      'platform',
    ]);
    assert.equal(alice.searches, 1 + 1 + 3, 'user, direct groups, then one query per level');
    const capped = await login({ strategy: 'nested', maxDepth: 1 }, USERS.alice);
    assert.deepEqual(capped.groups.slice(-1), ['engineering']);
  });

  it('maxInToken caps the claim, direct groups first', async () => {
    const alice = await login({ strategy: 'nested', maxInToken: 3 }, USERS.alice);
    assert.deepEqual(alice.groups, ['admins', 'developers', 'legacy-team']);
  });

  it('attributes and claims come from the same search; several values are an array', async () => {
    await changeValues(slapd, USERS.alice.dn, 'add', 'description', ['reader', 'writer']);
    const auth = createAuth(
      groupOptions(
        slapd.url,
        { strategy: 'none' },
        {
          attributes: ['cn', 'mail', 'description', 'telephoneNumber'],
          claims: { name: ['displayName', 'cn'], email: 'mail', roles: 'description' },
        },
      ),
    );
    try {
      const issued = await auth.requestToken(USERS.alice);
      const claims = decodeJwt(issued.token);
      const expected = {
        cn: 'Alice Liddell',
        mail: 'alice@example.org',
        description: ['reader', 'writer'],
      };
      assert.deepEqual(claims.attributes, expected);
      assert.equal(claims.name, 'Alice Liddell');
      assert.equal(claims.email, 'alice@example.org');
      assert.deepEqual(claims.roles, ['reader', 'writer']);
      assert.equal(claims.groups, undefined, 'strategy none: no groups claim');
      const user = await auth.verify(issued.token);
      assert.deepEqual(user.attributes, expected);
      assert.deepEqual(user.groups, []);
      const bob = decodeJwt((await auth.requestToken(USERS.bob)).token);
      assert.equal(bob.name, 'Bob Builder', 'displayName absent: cn');
    } finally {
      await auth.close();
      await changeValues(slapd, USERS.alice.dn, 'delete', 'description', []);
    }
  });

  it('a required group: members get a token, others a 403 forbidden and no token', async () => {
    for (const required of [
      'staff',
      'STAFF',
      group('staff'),
      'CN=Staff, OU=Groups, DC=example, DC=org',
    ]) {
      const auth = createAuth(groupOptions(slapd.url, { required }));
      try {
        assert.ok((await auth.requestToken(USERS.alice)).token, required);
        const refused = await auth.requestToken(USERS.bob).catch((error: unknown) => error);
        assert.ok(refused instanceof ForbiddenError, `${required}: ${refused}`);
        const answer = errorAnswer(refused, 'http://x/auth/request-token');
        assert.equal(answer.status, 403);
        assert.deepEqual(JSON.parse(answer.body), {
          error: 'forbidden',
          message: 'You are not allowed to obtain a token',
          status: 403,
        });
        const wrong = await auth
          .requestToken({ username: 'bob', password: 'wrong' })
          .catch((error: unknown) => error);
        assert.ok(wrong instanceof InvalidCredentialsError, 'a wrong password is still a 401');
      } finally {
        await auth.close();
      }
    }
  });

  it('a required nested group, with the nested strategy', async () => {
    const auth = createAuth(groupOptions(slapd.url, { strategy: 'nested', required: 'platform' }));
    try {
      assert.ok((await auth.requestToken(USERS.alice)).token);
      await assert.rejects(auth.requestToken(USERS.bob), ForbiddenError);
    } finally {
      await auth.close();
    }
  });
});

describe('refresh re-reads the directory (slapd)', () => {
  let slapd: SlapdServer;
  before(async () => {
    slapd = await startGroupDirectory();
  });
  after(() => slapd?.stop());

  it('the new token carries the groups and attributes of now', async () => {
    const auth = createAuth(groupOptions(slapd.url));
    try {
      const login = await auth.requestToken(USERS.bob);
      assert.deepEqual(login.user.groups, ['readers']);
      assert.equal(login.user.attributes.mail, 'bob@example.org');
      await changeValues(slapd, group('staff'), 'add', 'member', [USERS.bob.dn]);
      await changeValues(slapd, USERS.bob.dn, 'replace', 'mail', ['builder@example.org']);
      const refreshed = await auth.refresh(login.token);
      assert.deepEqual(refreshed.user.groups, ['readers', 'staff']);
      assert.equal(refreshed.user.attributes.mail, 'builder@example.org');
      assert.equal(refreshed.user.claims.email, 'builder@example.org');
      const verified = await auth.verify(refreshed.token);
      assert.deepEqual(verified.groups, ['readers', 'staff']);
    } finally {
      await changeValues(slapd, group('staff'), 'delete', 'member', [USERS.bob.dn]);
      await auth.close();
    }
  });

  it('out of the required group since the login: 401 at refresh; back in: a token again', async () => {
    const auth = createAuth(groupOptions(slapd.url, { required: 'staff' }));
    try {
      const login = await auth.requestToken(USERS.alice);
      assert.ok((await auth.refresh(login.token)).token, 'still a member');
      // groupOfNames needs a member: someone else stays in it.
      await changeValues(slapd, group('staff'), 'add', 'member', [`uid=search-bot,${TOP_DN}`]);
      await changeValues(slapd, group('staff'), 'delete', 'member', [USERS.alice.dn]);
      const refused = await auth.refresh(login.token).catch((error: unknown) => error);
      assert.ok(refused instanceof InvalidCredentialsError, String(refused));
      assert.equal(errorAnswer(refused, 'http://x/auth/request-token').status, 401);
      await assert.rejects(auth.requestToken(USERS.alice), ForbiddenError);
      await changeValues(slapd, group('staff'), 'add', 'member', [USERS.alice.dn]);
      assert.ok((await auth.refresh(login.token)).token, 'a member again');
    } finally {
      await auth.close();
    }
  });
});

describe('a user in more groups than one answer holds (slapd)', () => {
  const many = Array.from(
    { length: 700 },
    (_, index) =>
      `dn: cn=many-${index},${GROUPS}\nobjectClass: groupOfNames\ncn: many-${index}\nmember: ${USERS.bob.dn}`,
  ).join('\n\n');
  const login = async (slapd: SlapdServer) => {
    const auth = createAuth(groupOptions(slapd.url, { strategy: 'search', maxInToken: 1000 }));
    try {
      return await auth.requestToken(USERS.bob);
    } finally {
      await auth.close();
    }
  };

  it("within the account's size limit: every group, read page by page", async () => {
    const slapd = await startSlapd({
      extraLdif: `${many}\n`,
      databaseConfig: [
        'limits anonymous size.soft=unlimited size.hard=unlimited size.prtotal=unlimited',
      ],
    });
    try {
      const issued = await login(slapd);
      assert.equal(issued.user.groups.length, 700);
    } finally {
      await slapd.stop();
    }
  });

  it("beyond it (slapd's default 500): 503, never a token with part of the groups", async () => {
    const slapd = await startSlapd({ extraLdif: `${many}\n` });
    try {
      await assert.rejects(login(slapd), DirectoryUnavailableError);
    } finally {
      await slapd.stop();
    }
  });
});

describe("group look-ups use the search account, never the user's connection (slapd)", () => {
  it('groups only the service account may read still reach the token', async () => {
    const people = TOP_DN;
    const slapd = await startSlapd({
      access: [
        'access to attrs=userPassword by self write by anonymous auth by * none',
        `access to dn.subtree="${GROUPS}" by dn.exact="uid=search-bot,${people}" read by * none`,
        'access to * by anonymous auth by users read',
      ],
    });
    try {
      for (const strategy of ['search', 'nested'] as const) {
        const options = groupOptions(slapd.url, { strategy });
        options.ldap.serviceAccount = { username: 'search-bot', password: 'bot-secret' };
        const auth = createAuth(options);
        try {
          const issued = await auth.requestToken(USERS.alice);
          assert.deepEqual(issued.user.groups, ['admins'], strategy);
        } finally {
          await auth.close();
        }
      }
      // The control: alice's own connection sees no group at all.
      const own = await asUser(slapd, USERS.alice.dn, USERS.alice.password, (client) =>
        client.search(GROUPS, { filter: '(objectClass=*)', attributes: ['cn'] }),
      ).catch(() => ({ searchEntries: [] }));
      assert.equal(own.searchEntries.length, 0);
    } finally {
      await slapd.stop();
    }
  });
});
