// The 401 with `reason`, live, against the OpenAPI document: a REAL slapd with the ppolicy overlay
// refuses a locked account and an expired password, and the standalone service's answers (the
// token endpoint's JSON problem, the sign-in form's page) are checked against the document it
// serves, whose Problem schema lists the reasons from ACCOUNT_STATE_REASONS. The embedded
// directory of test/integration/openapi.test.ts reports no account states, hence this suite.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { Browser } from '../helpers/browser.js';
import { call } from '../helpers/conformance-answers.js';
import { basic, TOP_DN } from '../helpers/conformance-fixtures.js';
import { OpenApiChecker } from '../helpers/openapi-checker.js';
import { personLdif, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const POLICIES = 'ou=policies,dc=example,dc=org';

const EXTRA_LDIF = [
  `dn: ${POLICIES}\nobjectClass: organizationalUnit\nou: policies\n`,
  `dn: cn=default,${POLICIES}\nobjectClass: device\nobjectClass: pwdPolicy\ncn: default\n` +
    'pwdAttribute: userPassword\npwdLockout: TRUE\npwdMaxAge: 3600\npwdGraceAuthNLimit: 0\n',
  // 000001010000Z: locked until an administrator unlocks it.
  personLdif('locked', ['pwdAccountLockedTime: 000001010000Z']),
  // Changed in 2000 under a one-hour maximum age, no grace logins.
  personLdif('expired', ['pwdChangedTime: 20000101000000Z']),
].join('\n');

describe("OpenAPI: the 401's reason, live against slapd with ppolicy", () => {
  let slapd: SlapdServer;
  let service: RunningService;
  let checker: OpenApiChecker;

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
    service = await serve(
      createAuth({
        secretKey: 'openapi-reasons-suite-secret-0123456789',
        ldap: { url: slapd.url, topDn: TOP_DN },
        loginLimits: { enabled: false },
        // `always`: the lockout is named even though slapd does not check the password first.
        passwordPolicy: { revealReason: 'always' },
        browser: { enabled: true, cookieSecure: false },
      }),
      { host: '127.0.0.1', port: 0 },
    );
    const served = await call(`${service.url}/auth/openapi.json`);
    checker = new OpenApiChecker(JSON.parse(served.body) as Record<string, unknown>);
  });
  after(async () => {
    await service?.close();
    await slapd?.stop();
  });

  it('request-token: the 401 carries a documented reason', async () => {
    for (const [uid, reason] of [
      ['locked', 'account_locked'],
      ['expired', 'password_expired'],
    ] as const) {
      const answer = await call(`${service.url}/auth/request-token`, {
        method: 'POST',
        authorization: basic(uid, `${uid}-password`),
      });
      assert.equal(answer.status, 401, answer.body);
      assert.equal((JSON.parse(answer.body) as { reason?: string }).reason, reason);
      checker.conforms(answer, '/auth/request-token');
    }
  });

  it('sign-in form: the 401 page names the state, as documented', async () => {
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const form = { csrf, username: 'expired', password: 'expired-password' };
    const page = await browser.post('/auth/login', form);
    assert.equal(page.status, 401);
    assert.match(page.body, /role="alert">The password has expired/);
    checker.conforms({ ...page, method: 'POST' }, '/auth/login');
  });
});
