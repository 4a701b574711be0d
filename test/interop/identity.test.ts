// The subject is the directory's (issue 14, item 1), against a real slapd: whatever spelling or
// attribute a person logs in with, the token's `sub`, `req.user.username`, `X-Auth-User` and the
// revocation key are the entry's own value of the login attribute (or LDAP_SUBJECT_ATTRIBUTE),
// never the typed string; `preferred_username` carries the login attribute's value; the group
// filter's `{username}` is that value too, never the typed name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { InvalidCredentialsError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { serve } from '../../src/server/serve.js';
import type { Logger } from '../../src/shared/logger.js';
import { TOP_DN } from '../helpers/conformance-fixtures.js';
import { changeValues, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const PEOPLE = TOP_DN;
const EXTRA = [
  // eve's cn is bob: with search_criteria=cn she types "bob", and her own password.
  `dn: uid=eve,${PEOPLE}`,
  'objectClass: inetOrgPerson',
  'uid: eve',
  'cn: bob',
  'sn: Eve',
  'userPassword: evepass',
  '',
  // mallory has no uid at all, and alice as a second cn.
  `dn: cn=mallory,${PEOPLE}`,
  'objectClass: inetOrgPerson',
  'cn: mallory',
  'cn: alice',
  'sn: Mallory',
  'userPassword: mallorypass',
  '',
  // Two uids, the DN naming one of them.
  `dn: uid=multi,${PEOPLE}`,
  'objectClass: inetOrgPerson',
  'uid: multi',
  'uid: m.alias',
  'cn: Multi Valued',
  'sn: Valued',
  'userPassword: multipass',
  '',
  // Two uids, the DN naming neither.
  `dn: cn=twin,${PEOPLE}`,
  'objectClass: inetOrgPerson',
  'uid: twin1',
  'uid: twin2',
  'cn: twin',
  'sn: Twin',
  'userPassword: twinpass',
  '',
  `dn: cn=carol,${PEOPLE}`,
  'objectClass: inetOrgPerson',
  'uid: carol',
  'cn: carol',
  'sn: Carol',
  'userPassword: carolpass',
  '',
  'dn: cn=developers,ou=groups,dc=example,dc=org',
  'objectClass: posixGroup',
  'cn: developers',
  'gidNumber: 5001',
  'memberUid: alice',
  '',
].join('\n');

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

describe('the subject is the directory’s, against slapd', () => {
  let slapd: SlapdServer;
  const auths: Auth[] = [];
  const auth = (extra: Partial<AuthOptions> = {}) => {
    const created = createAuth({
      secretKey: 'identity-test-secret-0123456789abcdef0123',
      ldap: { url: slapd.url, topDn: PEOPLE, timeoutMs: 5000 },
      loginLimits: { enabled: false },
      ...extra,
    });
    auths.push(created);
    return created;
  };
  before(async () => {
    slapd = await startSlapd({ anonymousSearch: true, extraLdif: EXTRA });
  });
  after(async () => {
    for (const each of auths) await each.close();
    await slapd?.stop();
  });

  it('every spelling slapd matches to uid=alice gives sub "alice" and preferred_username "alice"', async () => {
    const core = auth();
    for (const username of ['alice', 'ALICE', 'Alice', ' alice', 'alice ', '  ALICE  ']) {
      const issued = await core.requestToken({ username, password: 'wonderland' });
      assert.equal(issued.user.username, 'alice', JSON.stringify(username));
      assert.equal(issued.user.claims.sub, 'alice');
      assert.equal(issued.user.claims.preferred_username, 'alice');
      assert.equal((await core.verify(issued.token)).username, 'alice');
    }
  });

  it('full-width ａｌｉｃｅ, which slapd matches to uid=alice (NFKC), gives sub "alice"', async () => {
    const issued = await auth().requestToken({ username: 'ａｌｉｃｅ', password: 'wonderland' });
    assert.equal(issued.user.username, 'alice');
  });

  it('logging in by mail or cn gives the same subject as by uid', async () => {
    const core = auth();
    const byMail = await core.requestToken(
      { username: 'ALICE@example.org', password: 'wonderland' },
      { searchCriteria: 'mail' },
    );
    const byCn = await core.requestToken(
      { username: 'alice liddell', password: 'wonderland' },
      { searchCriteria: 'cn' },
    );
    assert.equal(byMail.user.username, 'alice');
    assert.equal(byCn.user.username, 'alice');
    assert.equal(byCn.user.claims.preferred_username, 'alice');
  });

  it('revokeAllFor(uid) revokes the tokens got via uid, cn and mail', async () => {
    const core = auth({ revocation: { enabled: true } });
    const tokens = [
      await core.requestToken({ username: 'Alice', password: 'wonderland' }),
      await core.requestToken(
        { username: 'Alice Liddell', password: 'wonderland' },
        { searchCriteria: 'cn' },
      ),
      await core.requestToken(
        { username: 'alice@example.org', password: 'wonderland' },
        { searchCriteria: 'mail' },
      ),
    ].map((issued) => issued.token);
    const other = (await core.requestToken({ username: 'bob', password: 'can-we-fix-it' })).token;
    await core.revokeAllFor('alice');
    for (const token of tokens) await assert.rejects(core.verify(token), /revoked/);
    assert.equal((await core.verify(other)).username, 'bob');
  });

  it('impersonation via cn: eve (cn "bob") typing "bob" gets sub "eve", and X-Auth-User: eve', async () => {
    const core = auth();
    const issued = await core.requestToken(
      { username: 'bob', password: 'evepass' },
      { searchCriteria: 'cn' },
    );
    assert.equal(issued.user.username, 'eve');
    assert.equal(issued.user.claims.preferred_username, 'eve');
    const service = await serve(core, { host: '127.0.0.1', port: 0 });
    try {
      const answer = await fetch(`${service.url}/auth/verify`, {
        headers: { authorization: `Bearer ${issued.token}` },
      });
      await answer.arrayBuffer();
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-auth-user'), 'eve');
    } finally {
      await service.close();
    }
  });

  it('group search: an entry without uid never gets the typed name as {username} (no token at all)', async () => {
    const { logger, lines } = recordingLogger();
    const core = auth({
      logger,
      groups: { strategy: 'search', required: 'developers' },
    });
    // The real alice is a developer through memberUid: alice.
    const real = await core.requestToken({ username: 'alice', password: 'wonderland' });
    assert.ok(real.user.groups.includes('developers'));
    // mallory (cn: alice, no uid) typing "alice" with her own password.
    await assert.rejects(
      core.requestToken({ username: 'alice', password: 'mallorypass' }, { searchCriteria: 'cn' }),
      InvalidCredentialsError,
    );
    const line = lines.find((entry) => entry.fields.event === 'subject_unavailable');
    assert.ok(line, 'a log line says which attribute is missing');
    assert.equal(line.fields.attribute, 'uid');
    assert.equal(line.fields.dn, `cn=mallory,${PEOPLE}`);
    assert.ok(!JSON.stringify(lines).includes('mallorypass'));
  });

  it('several values: the one the DN names; none named: no token', async () => {
    const core = auth();
    const multi = await core.requestToken({ username: 'M.Alias', password: 'multipass' });
    assert.equal(multi.user.username, 'multi');
    await assert.rejects(
      core.requestToken({ username: 'twin1', password: 'twinpass' }),
      InvalidCredentialsError,
    );
  });

  it('LDAP_SUBJECT_ATTRIBUTE=entryUUID: sub is the entry’s UUID, whatever was typed', async () => {
    const core = auth({ user: { subjectAttribute: 'entryUUID' } });
    const one = await core.requestToken({ username: 'alice', password: 'wonderland' });
    const two = await core.requestToken(
      { username: 'ALICE@EXAMPLE.ORG', password: 'wonderland' },
      { searchCriteria: 'mail' },
    );
    assert.match(
      one.user.username,
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    assert.equal(two.user.username, one.user.username);
    assert.equal(two.user.claims.preferred_username, 'alice');
  });

  it('refresh takes the subject from the entry it reads again', async () => {
    const core = auth();
    const issued = await core.requestToken({ username: 'CAROL', password: 'carolpass' });
    assert.equal(issued.user.username, 'carol');
    await changeValues(slapd, `cn=carol,${PEOPLE}`, 'replace', 'uid', ['carol.renamed']);
    const refreshed = await core.refresh(issued.token);
    assert.equal(refreshed.user.username, 'carol.renamed');
    assert.equal(refreshed.user.claims.preferred_username, 'carol.renamed');
  });
});
