// The return-URL checker: what it lets through, a browser must resolve to this host or an allowed
// one, whatever the input. Examples of every trick we know, then properties over generated text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AllowedHosts, redirectOrigin, safeRedirect } from '../../src/http/browser/redirects.js';

const allowed = new AllowedHosts(['app.example.org', 'App2.Example.org:8443', '.example.net']);
const LOGIN_PAGE = 'https://login.example.com/auth/login';

/** Where a browser on the sign-in page would really go, following `Location: url`. */
function destination(url: string): URL {
  return new URL(url, LOGIN_PAGE);
}

describe('safeRedirect', () => {
  it('accepts paths on this host and URLs on allowed hosts', () => {
    for (const rd of [
      '/',
      '/app/',
      '/app/x?y=1&z=%2F#frag',
      '/a//b',
      '/%20/evil.example/', // a space is kept in the path by browsers: same host
      '/app/x?next=%2F%2Fevil.example', // the query is the application's own business
      '/caf%C3%A9/100%25',
      'https://app.example.org/',
      'http://app.example.org/x?rd=https://evil.example/',
      'HTTPS://APP.EXAMPLE.ORG/x',
      'https://app.example.org:8443/x',
      'https://app2.example.org:8443/',
      'https://example.net/',
      'https://deep.sub.example.net/x',
      'https://app.example.org',
    ]) {
      assert.equal(safeRedirect(rd, allowed), rd, rd);
    }
  });

  it('refuses every open-redirect trick', () => {
    for (const rd of [
      undefined,
      '',
      'https://evil.example/',
      '//evil.example/',
      '///evil.example/',
      '/\\evil.example/',
      '\\\\evil.example/',
      '/\t/evil.example/',
      '/\n/evil.example',
      ' /app/',
      'https:evil.example',
      'https:/evil.example',
      'https:\\\\evil.example',
      'https://app.example.org@evil.example/',
      'https://app.example.org:x@evil.example/',
      'https://user@app.example.org/',
      'https://evil.example\\@app.example.org/',
      'https://evil.example#@app.example.org/',
      'https://evil.example?@app.example.org/',
      'https://app.example.org.evil.example/',
      'https://evilexample.net/',
      'https://app2.example.org/', // allowed only on port 8443
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'ftp://app.example.org/',
      'app.example.org/x',
      `/${'a'.repeat(2048)}`,
      // Dot segments that leave `//evil.example` as the path, for a server that normalises it.
      '/.//evil.example/',
      '/..//evil.example/',
      '/%2e//evil.example',
      '/%2E%2E//evil.example',
      '/a/..//evil.example',
      '/a/b/../..//evil.example',
      'https://app.example.org/.//evil.example/',
      'https://app.example.org//evil.example/',
      // Encoded separators: a backend that decodes the path once answers `Location: //evil...`.
      '/%2F%2Fevil.example',
      '/%2f/evil.example',
      '/%5Cevil.example',
      '/%5c%5cevil.example',
      '/%2e/%2fevil.example',
      '/%2E%2E/%2Fevil.example',
      '/app/%2F',
      'https://app.example.org/%2F%2Fevil.example',
      'https://app.example.org/%2e/%5Cevil.example',
      // Decoded twice: a proxy and then the backend.
      '/%252F%252Fevil.example',
      '/%255Cevil.example',
      '/%25%32%46%25%32%46evil.example',
      // Controls once decoded: a browser drops a tab or newline, joining `/` and `/`.
      '/%09/evil.example/',
      '/%0A/evil.example/',
      '/%0d/evil.example/',
      '/%2509/evil.example/',
      '/a%3Fb%5C?c',
    ]) {
      assert.equal(safeRedirect(rd, allowed), undefined, JSON.stringify(rd));
    }
  });

  const FRAGMENTS = [
    '/',
    '//',
    '\\',
    '/\\',
    'https:',
    'http:',
    'javascript:',
    'data:',
    '@',
    ':',
    '.',
    '?',
    '#',
    '%2F',
    '%5C',
    '%2f',
    '%5c',
    '%25',
    '%252F',
    '%255c',
    '%252e',
    '%2509',
    '%40',
    '%3A',
    '%3F',
    '%23',
    '%09',
    '..',
    '%2e',
    '%2E%2e',
    '%0A',
    '\t',
    '\n',
    '\r',
    ' ',
    '\u0000',
    '\u3002',
    'evil.example',
    'app.example.org',
    'example.net',
    '.example.net',
    '8443',
    '[::1]',
    '127.0.0.1',
    'xn--',
    'ａ',
  ];
  const trickyUrl = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 8 }).map((parts) => parts.join('')),
    fc
      .tuple(
        fc.constantFrom('https://', 'http://', '/', '//', ''),
        fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 6 }),
      )
      .map(([start, parts]) => start + parts.join('')),
  );

  it('property: whatever it accepts, a browser follows to this host or an allowed one', () => {
    fc.assert(
      fc.property(trickyUrl, (rd) => {
        const accepted = safeRedirect(rd, allowed);
        if (accepted === undefined) return;
        const url = destination(accepted);
        assert.ok(url.protocol === 'https:' || url.protocol === 'http:', rd);
        assert.ok(!url.pathname.startsWith('//'), `${rd}: the path may be normalised to //host`);
        assert.ok(!accepted.includes('\\'), rd);
        assert.equal(url.username + url.password, '', rd);
        if (accepted.startsWith('/')) assert.equal(url.origin, 'https://login.example.com', rd);
        else assert.ok(allowed.allows(url), rd);
      }),
      { numRuns: 20_000 },
    );
  });

  /** Percent-decoded as a server might: `decodeURIComponent`, or byte by byte where that throws. */
  function decoded(text: string): string {
    try {
      return decodeURIComponent(text);
    } catch {
      return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
    }
  }

  it('property: whatever it accepts, decoded once or twice, stays on this host or an allowed one', () => {
    fc.assert(
      fc.property(trickyUrl, (rd) => {
        const accepted = safeRedirect(rd, allowed);
        if (accepted === undefined) return;
        const once = decoded(accepted);
        for (const text of [once, decoded(once)]) {
          const context = `${JSON.stringify(rd)} decoded to ${JSON.stringify(text)}`;
          assert.ok(!text.startsWith('//') && !text.startsWith('/\\'), context);
          assert.ok(!/[\\\t\n\r]/.test(text.split(/[?#]/, 1)[0]!), context);
          const url = destination(text);
          assert.ok(!url.pathname.startsWith('//'), context);
          if (accepted.startsWith('/'))
            assert.equal(url.origin, 'https://login.example.com', context);
          else assert.ok(allowed.allows(url), context);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('property: a plain path, or a URL on an allowed host, is accepted as it is', () => {
    const host = fc.constantFrom(
      'app.example.org',
      'example.net',
      'a.b.example.net',
      'app2.example.org:8443',
    );
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        host,
        fc.webPath(),
        fc.webQueryParameters(),
        (scheme, hostname, path, query) => {
          const relative = `/${path.replace(/^\/+/, '')}`;
          // A path that resolves to `//...` is refused on purpose (see the examples above).
          const leaves = (text: string) => new URL(`https://x${text}`).pathname.startsWith('//');
          fc.pre(!leaves(path) && !leaves(relative));
          // Encoded separators and controls are refused on purpose too (see above).
          fc.pre(!/%(2f|5c|25|0|1|7f)/i.test(path));
          const rd = `${scheme}://${hostname}${path}${query ? `?${query}` : ''}`;
          assert.equal(safeRedirect(rd, allowed), rd);
          assert.equal(safeRedirect(relative, allowed), relative);
        },
      ),
    );
  });

  it('allowed hosts are read as URLs read hosts: a default port, IPv6 or IPv4 spelt otherwise', () => {
    const spelt = new AllowedHosts([
      'App.example.org:443',
      '[0:0::1]',
      '[0:0::2]:8443',
      '0x7f.1',
      '.Example.com:8443',
      'plain.example:080',
    ]);
    const allows = (url: string) => spelt.allows(new URL(url));
    assert.equal(allows('https://app.example.org/'), true, 'the default port of https');
    assert.equal(allows('http://app.example.org:443/'), true);
    assert.equal(allows('http://app.example.org/'), false, 'port 80 is not 443');
    assert.equal(allows('https://app.example.org:8443/'), false);
    assert.equal(allows('http://[::1]:5000/'), true, 'no port: any port');
    assert.equal(allows('https://[::2]:8443/'), true);
    assert.equal(allows('https://[::2]/'), false);
    assert.equal(allows('http://127.0.0.1/'), true);
    assert.equal(allows('https://a.example.com:8443/'), true);
    assert.equal(allows('https://example.com:8443/'), true);
    assert.equal(allows('https://a.example.com/'), false);
    assert.equal(allows('http://plain.example/'), true, 'port 080 is port 80');
    assert.equal(safeRedirect('https://app.example.org/x', spelt), 'https://app.example.org/x');
    assert.equal(safeRedirect('http://[::1]:5000/x', spelt), 'http://[::1]:5000/x');
    assert.throws(() => new AllowedHosts(['[::::]']), TypeError);
    assert.throws(() => new AllowedHosts(['host:99999']), TypeError);
  });

  it('no allowed host: only paths', () => {
    const none = new AllowedHosts([]);
    assert.equal(safeRedirect('/x', none), '/x');
    assert.equal(safeRedirect('https://app.example.org/', none), undefined);
  });

  it('redirectOrigin: the origin of an absolute URL, nothing for a path', () => {
    assert.equal(redirectOrigin('https://app.example.org:8443/x'), 'https://app.example.org:8443');
    assert.equal(redirectOrigin('/x'), undefined);
    assert.equal(redirectOrigin(undefined), undefined);
  });
});
