import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  forwardedHost,
  forwardedProto,
  isPlainHost,
  parseForwarded,
  requestOrigin,
} from '../../src/http/forwarded.js';

/** A host as a URL would carry it: nothing a URL reads as user, path, query or fragment. */
function assertPlain(host: string | undefined): void {
  if (host === undefined) return;
  assert.doesNotMatch(host, /[/?#@\\\s]/, host);
  assert.equal(new URL(`https://${host}/x`).pathname, '/x', host);
}

const hostArbitrary = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  fc.ipV6().map((address) => `[${address}]`),
);

describe('parseForwarded (RFC 7239)', () => {
  it('reads proto and host of the first element, quoted or not, names in any case', () => {
    assert.deepEqual(parseForwarded('proto=https;host=app.example.org'), {
      proto: 'https',
      host: 'app.example.org',
    });
    assert.deepEqual(
      parseForwarded(
        'for=192.0.2.60;Proto=HTTPS;HOST="app.example.org:8443", for=10.0.0.1;proto=http',
      ),
      { proto: 'https', host: 'app.example.org:8443' },
    );
    assert.deepEqual(parseForwarded('for="[2001:db8::1]"; host="[2001:db8::2]:443"'), {
      host: '[2001:db8::2]:443',
    });
    assert.deepEqual(parseForwarded('host="app\\.example.org"'), { host: 'app.example.org' });
  });

  it('ignores a value that is not http(s) or a plain host, keeping the other', () => {
    assert.deepEqual(parseForwarded('proto=ftp;host=app.example.org'), { host: 'app.example.org' });
    for (const host of [
      '"evil.example/path"',
      '"user@evil.example"',
      '"evil.example?x"',
      '"evil.example#x"',
      '"a b"',
      '"evil.example\\\\x"',
    ]) {
      assert.deepEqual(parseForwarded(`proto=https;host=${host}`), { proto: 'https' }, host);
    }
  });

  it('refuses the whole header when it breaks the grammar', () => {
    for (const header of [
      'host',
      'host=',
      '=x',
      'host=a b',
      'host="unterminated',
      'host="x"y',
      'proto=https;proto=http',
      'host=a/b',
      'pro to=https',
      `host=${'a'.repeat(5000)}`,
    ]) {
      assert.equal(parseForwarded(header), undefined, header);
    }
  });

  it('allows empty pairs and white space around separators, as proxies write them', () => {
    assert.deepEqual(parseForwarded(' ;proto=https ; host=a.example ,'), {
      proto: 'https',
      host: 'a.example',
    });
    assert.deepEqual(parseForwarded(''), {});
  });

  it('garbage never throws and never yields a host with a path, user, query or space (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (header) => {
        const parsed = parseForwarded(header);
        assertPlain(parsed?.host);
        if (parsed?.proto) assert.ok(parsed.proto === 'http' || parsed.proto === 'https');
      }),
      { numRuns: 2000 },
    );
    const forwardedChars = fc.constantFrom(...'proto=host;,"\\ /@?#:[]abc.1'.split(''));
    fc.assert(
      fc.property(fc.array(forwardedChars, { maxLength: 60 }), (chars) => {
        const parsed = parseForwarded(chars.join(''));
        assertPlain(parsed?.host);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds any valid proto and host written in a first element (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https', 'HTTPS'),
        hostArbitrary,
        fc.boolean(),
        (proto, host, hostFirst) => {
          const pairs = [`proto=${proto}`, `host="${host}"`];
          const header = `${(hostFirst ? pairs.reverse() : pairs).join(';')}, proto=http;host=other.example`;
          assert.deepEqual(parseForwarded(header), { proto: proto.toLowerCase(), host });
        },
      ),
    );
  });
});

describe('X-Forwarded-Proto and X-Forwarded-Host', () => {
  it('the first value counts, trimmed; anything else is undefined', () => {
    assert.equal(forwardedProto('https'), 'https');
    assert.equal(forwardedProto(' HTTPS , http'), 'https');
    assert.equal(forwardedProto('wss'), undefined);
    assert.equal(forwardedProto('https:'), undefined);
    assert.equal(forwardedHost('app.example.org:18443, internal:8080'), 'app.example.org:18443');
    assert.equal(forwardedHost('evil.example/x'), undefined);
    assert.equal(forwardedHost('a@evil.example'), undefined);
    assert.equal(forwardedHost(''), undefined);
  });

  it('never throw, never yield a host with a path or user (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        assertPlain(forwardedHost(header));
        const proto = forwardedProto(header);
        assert.ok(proto === undefined || proto === 'http' || proto === 'https');
      }),
      { numRuns: 2000 },
    );
  });

  it('isPlainHost accepts what URLs carry as a host (property)', () => {
    fc.assert(fc.property(hostArbitrary, (host) => assert.ok(isPlainHost(host), host)));
  });
});

describe('requestOrigin', () => {
  const forged = {
    encrypted: false,
    host: 'service.internal:8080',
    forwardedProto: 'https',
    forwardedHost: 'app.example.org:18443',
    forwarded: 'proto=http;host=other.example',
  };

  it('from an untrusted peer: the socket scheme and the Host header, whatever is forwarded', () => {
    assert.deepEqual(requestOrigin(forged, false), {
      protocol: 'http',
      host: 'service.internal:8080',
    });
    assert.deepEqual(requestOrigin({ ...forged, encrypted: true }, false).protocol, 'https');
  });

  it('from a trusted proxy: X-Forwarded-* first, then Forwarded, then the socket and Host', () => {
    assert.deepEqual(requestOrigin(forged, true), {
      protocol: 'https',
      host: 'app.example.org:18443',
    });
    const onlyForwarded = { ...forged, forwardedProto: undefined, forwardedHost: undefined };
    assert.deepEqual(requestOrigin(onlyForwarded, true), {
      protocol: 'http',
      host: 'other.example',
    });
    const garbage = { ...forged, forwardedProto: 'gopher', forwardedHost: 'a/b', forwarded: 'x' };
    assert.deepEqual(requestOrigin(garbage, true), {
      protocol: 'http',
      host: 'service.internal:8080',
    });
  });

  it('whatever the headers, trusted or not: never throws, a scheme and a plain host (property)', () => {
    const header = fc.option(fc.string({ maxLength: 80 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          encrypted: fc.boolean(),
          host: header,
          forwarded: header,
          forwardedProto: header,
          forwardedHost: header,
        }),
        fc.boolean(),
        (headers, trusted) => {
          const origin = requestOrigin(headers, trusted);
          assert.ok(origin.protocol === 'http' || origin.protocol === 'https');
          assertPlain(origin.host);
          if (!trusted) {
            assert.equal(origin.protocol, headers.encrypted ? 'https' : 'http');
            assert.ok(origin.host === undefined || origin.host === headers.host);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a Host header that is not a plain host is not kept', () => {
    assert.equal(
      requestOrigin({ encrypted: false, host: 'evil.example/x' }, false).host,
      undefined,
    );
  });
});
