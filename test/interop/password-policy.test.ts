// Password-policy answers against a REAL slapd with the ppolicy overlay (OpenLDAP 2.5: the
// overlay carries its own schema, so no ppolicy.schema include): a locked account, an expired
// password, a password that must be changed after a reset, grace logins and an expiry warning,
// through the core and through the token endpoint's HTTP answer, for each revealReason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import {
  type AccountStateReason,
  InvalidCredentialsError,
  RateLimitedError,
} from '../../src/errors.js';
import { handleTokenRequest } from '../../src/http/protocol.js';
import type { AuthOptions, RevealReason } from '../../src/options/resolve.js';
import type { TokenRequestEvent } from '../../src/shared/events.js';
import type { Logger } from '../../src/shared/logger.js';
import { basic, SEED_BODY, TOP_DN } from '../helpers/conformance-fixtures.js';
import { personLdif, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const POLICIES = 'ou=policies,dc=example,dc=org';
const TOKEN_URL = 'http://127.0.0.1/auth/request-token';

/** GeneralizedTime, as pwdChangedTime holds it. */
function generalized(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

function policy(cn: string, extra: string[]): string {
  return [
    `dn: cn=${cn},${POLICIES}`,
    'objectClass: device',
    'objectClass: pwdPolicy',
    `cn: ${cn}`,
    'pwdAttribute: userPassword',
    ...extra,
    '',
  ].join('\n');
}

const DAY = 86_400;
const EXTRA_LDIF = [
  ['dn: ou=policies,dc=example,dc=org', 'objectClass: organizationalUnit', 'ou: policies', ''].join(
    '\n',
  ),
  // Every account: lockouts on, must change after an administrator's reset. No maximum age, so
  // accounts without a pwdChangedTime never expire.
  policy('default', ['pwdLockout: TRUE', 'pwdMaxFailure: 3', 'pwdMustChange: TRUE']),
  policy('short-lived', ['pwdMaxAge: 3600', 'pwdGraceAuthNLimit: 0']),
  policy('graceful', ['pwdMaxAge: 3600', 'pwdGraceAuthNLimit: 3']),
  policy('warning', [`pwdMaxAge: ${30 * DAY}`, `pwdExpireWarning: ${20 * DAY}`]),
  personLdif('fine'),
  // 000001010000Z: locked until an administrator unlocks it.
  personLdif('locked', ['pwdAccountLockedTime: 000001010000Z']),
  personLdif('expired', [
    `pwdPolicySubentry: cn=short-lived,${POLICIES}`,
    'pwdChangedTime: 20000101000000Z',
  ]),
  personLdif('reset', ['pwdReset: TRUE']),
  personLdif('graced', [
    `pwdPolicySubentry: cn=graceful,${POLICIES}`,
    'pwdChangedTime: 20000101000000Z',
  ]),
  personLdif('warned', [
    `pwdPolicySubentry: cn=warning,${POLICIES}`,
    // Changed 20 days ago under a 30-day maximum: 10 days left, within the 20-day warning.
    `pwdChangedTime: ${generalized(new Date(Date.now() - 20 * DAY * 1000))}`,
  ]),
  personLdif('guessed'),
  personLdif('locked-later'),
].join('\n');

const password = (uid: string) => `${uid}-password`;

/** Log lines, kept as objects. */
function recordingLogger(lines: Record<string, unknown>[]): Logger {
  const record = (fields: object, message: string) => lines.push({ ...fields, message });
  return { debug: record, info: record, warn: record, error: record };
}

describe('password-policy answers against slapd with the ppolicy overlay', () => {
  let slapd: SlapdServer;
  const auths: Auth[] = [];

  before(async () => {
    slapd = await startSlapd({
      extraLdif: EXTRA_LDIF,
      overlays: [
        {
          name: 'ppolicy',
          config: [`ppolicy_default "cn=default,${POLICIES}"`, 'ppolicy_use_lockout'],
        },
      ],
    });
  });

  after(async () => {
    await Promise.all(auths.map((auth) => auth.close()));
    await slapd?.stop();
  });

  function auth(options: Partial<AuthOptions> = {}): Auth {
    const created = createAuth({
      secretKey: 'password-policy-suite-secret-0123456789',
      ldap: { url: slapd.url, topDn: TOP_DN },
      loginLimits: { enabled: false },
      ...options,
    });
    auths.push(created);
    return created;
  }

  async function refusal(target: Auth, uid: string, secret = password(uid)) {
    const error = await target.requestToken({ username: uid, password: secret }).then(
      () => assert.fail(`${uid} was given a token`),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof InvalidCredentialsError, String(error));
    return { reason: error.reason, passwordVerified: error.passwordVerified };
  }

  async function answer(target: Auth, uid: string, secret = password(uid)) {
    const answered = await handleTokenRequest(target, {
      authorization: basic(uid, secret),
      query: '',
      tokenUrl: TOKEN_URL,
    });
    return { status: answered.status, body: JSON.parse(answered.body), raw: answered.body };
  }

  it('a fine account still gets its token with the control on every bind', async () => {
    const issued = await auth().requestToken({ username: 'fine', password: password('fine') });
    assert.equal(issued.user.dn, `uid=fine,${TOP_DN}`);
  });

  it('the core reports each state, and whether the password was proved right', async () => {
    const core = auth();
    const cases: [string, AccountStateReason | undefined, boolean][] = [
      ['locked', 'account_locked', false],
      ['expired', 'password_expired', true],
      ['reset', 'password_must_change', true],
    ];
    for (const [uid, reason, passwordVerified] of cases) {
      assert.deepEqual(await refusal(core, uid), { reason, passwordVerified }, uid);
    }
    // A wrong password: slapd reports the lockout (ppolicy_use_lockout), and nothing else.
    assert.deepEqual(await refusal(core, 'locked', 'wrong'), {
      reason: 'account_locked',
      passwordVerified: false,
    });
    for (const uid of ['expired', 'reset', 'fine']) {
      assert.deepEqual(
        await refusal(core, uid, 'wrong'),
        {
          reason: undefined,
          passwordVerified: false,
        },
        uid,
      );
    }
  });

  it('refresh of an account locked since the login: 401 account_locked, shown only with always', async () => {
    const core = auth();
    const always = auth({ passwordPolicy: { revealReason: 'always' } });
    const first = await core.requestToken({
      username: 'locked-later',
      password: password('locked-later'),
    });
    const second = await always.requestToken({
      username: 'locked-later',
      password: password('locked-later'),
    });
    assert.equal((await core.refresh(first.token)).user.username, 'locked-later', 'not locked yet');
    // pwdMaxFailure 3: three wrong binds set pwdAccountLockedTime.
    const { Client } = await import('ldapts');
    for (let attempt = 0; attempt < 3; attempt++) {
      const client = new Client({ url: slapd.url });
      await client.bind(`uid=locked-later,${TOP_DN}`, 'wrong').catch(() => undefined);
      await client.unbind();
    }
    const error = await core.refresh(first.token).then(
      () => assert.fail('a locked account refreshed its token'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof InvalidCredentialsError, String(error));
    assert.deepEqual(
      { reason: error.reason, passwordVerified: error.passwordVerified },
      { reason: 'account_locked', passwordVerified: false },
    );
    const { handleRefreshRequest } = await import('../../src/http/endpoints.js');
    const request = (token: string) => ({
      authorization: `Bearer ${token}`,
      query: '',
      tokenUrl: TOKEN_URL,
    });
    const hidden = await handleRefreshRequest(core, request(second.token));
    assert.equal(hidden.status, 401);
    assert.equal(JSON.parse(hidden.body).reason, undefined, 'revealReason verified: not shown');
    const shown = await handleRefreshRequest(always, request(second.token));
    assert.equal(shown.status, 401);
    assert.equal(JSON.parse(shown.body).reason, 'account_locked');
  });

  it('must-change: slapd accepted the bind, and still no token is issued', async () => {
    // Proof that the bind itself succeeds: slapd lets the session change the password only.
    const { Client } = await import('ldapts');
    const client = new Client({ url: slapd.url });
    await client.bind(`uid=reset,${TOP_DN}`, password('reset'));
    await client.unbind();
    assert.deepEqual(await refusal(auth(), 'reset'), {
      reason: 'password_must_change',
      passwordVerified: true,
    });
  });

  it('check --user --password-prompt: fails where a login is refused, with the account state', async () => {
    const { checkDirectory } = await import('../../src/cli/check/directory-checks.js');
    const { resolveOptions } = await import('../../src/options/resolve.js');
    const options = resolveOptions({
      secretKey: 'password-policy-suite-secret-0123456789',
      ldap: { url: slapd.url, topDn: TOP_DN },
    });
    const passwordStepOf = async (uid: string) => {
      const { steps } = await checkDirectory({
        options,
        server: options.ldap.servers[0]!,
        username: uid,
        password: password(uid),
      });
      return steps.find((step) => step.step === 'password')!;
    };
    const reset = await passwordStepOf('reset');
    assert.equal(reset.status, 'fail', 'a login is refused: no ✓');
    assert.equal(reset.details?.accountState, 'password_must_change');
    const locked = await passwordStepOf('locked');
    assert.equal(locked.details?.accountState, 'account_locked');
    assert.equal((await passwordStepOf('fine')).status, 'pass');
  });

  it('the 401 shows the reason as revealReason says: a matrix', async () => {
    const matrix: [RevealReason, string, string, AccountStateReason | undefined][] = [
      ['verified', 'expired', password('expired'), 'password_expired'],
      ['verified', 'reset', password('reset'), 'password_must_change'],
      ['verified', 'locked', password('locked'), undefined],
      ['verified', 'expired', 'wrong', undefined],
      ['always', 'locked', password('locked'), 'account_locked'],
      ['always', 'locked', 'wrong', 'account_locked'],
      ['always', 'expired', password('expired'), 'password_expired'],
      ['always', 'expired', 'wrong', undefined],
      ['never', 'expired', password('expired'), undefined],
      ['never', 'reset', password('reset'), undefined],
      ['never', 'locked', password('locked'), undefined],
    ];
    const byReveal = new Map<RevealReason, Auth>();
    for (const [reveal, uid, secret, expected] of matrix) {
      let target = byReveal.get(reveal);
      if (!target) {
        target = auth({ passwordPolicy: { revealReason: reveal } });
        byReveal.set(reveal, target);
      }
      const { status, body, raw } = await answer(target, uid, secret);
      assert.equal(status, 401);
      const label = `${reveal} ${uid} ${secret === 'wrong' ? 'wrong' : 'right'}`;
      if (expected) {
        assert.equal(body.reason, expected, label);
        assert.equal(body.error, 'unauthorized', label);
        assert.equal(body.status, 401, label);
        assert.notEqual(body.message, 'Please authenticate with a valid token', label);
      } else {
        assert.equal(raw, SEED_BODY, label);
      }
    }
  });

  it('grace logins and expiry warnings still issue a token, and are logged', async () => {
    const lines: Record<string, unknown>[] = [];
    const core = auth({ logger: recordingLogger(lines) });
    await core.requestToken({ username: 'graced', password: password('graced') });
    await core.requestToken({ username: 'warned', password: password('warned') });
    const warnings = lines.filter((line) => line.event === 'password_expiring');
    assert.equal(warnings.length, 2, JSON.stringify(lines));
    assert.equal(warnings[0]!.graceLoginsRemaining, 2);
    assert.equal(warnings[0]!.dn, `uid=graced,${TOP_DN}`);
    const seconds = warnings[1]!.secondsBeforeExpiration as number;
    assert.ok(seconds > 10 * DAY - 300 && seconds <= 10 * DAY, String(seconds));
  });

  it('login limits: a proved password is no failed guess; a lockout or a wrong one is', async () => {
    const events: TokenRequestEvent[] = [];
    const limited = auth({
      loginLimits: { perUsername: { failures: 2 } },
      events: { tokenRequest: (event) => events.push(event) },
    });
    for (let attempt = 0; attempt < 4; attempt++) {
      assert.equal((await refusal(limited, 'reset')).reason, 'password_must_change');
      assert.equal((await refusal(limited, 'expired')).reason, 'password_expired');
    }
    assert.equal((await refusal(limited, 'locked')).reason, 'account_locked');
    assert.equal((await refusal(limited, 'locked')).reason, 'account_locked');
    await assert.rejects(
      limited.requestToken({ username: 'locked', password: password('locked') }),
      RateLimitedError,
    );
    // The events carry the state for the audit log, whatever the answer showed.
    const refused = events.filter((event) => event.accountState);
    assert.deepEqual(refused[0], {
      outcome: 'refused',
      username: 'reset',
      code: 'ERR_INVALID_CREDENTIALS',
      accountState: 'password_must_change',
      passwordVerified: true,
    });
    assert.equal(events.at(-1)?.code, 'ERR_RATE_LIMITED');
  });

  it('the directory locks an account after pwdMaxFailure wrong passwords, and we say so', async () => {
    const core = auth({ passwordPolicy: { revealReason: 'always' } });
    assert.equal((await answer(core, 'guessed')).status, 200);
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.deepEqual(await refusal(core, 'guessed', 'wrong'), {
        reason: undefined,
        passwordVerified: false,
      });
    }
    assert.deepEqual(await refusal(core, 'guessed'), {
      reason: 'account_locked',
      passwordVerified: false,
    });
    assert.equal((await answer(core, 'guessed')).body.reason, 'account_locked');
  });
});
