import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameSiteRequest } from '../../src/http/browser/csrf.js';
import {
  HTTPS_REQUIRED,
  HttpsRequirement,
  needsHttps,
} from '../../src/http/browser/https-required.js';
import { AllowedHosts } from '../../src/http/browser/redirects.js';
import { HTML } from '../helpers/browser.js';
import { recordingLogger } from '../helpers/load.js';

describe('sign-in over plain http with Secure cookies', () => {
  it('needs https only for plain http to a host other than loopback, with Secure cookies', () => {
    assert.equal(needsHttps(true, { protocol: 'http', host: 'app.example.org' }), true);
    assert.equal(needsHttps(true, { protocol: 'http', host: '192.0.2.7:8080' }), true);
    assert.equal(needsHttps(true, { protocol: 'http', host: undefined }), true);
    assert.equal(needsHttps(true, { protocol: 'https', host: 'app.example.org' }), false);
    assert.equal(needsHttps(false, { protocol: 'http', host: 'app.example.org' }), false);
    // Browsers keep Secure cookies from these (secure contexts): sign-in works there.
    for (const host of [
      'localhost:3000',
      '127.0.0.1:8080',
      '127.9.9.9',
      '[::1]:80',
      'a.localhost',
    ]) {
      assert.equal(needsHttps(true, { protocol: 'http', host }), false, host);
    }
    // A name that merely starts like loopback is not.
    assert.equal(needsHttps(true, { protocol: 'http', host: '127.0.0.1.evil.example' }), true);
  });

  it('answers 403: a page without a form for browsers, the seed shape for others; logs once', () => {
    const log = recordingLogger();
    const requirement = new HttpsRequirement({ cookieSecure: true, title: 'Sign in' }, log.logger);
    const plain = { protocol: 'http' as const, host: 'app.example.org' };
    const page = requirement.refusal({ ...plain, accept: HTML });
    assert.equal(page?.status, 403);
    assert.match(page?.headers['Content-Type'] ?? '', /^text\/html/);
    assert.match(page?.body ?? '', /needs https/);
    assert.match(page?.body ?? '', /COOKIE_SECURE=false/);
    assert.doesNotMatch(page?.body ?? '', /<form|expired or came from another site/);
    const api = requirement.refusal({ ...plain, accept: 'application/json' });
    assert.equal(api?.status, 403);
    assert.deepEqual(JSON.parse(api?.body ?? ''), {
      error: 'https_required',
      message: HTTPS_REQUIRED,
      status: 403,
    });
    requirement.refusal(plain);
    assert.deepEqual(log.events(), ['sign_in_needs_https'], 'one line, however many requests');
    assert.equal(requirement.refusal({ protocol: 'https', host: 'app.example.org' }), undefined);
  });
});

describe('CSRF origin check with the request scheme', () => {
  const none = new AllowedHosts([]);
  it('a form posted over https must come from an https page of the host', () => {
    const check = (origin: string, protocol: 'http' | 'https', host: string) =>
      sameSiteRequest({ origin, host, protocol }, none);
    assert.equal(check('https://app.example.org:18443', 'https', 'app.example.org:18443'), true);
    assert.equal(check('http://app.example.org:18443', 'https', 'app.example.org:18443'), false);
    assert.equal(check('https://app.example.org', 'https', 'app.example.org:443'), true);
    assert.equal(check('http://app.example.org', 'https', 'app.example.org:80'), false);
    // Behind a TLS proxy that does not say so, the request looks like http: no risk, accepted.
    assert.equal(check('https://app.example.org:18443', 'http', 'app.example.org:18443'), true);
    assert.equal(check('https://evil.example', 'http', 'app.example.org'), false);
  });
});
