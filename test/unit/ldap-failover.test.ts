import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAILED_SERVER_COOL_DOWN_MS, ServerList } from '../../src/ldap/failover.js';
import { parseServerUrl } from '../../src/ldap/urls.js';

const [a, b, c] = ['ldap://a', 'ldap://b', 'ldap://c'].map(parseServerUrl) as [
  ReturnType<typeof parseServerUrl>,
  ReturnType<typeof parseServerUrl>,
  ReturnType<typeof parseServerUrl>,
];

function list() {
  let now = 1000;
  const servers = new ServerList([a, b, c], () => now);
  return {
    servers,
    advance(ms: number) {
      now += ms;
    },
  };
}

const urls = (servers: ServerList) => servers.order().map((server) => server.url);

describe('ServerList', () => {
  it('tries the servers in the configured order while none has failed', () => {
    const { servers } = list();
    assert.deepEqual(urls(servers), ['ldap://a', 'ldap://b', 'ldap://c']);
    assert.equal(servers.hasAlternative(a), true);
  });

  it('puts a failed server last, never leaves it out, and brings it back after the cool-down', () => {
    const { servers, advance } = list();
    servers.failed(a);
    assert.deepEqual(urls(servers), ['ldap://b', 'ldap://c', 'ldap://a']);
    servers.failed(c);
    assert.deepEqual(urls(servers), ['ldap://b', 'ldap://a', 'ldap://c']);
    advance(FAILED_SERVER_COOL_DOWN_MS - 1);
    assert.deepEqual(urls(servers), ['ldap://b', 'ldap://a', 'ldap://c']);
    advance(1);
    assert.deepEqual(urls(servers), ['ldap://a', 'ldap://b', 'ldap://c']);
  });

  it('forgets a failure as soon as a connection to that server succeeds', () => {
    const { servers } = list();
    servers.failed(a);
    servers.succeeded(a);
    assert.deepEqual(urls(servers), ['ldap://a', 'ldap://b', 'ldap://c']);
  });

  it('hasAlternative: another server is not cooling down', () => {
    const { servers } = list();
    servers.failed(b);
    servers.failed(c);
    assert.equal(servers.hasAlternative(a), false);
    assert.equal(servers.hasAlternative(b), true);
    const single = new ServerList([a]);
    assert.equal(single.hasAlternative(a), false);
  });

  it('needs at least one server', () => {
    assert.throws(() => new ServerList([]));
  });
});
