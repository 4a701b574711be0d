import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ClientAddress } from '../../src/http/client-address.js';

describe('ClientAddress', () => {
  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    const none = new ClientAddress();
    assert.equal(none.of('203.0.113.9', '198.51.100.1'), '203.0.113.9');
    const trusted = new ClientAddress(['loopback', '10.0.0.0/8']);
    assert.equal(trusted.of('127.0.0.1', '198.51.100.1'), '198.51.100.1');
    assert.equal(trusted.of('203.0.113.9', '198.51.100.1'), '203.0.113.9');
  });

  it('walks the chain only through trusted hops: a spoofed first entry is not believed', () => {
    const trusted = new ClientAddress(['10.0.0.0/8']);
    // client 198.51.100.1 sent "X-Forwarded-For: 1.2.3.4" itself; our proxy 10.0.0.2 appended it.
    assert.equal(trusted.of('10.0.0.2', '1.2.3.4, 198.51.100.1'), '198.51.100.1');
    assert.equal(trusted.of('10.0.0.2', '1.2.3.4, 10.0.0.3, 198.51.100.1'), '198.51.100.1');
  });

  it('never throws, and answers the peer itself when nothing is trusted (property)', () => {
    const none = new ClientAddress();
    fc.assert(
      fc.property(fc.ipV4(), fc.option(fc.string(), { nil: undefined }), (peer, header) => {
        assert.equal(none.of(peer, header), peer);
      }),
    );
  });

  it('has no answer without a peer address', () => {
    assert.equal(new ClientAddress().of(undefined, '1.2.3.4'), undefined);
  });
});
