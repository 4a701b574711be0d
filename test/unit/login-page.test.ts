// The sign-in page's HTML and its security helpers: escaping, the CSP hash of its style, the CSRF
// token comparison and the Origin check.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ACCOUNT_STATE_REASONS,
  DirectoryUnavailableError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidParameterError,
  RateLimitedError,
  StoreUnavailableError,
} from '../../src/errors.js';
import { errorAnswer } from '../../src/http/answers.js';
import {
  csrfCookieName,
  csrfTokensMatch,
  newCsrfToken,
  sameSiteRequest,
} from '../../src/http/browser/csrf.js';
import { AllowedHosts } from '../../src/http/browser/redirects.js';
import { failureOf } from '../../src/http/browser/sign-in-failures.js';
import { escapeHtml, loginPageCsp, renderLoginPage } from '../../src/http/browser/sign-in-page.js';
import {
  encodeHeaderValue,
  isBrowser,
  originalUrl,
  signInUrl,
} from '../../src/http/forward-auth.js';

const page = {
  title: 'Sign in',
  loginAction: '/auth/login',
  logoutAction: '/auth/logout',
  csrf: 'c'.repeat(43),
};

describe('the sign-in page', () => {
  it('its one inline style is the one the CSP hash allows', () => {
    const html = renderLoginPage(page);
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style).digest('base64');
    assert.match(loginPageCsp(), new RegExp(`style-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
    assert.equal(html.match(/<style/g)?.length, 1);
    assert.doesNotMatch(html, /<script|\sstyle=|\son\w+=/i, 'no script, no inline style attribute');
  });

  it('CSP form-action allows the return URL origin (browsers check a form post redirect too)', () => {
    assert.match(loginPageCsp(), /form-action 'self';/);
    assert.match(
      loginPageCsp('https://app.example.org'),
      /form-action 'self' https:\/\/app.example.org;/,
    );
  });

  it('labels every field, announces the message, keeps the username and escapes everything', () => {
    const html = renderLoginPage({
      ...page,
      title: 'Acme <Portal>',
      username: '"><script>alert(1)</script>',
      message: 'The username or password is incorrect.',
      rd: '/app/?a=1&b="2"',
    });
    assert.match(html, /<label for="username">Username<\/label>\n<input id="username"/);
    assert.match(
      html,
      /<label for="password">Password<\/label>\n<input id="password"[^>]*type="password"/,
    );
    assert.match(html, /<p role="alert">The username or password is incorrect.<\/p>/);
    assert.match(html, /<title>Acme &lt;Portal&gt;<\/title>/);
    assert.match(html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(html, /name="rd" value="\/app\/\?a=1&amp;b=&quot;2&quot;"/);
    assert.doesNotMatch(html, /<script>/);
  });

  it('signed in: who, and a sign-out button', () => {
    const html = renderLoginPage({ ...page, signedInAs: 'alice' });
    assert.match(html, /signed in as <strong>alice<\/strong>/);
    assert.match(html, /<form method="post" action="\/auth\/logout">/);
    assert.doesNotMatch(html, /type="password"/);
  });

  it('property: escaped text has no markup characters and reads back the same', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        const escaped = escapeHtml(text);
        assert.doesNotMatch(escaped, /[<>"']/);
        const back = escaped
          .replaceAll('&lt;', '<')
          .replaceAll('&gt;', '>')
          .replaceAll('&quot;', '"')
          .replaceAll('&#39;', "'")
          .replaceAll('&amp;', '&');
        assert.equal(back, text);
      }),
    );
  });
});

describe('CSRF', () => {
  it('the cookie is __Host- prefixed only with Secure', () => {
    assert.equal(csrfCookieName('sso', true), '__Host-sso_csrf');
    assert.equal(csrfCookieName('sso', false), 'sso_csrf');
  });

  it('property: a token matches itself and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (other) => {
        const token = newCsrfToken();
        assert.equal(csrfTokensMatch(token, [token]), true);
        assert.equal(csrfTokensMatch(token, ['x', token]), true);
        assert.equal(csrfTokensMatch(token, [other]), other === token);
        assert.equal(csrfTokensMatch(other, [other]), /^[\w-]{43}$/.test(other));
      }),
    );
    assert.equal(csrfTokensMatch(undefined, []), false);
    assert.equal(csrfTokensMatch(newCsrfToken(), []), false);
  });

  it('Origin (else Referer) must be this host or an allowed one', () => {
    const allowed = new AllowedHosts(['app.example.org']);
    const host = 'login.example.com';
    const check = (origin?: string, referer?: string) =>
      sameSiteRequest({ origin, referer, host }, allowed);
    assert.equal(check('https://login.example.com'), true);
    assert.equal(check('https://LOGIN.example.com'), true);
    assert.equal(check('https://app.example.org'), true);
    assert.equal(check(undefined, 'https://login.example.com/auth/login?rd=/x'), true);
    assert.equal(check(undefined, undefined), true, 'the double-submit token decides');
    assert.equal(check('https://evil.example'), false);
    assert.equal(check('null'), false);
    assert.equal(check('https://login.example.com.evil.example'), false);
    assert.equal(check(undefined, 'https://evil.example/login.example.com'), false);
    assert.equal(check('https://evil.example', 'https://login.example.com/'), false, 'Origin wins');
    assert.equal(check('file://login.example.com'), false);
  });

  it('the Host header is read as URLs spell hosts: default port, IPv6, case', () => {
    const none = new AllowedHosts([]);
    const check = (origin: string, host: string) => sameSiteRequest({ origin, host }, none);
    assert.equal(check('https://login.example.com', 'login.example.com:443'), true);
    assert.equal(check('http://login.example.com', 'login.example.com:80'), true);
    assert.equal(check('http://login.example.com', 'login.example.com:443'), false);
    assert.equal(check('https://login.example.com:8443', 'login.example.com:8443'), true);
    assert.equal(check('https://login.example.com:8443', 'login.example.com'), false);
    assert.equal(check('http://[::1]:5000', '[0:0::1]:5000'), true);
    assert.equal(check('https://login.example.com', 'Login.Example.COM'), true);
    assert.equal(check('https://login.example.com', 'login.example.com/evil'), false);
  });
});

describe('forward auth for browsers', () => {
  it('property: encodeHeaderValue gives printable ASCII that percent-decodes back to the text', () => {
    assert.equal(encodeHeaderValue('Józef 100%'), 'J%C3%B3zef 100%25');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const encoded = encodeHeaderValue(text);
        assert.match(encoded, /^[\x20-\x7e]*$/);
        assert.equal(decodeURIComponent(encoded), text);
      }),
    );
  });

  it('a browser asks for text/html by name', () => {
    assert.equal(isBrowser('text/html,application/xhtml+xml,*/*;q=0.8'), true);
    assert.equal(isBrowser('*/*'), false);
    assert.equal(isBrowser('application/json, */*;q=0.5'), false);
    assert.equal(isBrowser(undefined), false);
  });

  it('the original URL from nginx or from Traefik and Caddy', () => {
    assert.equal(originalUrl({ originalUrl: 'https://a.example/x?y' }), 'https://a.example/x?y');
    assert.equal(
      originalUrl({ forwardedProto: 'https', forwardedHost: 'a.example', forwardedUri: '/x?y=1' }),
      'https://a.example/x?y=1',
    );
    assert.equal(
      originalUrl({
        forwardedProto: 'https, http',
        forwardedHost: 'a.example, b',
        forwardedUri: '/x',
      }),
      'https://a.example/x',
    );
    assert.equal(originalUrl({ forwardedHost: 'a.example' }), 'http://a.example/');
    assert.equal(originalUrl({ forwardedUri: '/x' }), '/x');
    assert.equal(originalUrl({}), undefined);
  });

  it('the sign-in URL carries rd encoded', () => {
    assert.equal(signInUrl('/auth/login', undefined), '/auth/login');
    assert.equal(
      signInUrl('/auth/login', 'https://a/x?y=1&z'),
      '/auth/login?rd=https%3A%2F%2Fa%2Fx%3Fy%3D1%26z',
    );
    assert.equal(
      signInUrl('https://auth.example/login?theme=x', '/x'),
      'https://auth.example/login?theme=x&rd=%2Fx',
    );
  });
});

describe('sign-in failure messages', () => {
  /** An InvalidCredentialsError as the password-policy branch makes them (fields set by hand). */
  function refused(reason?: string, passwordVerified?: boolean): InvalidCredentialsError {
    return Object.assign(new InvalidCredentialsError('refused'), { reason, passwordVerified });
  }

  it('names an account state only as revealReason allows (default: once the password was right)', () => {
    const wrong = 'The username or password is incorrect.';
    assert.equal(failureOf(refused()).message, wrong);
    assert.equal(failureOf(refused('account_locked', false)).message, wrong);
    assert.equal(failureOf(refused('account_locked')).message, wrong, 'unknown: not shown');
    assert.match(failureOf(refused('account_locked', true)).message, /locked/);
    assert.match(failureOf(refused('password_expired', true)).message, /password has expired/);
    assert.match(failureOf(refused('password_must_change', true)).message, /must be changed/);
    assert.match(failureOf(refused('account_disabled', true)).message, /disabled/);
    assert.match(failureOf(refused('account_expired', true)).message, /account has expired/);
    assert.equal(failureOf(refused('something_new', true)).message, wrong);
    assert.equal(failureOf(refused('account_locked', true), 'never').message, wrong);
    assert.match(failureOf(refused('account_locked', false), 'always').message, /locked/);
    assert.equal(failureOf(refused('account_locked', true)).status, 401);
  });

  it('every account state has a message of its own, the one the token endpoint gives', () => {
    for (const reason of ACCOUNT_STATE_REASONS) {
      const error = refused(reason, true);
      const api = JSON.parse(errorAnswer(error, '/t', 'verified').body) as { message: string };
      assert.equal(failureOf(error).message, api.message, reason);
      assert.notEqual(failureOf(error).message, 'The username or password is incorrect.', reason);
    }
  });

  it('outside the required group: 403, "may not sign in here", not a 503 "try again"', () => {
    const forbidden = failureOf(new ForbiddenError('You are not allowed to obtain a token'));
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.message, /^This account may not sign in here\./);
    assert.equal(forbidden.headers, undefined, 'no Retry-After: trying again will not help');
  });

  it("the status of every error is the token endpoint's", () => {
    for (const error of [
      refused(),
      new ForbiddenError('x'),
      new InvalidParameterError('rd', 'x'),
      new RateLimitedError('x', 30),
      new DirectoryUnavailableError('x'),
      new StoreUnavailableError('x'),
      new Error('x'),
    ]) {
      const api = errorAnswer(error, '/t', 'verified');
      const page = failureOf(error);
      assert.equal(page.status, api.status, error.constructor.name);
      assert.equal(page.headers?.['Retry-After'], api.headers['Retry-After']);
    }
  });

  it('too many attempts, the directory down, anything else: 429 and 503 with Retry-After', () => {
    const limited = failureOf(new RateLimitedError('x', 61));
    assert.deepEqual(limited, {
      status: 429,
      message: 'Too many failed attempts. Try again in 2 minutes.',
      headers: { 'Retry-After': '61' },
    });
    const down = failureOf(new DirectoryUnavailableError('x', { retryAfterSeconds: 7 }));
    assert.equal(down.status, 503);
    assert.equal(down.headers?.['Retry-After'], '7');
    assert.match(down.message, /directory cannot be reached/);
    const fault = failureOf(new Error('secret detail'));
    assert.equal(fault.status, 503);
    assert.doesNotMatch(fault.message, /secret detail/);
  });
});
