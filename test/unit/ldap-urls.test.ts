import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, parseServerUrl, splitServerList } from '../../src/ldap/urls.js';

describe('splitServerList', () => {
  it('splits on any white space, like OpenLDAP -H', () => {
    assert.deepEqual(splitServerList('ldap://a  ldaps://b:1636\tldap://c\n'), [
      'ldap://a',
      'ldaps://b:1636',
      'ldap://c',
    ]);
    assert.deepEqual(splitServerList(' ldap://a '), ['ldap://a']);
    assert.deepEqual(splitServerList('   '), []);
  });

  it('takes an array as it is, each item possibly a list itself', () => {
    assert.deepEqual(splitServerList(['ldap://a', 'ldap://b ldap://c']), [
      'ldap://a',
      'ldap://b',
      'ldap://c',
    ]);
  });
});

describe('parseServerUrl', () => {
  it('reads scheme, host and port, with the default ports 389 and 636', () => {
    assert.deepEqual(parseServerUrl('ldap://dc1.example.org'), {
      url: 'ldap://dc1.example.org',
      secure: false,
      host: 'dc1.example.org',
      port: 389,
    });
    assert.deepEqual(parseServerUrl('LDAPS://DC1.example.org/'), {
      url: 'LDAPS://DC1.example.org/',
      secure: true,
      host: 'dc1.example.org',
      port: 636,
    });
    assert.equal(parseServerUrl('ldaps://127.0.0.1:1636').port, 1636);
    assert.equal(parseServerUrl('ldap://[::1]:1389').host, '::1');
  });

  it('refuses what is not scheme://host[:port][/]', () => {
    for (const url of [
      'http://ldap.example.org',
      'ldapi:///var/run/slapd/ldapi',
      'ldap://',
      'ldap.example.org',
      'ldap://a b',
      'ldap://host/dc=example,dc=org',
      'ldap://host/??sub?(uid=*)',
      'ldap://user:pw@host',
      'ldap://host:99999',
    ]) {
      assert.throws(() => parseServerUrl(url), Error, url);
    }
  });
});

describe('isLoopback', () => {
  it('is true for localhost, 127.0.0.0/8 and ::1 in their usual spellings', () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      'a.localhost',
      '127.0.0.1',
      '127.8.9.10',
      '::1',
    ]) {
      assert.equal(isLoopback(host), true, host);
    }
    assert.equal(isLoopback(parseServerUrl('ldap://[::ffff:127.0.0.1]').host), true);
  });

  it('is false for anything that leaves the machine, including names that merely look local', () => {
    for (const host of [
      'ldap.example.org',
      '10.0.0.1',
      '128.0.0.1',
      '::2',
      'localhost.example.org',
      '0.0.0.0',
    ]) {
      assert.equal(isLoopback(host), false, host);
    }
  });
});
