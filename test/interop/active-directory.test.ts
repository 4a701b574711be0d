// Active Directory, for real: a Samba AD domain controller provisioned at test time
// (test/helpers/samba.ts), with the `activedirectory` preset. Logins as sAMAccountName, UPN and
// DOMAIN\user, over plain LDAP, StartTLS and ldaps, and every bind data code Samba can be made to
// send (all but 525: Samba answers 52e for an unknown name, by DN or by UPN). Each account state
// is set up the way an administrator would, and each test checks the diagnostic message Samba
// sent (`data 533`...) as well as what the library made of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResultCodeError } from 'ldapts';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { type AccountStateReason, InvalidCredentialsError } from '../../src/errors.js';
import { handleTokenRequest } from '../../src/http/protocol.js';
import type { AuthOptions, LdapOptions } from '../../src/options/resolve.js';
import { basic, SEED_BODY } from '../helpers/conformance-fixtures.js';
import { fileTime, type SambaDomain, startSamba, UAC } from '../helpers/samba.js';

const PASSWORD = 'Correct-Horse-7';
const SERVICE = { sam: 'svc-search', password: 'Search-Service-7' };
const TOKEN_URL = 'http://127.0.0.1/auth/request-token';

/** One account per data code, and how it is made so. */
const STATES: {
  sam: string;
  displayName: string;
  code: string;
  reason: AccountStateReason;
  passwordVerified: boolean;
}[] = [
  {
    sam: 'disabled',
    displayName: 'Dis Abled',
    code: '533',
    reason: 'account_disabled',
    passwordVerified: true,
  },
  {
    sam: 'mustchange',
    displayName: 'Must Change',
    code: '773',
    reason: 'password_must_change',
    passwordVerified: true,
  },
  {
    sam: 'expiredacct',
    displayName: 'Account Expired',
    code: '701',
    reason: 'account_expired',
    passwordVerified: true,
  },
  {
    sam: 'nighthours',
    displayName: 'Night Hours',
    code: '530',
    reason: 'logon_hours',
    passwordVerified: true,
  },
  {
    sam: 'oldpassword',
    displayName: 'Old Password',
    code: '532',
    reason: 'password_expired',
    passwordVerified: true,
  },
  {
    sam: 'elsewhere',
    displayName: 'Else Where',
    code: '531',
    reason: 'workstation_not_allowed',
    passwordVerified: true,
  },
  {
    sam: 'lockedout',
    displayName: 'Locked Out',
    code: '775',
    reason: 'account_locked',
    passwordVerified: false,
  },
];

describe('Active Directory (Samba AD DC)', () => {
  let dc: SambaDomain;
  const auths: Auth[] = [];
  let aliceDn: string;

  before(async () => {
    dc = await startSamba();
    const never = UAC.NORMAL_ACCOUNT | UAC.DONT_EXPIRE_PASSWORD;
    await dc.addUser({
      sam: SERVICE.sam,
      displayName: 'Search Service',
      password: SERVICE.password,
      userAccountControl: never,
    });
    aliceDn = await dc.addUser({ sam: 'alice', displayName: 'Alice Liddell', password: PASSWORD });
    await dc.addUser({
      sam: 'disabled',
      displayName: 'Dis Abled',
      password: PASSWORD,
      userAccountControl: UAC.NORMAL_ACCOUNT | UAC.ACCOUNTDISABLE,
    });
    // pwdLastSet 0: "user must change password at next logon".
    await dc.addUser({
      sam: 'mustchange',
      displayName: 'Must Change',
      password: PASSWORD,
      attributes: { pwdLastSet: '0' },
    });
    await dc.addUser({
      sam: 'expiredacct',
      displayName: 'Account Expired',
      password: PASSWORD,
      attributes: { accountExpires: fileTime(new Date('2020-01-01T00:00:00Z')) },
    });
    // logonHours: 168 bits, one per hour of the week; all zero, no hour is allowed.
    await dc.addUser({
      sam: 'nighthours',
      displayName: 'Night Hours',
      password: PASSWORD,
      attributes: { logonHours: Buffer.alloc(21) },
    });
    // userWorkstations: may log on from that computer only, and a simple bind comes from none.
    await dc.addUser({
      sam: 'elsewhere',
      displayName: 'Else Where',
      password: PASSWORD,
      attributes: { userWorkstations: 'ELSEWHERE' },
    });
    const old = await dc.addUser({
      sam: 'oldpassword',
      displayName: 'Old Password',
      password: PASSWORD,
    });
    await dc.addPasswordSettings('short-lived', [old], { maximumPasswordAgeDays: 2 });
    await dc.setPasswordLastSet('oldpassword', new Date('2020-01-01T00:00:00Z'));
    const locked = await dc.addUser({
      sam: 'lockedout',
      displayName: 'Locked Out',
      password: PASSWORD,
    });
    await dc.addPasswordSettings('lock-after-two', [locked], { lockoutThreshold: 2 });
    const lockedLater = await dc.addUser({
      sam: 'lockedlater',
      displayName: 'Locked Later',
      password: PASSWORD,
    });
    await dc.addPasswordSettings('lock-later-after-two', [lockedLater], { lockoutThreshold: 2 });
    await dc.addUser({ sam: 'disabledlater', displayName: 'Disabled Later', password: PASSWORD });
    // A group whose sAMAccountName looks like a login: the preset searches people only.
    await dc.addGroup('Readers', [aliceDn]);
  });

  after(async () => {
    await Promise.all(auths.map((auth) => auth.close()));
    await dc?.stop();
  });

  function auth(ldap: Partial<LdapOptions> = {}, options: Partial<AuthOptions> = {}): Auth {
    const created = createAuth({
      secretKey: 'active-directory-suite-secret-0123456789',
      ldap: {
        url: dc.url,
        topDn: dc.baseDn,
        preset: 'activedirectory',
        // AD refuses anonymous searches; a UPN is a valid bind name with this preset.
        serviceAccount: { username: `${SERVICE.sam}@example.test`, password: SERVICE.password },
        tls: { ca: dc.ca },
        ...ldap,
      },
      // The directory's own lockout is under test here, not ours.
      loginLimits: { enabled: false },
      ...options,
    });
    auths.push(created);
    return created;
  }

  async function refusal(target: Auth, username: string, password: string) {
    const error = await target.requestToken({ username, password }).then(
      () => assert.fail(`${username} was given a token`),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof InvalidCredentialsError, String(error));
    const cause = error.cause instanceof ResultCodeError ? error.cause.message : '';
    return { reason: error.reason, passwordVerified: error.passwordVerified, cause };
  }

  it('logs in as sAMAccountName, user@realm and DOMAIN\\user; the DN is the display name', async () => {
    const core = auth();
    for (const username of [
      'alice',
      'alice@example.test',
      'ALICE@EXAMPLE.TEST',
      'EXAMPLE\\alice',
    ]) {
      const issued = await core.requestToken({ username, password: PASSWORD });
      assert.equal(issued.user.dn, aliceDn, username);
      assert.equal(issued.user.dn, 'CN=Alice Liddell,CN=Users,DC=example,DC=test');
    }
    // Searched from the domain root, Samba also returns a referral to the Configuration
    // partition: not followed, and no reason to fail. Searched under CN=Users, none.
    const users = auth({ topDn: dc.usersDn, scope: 'one' });
    assert.equal(
      (await users.requestToken({ username: 'alice', password: PASSWORD })).user.dn,
      aliceDn,
    );
  });

  it('verifies the certificate over StartTLS (389) and ldaps (636)', async () => {
    const startTls = auth({ startTls: true, requireTls: true });
    assert.equal(
      (await startTls.requestToken({ username: 'alice', password: PASSWORD })).user.dn,
      aliceDn,
    );
    const ldaps = auth({ url: dc.ldapsUrl, requireTls: true });
    assert.equal(
      (await ldaps.requestToken({ username: 'EXAMPLE\\alice', password: PASSWORD })).user.dn,
      aliceDn,
    );
    // Without our CA, the certificate is refused: the directory is unavailable, never a login.
    const untrusted = auth({ url: dc.ldapsUrl, tls: {} });
    await assert.rejects(untrusted.requestToken({ username: 'alice', password: PASSWORD }), {
      code: 'ERR_DIRECTORY_UNAVAILABLE',
    });
  });

  it('a wrong password is data 52e and a plain refusal; unknown users and groups never bind', async () => {
    const core = auth();
    const wrong = await refusal(core, 'alice', 'Wrong-Password-1');
    assert.match(wrong.cause, /data 52e/);
    assert.deepEqual(
      { ...wrong, cause: undefined },
      { reason: undefined, passwordVerified: false, cause: undefined },
    );
    for (const username of ['nobody', 'nobody@example.test', 'Readers', 'EXAMPLE\\Readers']) {
      const unknown = await refusal(core, username, PASSWORD);
      // Not found by the search: no bind was made, so there is no diagnostic message at all.
      assert.deepEqual(
        unknown,
        { reason: undefined, passwordVerified: false, cause: '' },
        username,
      );
    }
  });

  it('lockout: after the PSO threshold of wrong passwords, data 775, whatever the password', async () => {
    const core = auth();
    for (let attempt = 0; attempt < 2; attempt++) {
      assert.match((await refusal(core, 'lockedout', 'Wrong-Password-1')).cause, /data 52e/);
    }
    for (const password of [PASSWORD, 'Wrong-Password-1']) {
      const locked = await refusal(core, 'lockedout', password);
      assert.match(locked.cause, /data 775/);
      assert.equal(locked.reason, 'account_locked');
      assert.equal(locked.passwordVerified, false);
    }
  });

  it('refresh: refused once the account is disabled or locked out since the login', async () => {
    const core = auth();
    const reasonOf = async (token: string) => {
      const error = await core.refresh(token).then(
        () => assert.fail('the token was refreshed'),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof InvalidCredentialsError, String(error));
      return { reason: error.reason, passwordVerified: error.passwordVerified };
    };
    const disabled = await core.requestToken({ username: 'disabledlater', password: PASSWORD });
    const locked = await core.requestToken({ username: 'lockedlater', password: PASSWORD });
    const stillFine = await core.refresh(disabled.token);
    await dc.replaceAttribute(disabled.user.dn, 'userAccountControl', [
      String(UAC.NORMAL_ACCOUNT | UAC.ACCOUNTDISABLE),
    ]);
    assert.deepEqual(await reasonOf(stillFine.token), {
      reason: 'account_disabled',
      passwordVerified: false,
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      await refusal(core, 'lockedlater', 'Wrong-Password-1');
    }
    assert.deepEqual(await reasonOf(locked.token), {
      reason: 'account_locked',
      passwordVerified: false,
    });
  });

  for (const state of STATES.filter((candidate) => candidate.code !== '775')) {
    it(`data ${state.code} -> ${state.reason}, with the right password only`, async () => {
      const core = auth();
      const right = await refusal(core, state.sam, PASSWORD);
      assert.match(right.cause, new RegExp(`data ${state.code},`));
      assert.equal(right.reason, state.reason);
      assert.equal(right.passwordVerified, state.passwordVerified);
      // The same account with a wrong password: Samba says 52e and nothing of the state.
      const wrong = await refusal(core, `${state.sam}@example.test`, 'Wrong-Password-1');
      assert.match(wrong.cause, /data 52e,/);
      assert.equal(wrong.reason, undefined);
      assert.equal(wrong.passwordVerified, false);
    });
  }

  it('the 401 answers: the reason with a proved password, a lockout only with "always"', async () => {
    const verified = auth();
    const always = auth({}, { passwordPolicy: { revealReason: 'always' } });
    const never = auth({}, { passwordPolicy: { revealReason: 'never' } });
    const answer = async (target: Auth, username: string, password = PASSWORD) => {
      const answered = await handleTokenRequest(target, {
        authorization: basic(username, password),
        query: '',
        tokenUrl: TOKEN_URL,
      });
      assert.equal(answered.status, 401);
      assert.equal(answered.headers['WWW-Authenticate'], 'Basic realm="Authentication Required"');
      return answered.body;
    };
    for (const state of STATES) {
      const shown = JSON.parse(await answer(verified, `EXAMPLE\\${state.sam}`));
      assert.equal(shown.reason, state.passwordVerified ? state.reason : undefined, state.sam);
      assert.equal(JSON.parse(await answer(always, state.sam)).reason, state.reason, state.sam);
      assert.equal(await answer(never, state.sam), SEED_BODY, state.sam);
    }
    assert.equal(await answer(always, 'disabled', 'Wrong-Password-1'), SEED_BODY);
  });
});
