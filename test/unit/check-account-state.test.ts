// `check` judges what it finds as a login would: its group search answers a missing base and a
// size limit like the login's, and its password bind reads the password-policy response.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  SizeLimitExceededError,
} from 'ldapts';
import { passwordStep } from '../../src/cli/check/password-verdict.js';
import { searchOn } from '../../src/cli/check/user-entry.js';
import { identityFailure } from '../../src/cli/check/user-step.js';
import { resolveOptions } from '../../src/options/resolve.js';

const options = resolveOptions({
  secretKey: 'check-account-state-secret-0123456789abc',
  ldap: { url: 'ldap://127.0.0.1:1', topDn: 'dc=example,dc=org' },
});
const ldap = options.ldap;
const DN = 'uid=alice,dc=example,dc=org';

describe('check: the password step reads the account state as a login does', () => {
  it('accepted but must change the password: a failure, since a login gets a 401', () => {
    const step = passwordStep(DN, ldap, { error: 'changeAfterReset' });
    assert.equal(step.status, 'fail');
    assert.match(step.summary, /password_must_change/);
    assert.equal(step.details?.accountState, 'password_must_change');
  });

  it('accepted, with a warning or nothing: a pass', () => {
    assert.equal(passwordStep(DN, ldap, undefined).status, 'pass');
    assert.equal(passwordStep(DN, ldap, { timeBeforeExpiration: 3600 }).status, 'pass');
  });

  it('refused: the account state when the directory gave one', () => {
    const locked = passwordStep(
      DN,
      ldap,
      { error: 'accountLocked' },
      new InvalidCredentialsError(),
    );
    assert.equal(locked.status, 'fail');
    assert.equal(locked.details?.accountState, 'account_locked');
    assert.equal(locked.details?.resultCode, 49);
    const ad = passwordStep(
      DN,
      ldap,
      undefined,
      new InvalidCredentialsError(
        '80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 533, v4563',
      ),
    );
    assert.equal(ad.details?.accountState, 'account_disabled');
    const wrong = passwordStep(DN, ldap, undefined, new InvalidCredentialsError());
    assert.equal(wrong.details?.accountState, undefined);
    assert.match(wrong.hint ?? '', /wrong password/);
  });
});

describe('check: the group search answers like the login’s', () => {
  const failing = (error: Error) => ({ search: () => Promise.reject(error) });
  const search = { scope: 'sub' as const, attributes: ['cn'] };

  it('a missing base or a DN the directory cannot parse finds nothing', async () => {
    assert.deepEqual(await searchOn(failing(new NoSuchObjectError()) as never)('ou=x', search), []);
    assert.deepEqual(
      await searchOn(failing(new InvalidDNSyntaxError()) as never)('bad', search),
      [],
    );
  });

  it('sizeLimitExceeded is a failure, not a short list, with a hint on the size limit', async () => {
    const error = await searchOn(failing(new SizeLimitExceededError()) as never)(
      'ou=groups',
      search,
    ).then(
      () => assert.fail('a short list'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof SizeLimitExceededError);
    const step = identityFailure(error, DN, 'user alice', options, {});
    assert.equal(step.status, 'fail');
    assert.match(step.summary, /sizeLimitExceeded/);
    assert.match(step.hint ?? '', /size limit/);
  });
});
