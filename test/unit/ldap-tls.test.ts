import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tlsConnectOptions, tlsFailure } from '../../src/ldap/tls.js';
import { parseServerUrl } from '../../src/ldap/urls.js';

const settings = { startTls: false, rejectUnauthorized: true, ca: 'CA PEM' } as const;

describe('tlsConnectOptions', () => {
  it('verifies by default against the given CA, sends the host name as SNI, TLS 1.2 at least', () => {
    const options = tlsConnectOptions(parseServerUrl('ldaps://dc1.example.org'), settings);
    assert.equal(options.host, 'dc1.example.org');
    assert.equal(options.servername, 'dc1.example.org');
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.ca, 'CA PEM');
    assert.equal(options.minVersion, 'TLSv1.2');
  });

  it('sends no SNI for an IP address (RFC 6066), which is still checked through host', () => {
    const options = tlsConnectOptions(parseServerUrl('ldaps://127.0.0.1:1636'), settings);
    assert.equal(options.host, '127.0.0.1');
    assert.equal(options.servername, undefined);
  });

  it('checks another name when told to', () => {
    const options = tlsConnectOptions(parseServerUrl('ldaps://10.0.0.5'), {
      ...settings,
      servername: 'dc1.example.org',
    });
    assert.equal(options.servername, 'dc1.example.org');
  });
});

describe('tlsFailure', () => {
  const error = (message: string, code?: string) => Object.assign(new Error(message), { code });

  it('names certificate problems as such, with OpenSSL code', () => {
    for (const code of [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      const failure = tlsFailure(error('bad certificate', code));
      assert.equal(failure?.kind, 'certificate', code);
      assert.match(failure.reason, new RegExp(`^certificate verification failed: .*${code}`));
    }
  });

  it('names other handshake failures', () => {
    assert.equal(
      tlsFailure(error('alert', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))?.kind,
      'handshake',
    );
    assert.equal(
      tlsFailure(
        error(
          'Client network socket disconnected before secure TLS connection was established',
          'ECONNRESET',
        ),
      )?.kind,
      'handshake',
    );
  });

  it('is undefined for what is not TLS', () => {
    assert.equal(tlsFailure(error('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')), undefined);
    assert.equal(tlsFailure(new Error('SearchRequest: Operation timed out')), undefined);
    assert.equal(tlsFailure(undefined), undefined);
  });
});
