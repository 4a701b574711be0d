// The browser sign-in options: from the environment, their defaults, and refusals naming the
// variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/errors.js';
import { fromEnv } from '../../src/options/from-env.js';
import { resolveOptions } from '../../src/options/resolve.js';

const REQUIRED = {
  SECRET_KEY: 'a-secret-of-at-least-32-bytes-0123456789',
  LDAP_AUTH_SERVER: 'ldap://127.0.0.1:1',
  LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
} as const;

describe('browser options', () => {
  it('defaults: off, Secure cookies named ldap_token_auth, no allowed hosts', () => {
    const { browser } = resolveOptions(fromEnv({ ...REQUIRED }));
    assert.deepEqual(browser, {
      enabled: false,
      cookieName: 'ldap_token_auth',
      cookieSecure: true,
      allowedRedirectHosts: [],
      title: 'Sign in',
      sessionRecheckSeconds: 300,
      sessionRecheckFailure: 'open',
    });
  });

  it('reads every variable', () => {
    const options = fromEnv({
      ...REQUIRED,
      LOGIN_PAGE: 'true',
      LOGIN_URL: 'https://auth.example.org/auth/login',
      LOGIN_ALLOWED_REDIRECT_HOSTS: 'App.example.org, .example.net,host:8443',
      LOGIN_PAGE_TITLE: 'Acme sign-in',
      COOKIE_NAME: 'acme_sso',
      COOKIE_SECURE: 'false',
      COOKIE_DOMAIN: 'example.org',
      SESSION_RECHECK_SECONDS: '0',
      SESSION_RECHECK_FAILURE: 'closed',
    });
    assert.deepEqual(options.browser, {
      enabled: true,
      loginUrl: 'https://auth.example.org/auth/login',
      allowedRedirectHosts: ['App.example.org', '.example.net', 'host:8443'],
      title: 'Acme sign-in',
      cookieName: 'acme_sso',
      cookieSecure: false,
      cookieDomain: 'example.org',
      sessionRecheckSeconds: 0,
      sessionRecheckFailure: 'closed',
    });
    assert.deepEqual(resolveOptions(options).browser.allowedRedirectHosts, [
      'app.example.org',
      '.example.net',
      'host:8443',
    ]);
    const spelt = { ...REQUIRED, LOGIN_ALLOWED_REDIRECT_HOSTS: 'App.example.org:0443,[0:0::1]' };
    assert.deepEqual(resolveOptions(fromEnv(spelt)).browser.allowedRedirectHosts, [
      'app.example.org:443',
      '[::1]',
    ]);
  });

  it('refuses what would make an unsafe or broken cookie or redirect, naming the variable', () => {
    for (const [variable, value] of [
      ['COOKIE_NAME', 'a;b'],
      ['COOKIE_NAME', '__Host-x'],
      ['COOKIE_DOMAIN', 'example.org; Path=/'],
      ['LOGIN_ALLOWED_REDIRECT_HOSTS', 'https://app.example.org'],
      ['LOGIN_ALLOWED_REDIRECT_HOSTS', 'user@app.example.org'],
      ['LOGIN_ALLOWED_REDIRECT_HOSTS', '[::::]'],
      ['LOGIN_ALLOWED_REDIRECT_HOSTS', 'app.example.org:99999'],
      ['LOGIN_URL', '//evil.example/login'],
      ['LOGIN_URL', 'javascript:alert(1)'],
      ['COOKIE_SECURE', 'maybe'],
      ['SESSION_RECHECK_FAILURE', 'maybe'],
      ['SESSION_RECHECK_SECONDS', 'soon'],
    ] as const) {
      assert.throws(
        () => fromEnv({ ...REQUIRED, [variable]: value }),
        (error: unknown) => error instanceof ConfigurationError && error.variable === variable,
        `${variable}=${value}`,
      );
    }
  });
});
