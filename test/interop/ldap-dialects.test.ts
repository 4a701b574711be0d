// Directory dialects against a real slapd: an Active Directory look-alike (the AD attribute types
// and classes under their Microsoft OIDs, loaded as a schema), a FreeIPA-style accounts tree,
// and a referral. Logins as sAMAccountName, DOMAIN\user and user@domain; people only; referrals
// returned by the server but never followed; ambiguous names refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'ldapts';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { DirectoryUnavailableError, InvalidCredentialsError } from '../../src/errors.js';
import type { AuthOptions, LdapOptions } from '../../src/options/resolve.js';
import { recordingLogger } from '../helpers/load.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const CORP = 'ou=corp,dc=example,dc=org';
const IPA_USERS = 'cn=users,cn=accounts,dc=example,dc=org';
const PEOPLE = 'ou=people,dc=example,dc=org';
const ALICE_AD = `cn=Alice Liddell,ou=emea,${CORP}`;

// AD's own OIDs and names; objectCategory is a DN in AD, a plain string is enough here.
const AD_SCHEMA = `
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.782 NAME 'objectCategory'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP organizationalPerson STRUCTURAL
  MAY ( sAMAccountName $ userPrincipalName $ objectCategory $ mail ) )
objectclass ( 1.2.840.113556.1.3.30 NAME 'computer' SUP user STRUCTURAL )
`;

function adUser(dn: string, sam: string, upn: string, category: string, password: string) {
  const cn = dn.slice(3, dn.indexOf(','));
  return `dn: ${dn}
objectClass: ${category === 'computer' ? 'computer' : 'user'}
cn: ${cn}
sn: ${cn}
sAMAccountName: ${sam}
userPrincipalName: ${upn}
objectCategory: ${category}
userPassword: ${password}
`;
}

function entries(referralPort: number): string {
  return [
    `dn: ${CORP}\nobjectClass: organizationalUnit\nou: corp\n`,
    `dn: ou=emea,${CORP}\nobjectClass: organizationalUnit\nou: emea\n`,
    `dn: ou=apac,${CORP}\nobjectClass: organizationalUnit\nou: apac\n`,
    adUser(ALICE_AD, 'alice', 'alice@corp.example.org', 'person', 'wonderland'),
    adUser(
      `cn=WS01,ou=emea,${CORP}`,
      'WS01$',
      'host/ws01@corp.example.org',
      'computer',
      'machine-secret',
    ),
    // The same sAMAccountName in two domains of one forest.
    adUser(
      `cn=Pat East,ou=apac,${CORP}`,
      'pat',
      'pat@apac.corp.example.org',
      'person',
      'pat-secret',
    ),
    adUser(
      `cn=Pat West,ou=emea,${CORP}`,
      'pat',
      'pat@emea.corp.example.org',
      'person',
      'pat-secret',
    ),
    'dn: cn=accounts,dc=example,dc=org\nobjectClass: organizationalRole\ncn: accounts\n',
    `dn: ${IPA_USERS}\nobjectClass: organizationalRole\ncn: users\n`,
    `dn: uid=ipauser,${IPA_USERS}
objectClass: inetOrgPerson
objectClass: posixAccount
uid: ipauser
cn: IPA User
sn: User
uidNumber: 10001
gidNumber: 10001
homeDirectory: /home/ipauser
userPassword: ipa-secret
`,
    `dn: uid=robot,${IPA_USERS}\nobjectClass: inetOrgPerson\nuid: robot\ncn: Robot\nsn: Robot\nuserPassword: robot-secret\n`,
    `dn: ou=elsewhere,${PEOPLE}
objectClass: referral
objectClass: extensibleObject
ou: elsewhere
ref: ldap://127.0.0.1:${referralPort}/ou=people,dc=other,dc=org
`,
  ].join('\n');
}

describe('directory dialects on a real slapd', () => {
  let slapd: SlapdServer;
  let schemaDir: string;
  let referred: Server;
  let referredConnections = 0;

  before(async () => {
    // Where the referral points: it must never be contacted.
    referred = createServer((socket) => {
      referredConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => referred.listen(0, '127.0.0.1', resolve));
    const port = (referred.address() as { port: number }).port;
    schemaDir = mkdtempSync(join(tmpdir(), 'ldap-token-auth-ad-schema-'));
    const schema = join(schemaDir, 'ad.schema');
    writeFileSync(schema, AD_SCHEMA);
    slapd = await startSlapd({
      schemas: [schema],
      extraLdif: entries(port),
      databaseConfig: ['index sAMAccountName,userPrincipalName eq'],
    });
  });
  after(async () => {
    await slapd?.stop();
    await new Promise((resolve) => referred?.close(resolve));
    rmSync(schemaDir, { recursive: true, force: true });
  });

  function auth(ldap: Partial<LdapOptions>, rest: Partial<AuthOptions> = {}): Auth {
    return createAuth({
      secretKey: 'ldap-dialects-test-secret-0123456789abcdef',
      ldap: { url: slapd.url, topDn: CORP, timeoutMs: 2000, connectTimeoutMs: 1000, ...ldap },
      ...rest,
    });
  }

  async function refusal(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    assert.fail('expected a refusal');
  }

  describe('activedirectory', () => {
    let ad: Auth;
    const recorder = recordingLogger();
    before(() => {
      ad = auth({ preset: 'activedirectory' }, { logger: recorder.logger });
    });
    after(() => ad?.close());

    it('logs in as sAMAccountName, DOMAIN\\user or user@domain, all to the same entry', async () => {
      for (const username of [
        'alice',
        'ALICE',
        'CORP\\alice',
        'alice@corp.example.org',
        'Alice@CORP.example.org',
      ]) {
        const issued = await ad.requestToken({ username, password: 'wonderland' });
        assert.equal(issued.user.dn, ALICE_AD, username);
        // The token names the person as the directory does (issue 14), however it was typed.
        assert.equal(issued.user.username, 'alice');
        assert.equal(issued.user.claims.preferred_username, 'alice');
      }
      const explicit = await ad.requestToken(
        { username: 'alice@corp.example.org', password: 'wonderland' },
        { searchCriteria: 'userPrincipalName' },
      );
      assert.equal(explicit.user.dn, ALICE_AD);
    });

    it('a wrong password, another UPN suffix, or a malformed name: 401', async () => {
      for (const [username, password] of [
        ['CORP\\alice', 'nope'],
        ['alice@example.org', 'wonderland'],
        ['\\alice', 'wonderland'],
        ['alice@', 'wonderland'],
      ] as const) {
        assert.ok(
          (await refusal(ad.requestToken({ username, password }))) instanceof
            InvalidCredentialsError,
          username,
        );
      }
    });

    it('people only: a computer account with its right password is refused', async () => {
      const error = await refusal(
        ad.requestToken({ username: 'WS01$', password: 'machine-secret' }),
      );
      assert.ok(error instanceof InvalidCredentialsError);
      // Without the preset's objectCategory condition, the same login goes through.
      const plain = auth({}, { searchCriteria: { default: 'sAMAccountName' } });
      try {
        const issued = await plain.requestToken({ username: 'WS01$', password: 'machine-secret' });
        assert.equal(issued.user.dn, `cn=WS01,ou=emea,${CORP}`);
      } finally {
        await plain.close();
      }
    });

    it('DOMAIN\\user matching users of two domains is ambiguous: refused and logged; their UPNs work', async () => {
      const error = await refusal(
        ad.requestToken({ username: 'EMEA\\pat', password: 'pat-secret' }),
      );
      assert.ok(error instanceof InvalidCredentialsError);
      assert.ok(recorder.events().includes('login_ambiguous'));
      const issued = await ad.requestToken({
        username: 'pat@emea.corp.example.org',
        password: 'pat-secret',
      });
      assert.equal(issued.user.dn, `cn=Pat West,ou=emea,${CORP}`);
    });
  });

  describe('freeipa', () => {
    it('POSIX accounts only: a login works, a non-POSIX entry is refused (and found without the preset)', async () => {
      const ipa = auth({ preset: 'freeipa', topDn: IPA_USERS });
      const plain = auth({ topDn: IPA_USERS });
      try {
        const issued = await ipa.requestToken({ username: 'ipauser', password: 'ipa-secret' });
        assert.equal(issued.user.dn, `uid=ipauser,${IPA_USERS}`);
        const error = await refusal(
          ipa.requestToken({ username: 'robot', password: 'robot-secret' }),
        );
        assert.ok(error instanceof InvalidCredentialsError);
        const robot = await plain.requestToken({ username: 'robot', password: 'robot-secret' });
        assert.equal(robot.user.dn, `uid=robot,${IPA_USERS}`);
      } finally {
        await Promise.all([ipa.close(), plain.close()]);
      }
    });
  });

  describe('referrals', () => {
    it('slapd returns a continuation reference to ldapts, which does not follow it', async () => {
      const client = new Client({ url: slapd.url });
      try {
        const result = await client.search(PEOPLE, { filter: '(uid=nobody)', attributes: ['1.1'] });
        assert.deepEqual(result.searchEntries, []);
        assert.equal(result.searchReferences.length, 1);
        assert.match(result.searchReferences[0]!, /^ldap:\/\/127\.0\.0\.1:\d+\/ou=people,dc=other/);
      } finally {
        await client.unbind();
      }
      assert.equal(referredConnections, 0);
    });

    it('logins ignore the reference: found users log in, unknown ones are a 401, not a 503', async () => {
      const core = auth({ topDn: PEOPLE });
      try {
        const issued = await core.requestToken({ username: 'alice', password: 'wonderland' });
        assert.equal(issued.user.dn, `uid=alice,${PEOPLE}`);
        const error = await refusal(core.requestToken({ username: 'nobody', password: 'x' }));
        assert.ok(error instanceof InvalidCredentialsError);
      } finally {
        await core.close();
      }
      assert.equal(referredConnections, 0, 'the referred server was contacted');
    });

    it('a top DN that is itself a referral: 503, logged as such, and still not followed', async () => {
      const recorder = recordingLogger();
      const core = auth({ topDn: `ou=elsewhere,${PEOPLE}` }, { logger: recorder.logger });
      try {
        const error = await refusal(
          core.requestToken({ username: 'alice', password: 'wonderland' }),
        );
        assert.ok(error instanceof DirectoryUnavailableError);
        const line = recorder.lines.find((l) => l.fields.event === 'search_referral');
        assert.equal(line?.fields.resultCode, 10);
        assert.match(line?.message ?? '', /referral, which is not followed/);
      } finally {
        await core.close();
      }
      assert.equal(referredConnections, 0);
    });
  });
});
