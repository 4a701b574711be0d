// One connection against bare TCP servers (no LDAP): death is noticed, ldapts never reconnects
// behind our back, resets do not crash the process, and every setup step has a deadline.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, ConnectTimeoutError } from '../../src/ldap/connection.js';
import { parseServerUrl } from '../../src/ldap/urls.js';

const TIMEOUTS = { connectMs: 300, operationMs: 300 };
const PLAIN = { startTls: false, rejectUnauthorized: true } as const;

/** A TCP server that keeps its sockets and counts connections; `answer` decides what to do. */
async function tcpServer(answer: (socket: Socket) => void = () => {}) {
  const sockets: Socket[] = [];
  const closed = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('close', () => closed.add(socket));
    socket.resume();
    answer(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    sockets,
    closed,
    url: (scheme = 'ldap') => `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('Connection', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));

  it('notices the server closing it, and never reconnects behind our back', async () => {
    const server = await tcpServer();
    servers.push(server);
    const connection = await Connection.open(parseServerUrl(server.url()), PLAIN, TIMEOUTS);
    let died = 0;
    connection.onDeath(() => died++);
    assert.equal(connection.alive, true);
    server.sockets[0]!.end();
    await sleep(50);
    assert.equal(connection.alive, false);
    assert.equal(died, 1);
    const started = performance.now();
    await assert.rejects(connection.client.bind('uid=alice,dc=example,dc=org', 'pw'), /closed/);
    assert.ok(performance.now() - started < 100, 'refused at once, no timeout');
    await sleep(50);
    assert.equal(server.sockets.length, 1, 'ldapts opened another connection');
    await connection.close();
  });

  it('a reset (RST) is absorbed, and a dead connection closes without waiting', async () => {
    const server = await tcpServer();
    servers.push(server);
    const connection = await Connection.open(parseServerUrl(server.url()), PLAIN, TIMEOUTS);
    server.sockets[0]!.resetAndDestroy();
    await sleep(50);
    assert.equal(connection.alive, false);
    const started = performance.now();
    await connection.close();
    assert.ok(performance.now() - started < 50);
  });

  it('an operation the server never answers times out, and kills the connection', async () => {
    const server = await tcpServer();
    servers.push(server);
    const connection = await Connection.open(parseServerUrl(server.url()), PLAIN, TIMEOUTS);
    const started = performance.now();
    await assert.rejects(connection.client.bind('uid=a,dc=b', 'pw'), /Operation timed out/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 600, `${elapsed} ms`);
    await sleep(20);
    assert.equal(connection.alive, false);
  });

  it('ldaps:// to a server that never completes the handshake: ConnectTimeoutError in connectMs', async () => {
    const server = await tcpServer();
    servers.push(server);
    const started = performance.now();
    await assert.rejects(
      Connection.open(parseServerUrl(server.url('ldaps')), PLAIN, TIMEOUTS),
      ConnectTimeoutError,
    );
    // Bounded, not hung: the 300 ms timeout plus generous room for a loaded machine.
    assert.ok(performance.now() - started < 2000);
  });

  it('StartTLS that gets no answer fails within the operation timeout and closes the socket', async () => {
    const server = await tcpServer();
    servers.push(server);
    const started = performance.now();
    await assert.rejects(
      Connection.open(parseServerUrl(server.url()), { ...PLAIN, startTls: true }, TIMEOUTS),
      /timed out|did not complete/,
    );
    // Bounded, not hung: the 300 ms timeout plus generous room for a loaded machine.
    assert.ok(performance.now() - started < 2000);
    await sleep(50);
    assert.equal(server.closed.size, 1, 'the client side closed it');
  });

  it('nothing listening: the connect error as it is', async () => {
    const server = await tcpServer();
    const url = server.url();
    await server.close();
    await assert.rejects(Connection.open(parseServerUrl(url), PLAIN, TIMEOUTS), /ECONNREFUSED/);
  });
});
