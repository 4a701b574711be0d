import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/errors.js';
import { closestKey } from '../../src/options/option-errors.js';
import { type AuthOptions, resolveOptions } from '../../src/options/resolve.js';

const MINIMAL = {
  secretKey: 'a-secret-of-at-least-32-bytes-0123456789',
  ldap: { url: 'ldaps://ldap.example.org', topDn: 'ou=people,dc=example,dc=org' },
};

function refusal(options: object): ConfigurationError {
  try {
    resolveOptions(options as AuthOptions);
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error;
  }
  assert.fail('the options were accepted');
}

describe('unknown options', () => {
  it('names a misspelt top-level option and the one it was meant to be', () => {
    const error = refusal({ ...MINIMAL, secretkey: 'x' });
    assert.equal(error.option, 'secretkey');
    assert.match(error.message, /^Unknown option secretkey: .*did you mean `secretKey`\?/);
  });

  it('names a nested one with its whole path', () => {
    const error = refusal({ ...MINIMAL, ldap: { ...MINIMAL.ldap, serverUrl: 'ldap://other' } });
    assert.equal(error.option, 'ldap.serverUrl');
    assert.match(error.message, /did you mean `ldap\.url`\?/);
    const deeper = refusal({ ...MINIMAL, loginLimits: { perUsername: { failure: 3 } } });
    assert.equal(deeper.option, 'loginLimits.perUsername.failure');
    assert.match(deeper.message, /did you mean `loginLimits\.perUsername\.failures`\?/);
    const tls = refusal({
      ...MINIMAL,
      ldap: { ...MINIMAL.ldap, tls: { rejectUnauthorised: true } },
    });
    assert.match(tls.message, /did you mean `ldap\.tls\.rejectUnauthorized`\?/);
  });

  it('suggests nothing when no known key is close', () => {
    const error = refusal({ ...MINIMAL, token: { colour: 'blue' } });
    assert.equal(error.option, 'token.colour');
    assert.equal(error.message, 'Unknown option token.colour: no such option');
    assert.doesNotMatch(error.message, /did you mean/);
  });

  it('still takes the logger, the event hooks and the clock', () => {
    const options = { ...MINIMAL, logger: console, events: {}, now: () => 0 };
    assert.doesNotThrow(() => resolveOptions(options as unknown as AuthOptions));
  });

  it('picks the nearest of several close keys, ignoring case', () => {
    assert.equal(closestKey('TIMEOUTMS', ['timeoutMs', 'connectTimeoutMs']), 'timeoutMs');
    assert.equal(closestKey('pool', ['poolSize', 'scope']), 'poolSize');
    assert.equal(closestKey('zzz', ['url', 'topDn']), undefined);
  });
});
