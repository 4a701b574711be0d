import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { joinPath, tokenEndpointUrl } from '../../src/http/location.js';

const PATH = '/auth/request-token';

describe('tokenEndpointUrl', () => {
  it('builds an absolute URL from a plain host', () => {
    assert.equal(
      tokenEndpointUrl(PATH, { protocol: 'http', host: 'auth.example.org' }),
      'http://auth.example.org/auth/request-token',
    );
    assert.equal(
      tokenEndpointUrl(PATH, { protocol: 'https', host: 'auth.example.org:8443' }),
      'https://auth.example.org:8443/auth/request-token',
    );
    assert.equal(
      tokenEndpointUrl(PATH, { protocol: 'http', host: '127.0.0.1:3000' }),
      'http://127.0.0.1:3000/auth/request-token',
    );
    assert.equal(
      tokenEndpointUrl(PATH, { protocol: 'https', host: '[::1]:3000' }),
      'https://[::1]:3000/auth/request-token',
    );
  });

  it('uses https only when the protocol is exactly https', () => {
    for (const protocol of [undefined, 'http', 'HTTPS', 'https:', 'ftp', 'javascript']) {
      assert.equal(
        tokenEndpointUrl(PATH, { protocol, host: 'example.org' }),
        'http://example.org/auth/request-token',
        String(protocol),
      );
    }
  });

  it('returns the path alone when there is no host or it is not a plain host', () => {
    for (const host of [
      undefined,
      '',
      'evil.example/',
      'evil.example/phish',
      'user@evil.example',
      'evil.example@good.example',
      'good example',
      ' example.org',
      'example.org\r\nSet-Cookie: a=b',
      'example.org\n',
      'example.org:',
      'example.org:123456',
      'example.org:80:80',
      '[::1',
      '[fe80::1%eth0]',
      'exämple.org',
      'example.org?x',
      'example.org#x',
      'example.org\\evil',
    ]) {
      assert.equal(tokenEndpointUrl(PATH, { protocol: 'https', host }), PATH, String(host));
    }
  });

  it('never puts CR, LF, @, a space or a second path into Location, whatever the host', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 30 }),
          fc.string({
            unit: fc.constantFrom('a', '.', ':', '1', '@', '/', '\r', '\n', ' ', '[', ']', '\\'),
          }),
        ),
        fc.constantFrom('http', 'https', undefined),
        (host, protocol) => {
          const url = tokenEndpointUrl(PATH, { protocol, host });
          assert.doesNotMatch(url, /[\r\n@ \\]/);
          if (url !== PATH) {
            assert.equal(url, `${protocol === 'https' ? 'https' : 'http'}://${host}${PATH}`);
            // The host pattern lets through some hosts WHATWG URL refuses (`.1`, port 99999):
            // harmless, since nothing can be injected, so only parsable ones are checked here.
            if (URL.canParse(url)) {
              assert.equal(new URL(url).pathname, PATH);
              assert.equal(new URL(url).username, '');
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('joinPath', () => {
  it('puts exactly one slash between mount and route', () => {
    assert.equal(joinPath('/auth', 'request-token'), '/auth/request-token');
    assert.equal(joinPath('/auth/', '/request-token'), '/auth/request-token');
    assert.equal(joinPath('/auth//', '//request-token'), '/auth/request-token');
    assert.equal(joinPath('/auth', '/request-token'), '/auth/request-token');
  });

  it('handles an empty or root mount', () => {
    assert.equal(joinPath('', 'request-token'), '/request-token');
    assert.equal(joinPath('/', '/request-token'), '/request-token');
  });

  it('keeps inner slashes', () => {
    assert.equal(joinPath('/api/v1/auth', 'token/request'), '/api/v1/auth/token/request');
  });
});
