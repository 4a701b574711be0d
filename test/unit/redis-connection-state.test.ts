// The Redis connection's log lines follow the connection, not the errors: a client stand-in
// emitting ioredis's events in the orders ioredis emits them.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Logger } from '../../src/shared/logger.js';
import { reportConnectionState } from '../../src/stores/redis-client.js';

class FakeClient extends EventEmitter {
  status = 'connecting';
  /** ioredis sets the status, then emits the event of that name. */
  become(status: string) {
    this.status = status;
    this.emit(status);
  }
  fail(message: string) {
    this.emit('error', new Error(message));
  }
}

function watched() {
  const events: string[] = [];
  const logger = {
    warn: (fields: { event: string; reason?: string }) =>
      events.push(fields.reason ? `${fields.event}: ${fields.reason}` : fields.event),
  } as unknown as Logger;
  const client = reportConnectionState(new FakeClient(), logger);
  return { client, events };
}

describe('reportConnectionState', () => {
  it('an error while connected is no outage; the outage after it is still logged, once', () => {
    const { client, events } = watched();
    client.become('ready');
    client.fail('ERR unknown command'); // a command's error, the connection fine
    assert.deepEqual(events, []);
    client.fail('read ECONNRESET'); // the socket's error, before ioredis notices the close
    client.become('close');
    client.become('reconnecting');
    client.fail('connect ECONNREFUSED');
    client.become('reconnecting');
    client.fail('connect ECONNREFUSED');
    assert.deepEqual(events, ['redis_connection_lost: read ECONNRESET']);
    client.become('ready');
    assert.deepEqual(events, [
      'redis_connection_lost: read ECONNRESET',
      'redis_connection_restored',
    ]);
  });

  it('every outage is logged, and its end', () => {
    const { client, events } = watched();
    client.become('ready');
    for (let outage = 0; outage < 2; outage++) {
      client.become('close');
      client.become('reconnecting');
      client.become('ready');
    }
    assert.deepEqual(events, [
      'redis_connection_lost: connection closed',
      'redis_connection_restored',
      'redis_connection_lost: connection closed',
      'redis_connection_restored',
    ]);
  });

  it('a first connection that fails is an outage; a deliberate disconnect is not', () => {
    const { client, events } = watched();
    client.fail('connect ECONNREFUSED');
    client.become('reconnecting');
    client.become('ready');
    client.become('close');
    client.become('end');
    assert.deepEqual(events, [
      'redis_connection_lost: connect ECONNREFUSED',
      'redis_connection_restored',
    ]);
  });
});
