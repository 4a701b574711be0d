// One connection against bare TCP servers (no LDAP): death is noticed, ldapts never reconnects
// behind our back, resets do not crash the process, and every setup step has a deadline. Each
// timeout is checked against its configured value; everything else waits for its event.
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { Connection, ConnectTimeoutError } from '../../src/ldap/connection.js';
import { parseServerUrl } from '../../src/ldap/urls.js';
import {
  assertEndedBeforeTimeout,
  assertEndedByTimeout,
  GENEROUS_MS,
  settles,
  stateOf,
  waitUntil,
} from '../helpers/timeouts.js';

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
    // An operation timeout no test waits for: a rejection can only be the closed connection's.
    const operationMs = 4 * GENEROUS_MS;
    const connection = await Connection.open(parseServerUrl(server.url()), PLAIN, {
      ...TIMEOUTS,
      operationMs,
    });
    let died = 0;
    const death = new Promise<void>((resolve) =>
      connection.onDeath(() => {
        died++;
        resolve();
      }),
    );
    assert.equal(connection.alive, true);
    server.sockets[0]!.end();
    await settles(death, 'the connection to notice the close');
    assert.equal(connection.alive, false);
    assert.equal(died, 1);
    const started = performance.now();
    await assert.rejects(connection.client.bind('uid=alice,dc=example,dc=org', 'pw'), /closed/);
    assertEndedBeforeTimeout(performance.now() - started, operationMs, 'the refused bind');
    // A reconnection by ldapts would have been started before this probe: the server accepts
    // connections in order, so once it has the probe it would have had the other one.
    const probe = connect(Number(new URL(server.url()).port), '127.0.0.1');
    probe.on('error', () => {});
    await waitUntil(() => server.sockets.length >= 2, 'the probe connection');
    probe.destroy();
    assert.equal(server.sockets.length, 2, 'ldapts opened another connection');
    await connection.close();
  });

  it('a reset (RST) is absorbed, and a dead connection closes without waiting', async () => {
    const server = await tcpServer();
    servers.push(server);
    const connection = await Connection.open(parseServerUrl(server.url()), PLAIN, TIMEOUTS);
    const death = new Promise<void>((resolve) => connection.onDeath(resolve));
    server.sockets[0]!.resetAndDestroy();
    await settles(death, 'the connection to notice the reset');
    assert.equal(connection.alive, false);
    // Settled before the event loop turns: it waited for no unbind answer and no timer.
    assert.equal(await stateOf(connection.close()), 'fulfilled');
  });

  it('an operation the server never answers times out, and kills the connection', async () => {
    const server = await tcpServer();
    servers.push(server);
    const connection = await Connection.open(parseServerUrl(server.url()), PLAIN, TIMEOUTS);
    const started = performance.now();
    await assert.rejects(connection.client.bind('uid=a,dc=b', 'pw'), /Operation timed out/);
    assertEndedByTimeout(performance.now() - started, TIMEOUTS.operationMs, 'the bind');
    await waitUntil(() => !connection.alive, 'the timed-out connection to die');
  });

  it('ldaps:// to a server that never completes the handshake: ConnectTimeoutError in connectMs', async () => {
    const server = await tcpServer();
    servers.push(server);
    const started = performance.now();
    await assert.rejects(
      Connection.open(parseServerUrl(server.url('ldaps')), PLAIN, TIMEOUTS),
      ConnectTimeoutError,
    );
    assertEndedByTimeout(performance.now() - started, TIMEOUTS.connectMs, 'the handshake');
  });

  it('StartTLS that gets no answer fails within the operation timeout and closes the socket', async () => {
    const server = await tcpServer();
    servers.push(server);
    const started = performance.now();
    await assert.rejects(
      Connection.open(parseServerUrl(server.url()), { ...PLAIN, startTls: true }, TIMEOUTS),
      /timed out|did not complete/,
    );
    assertEndedByTimeout(performance.now() - started, TIMEOUTS.operationMs, 'StartTLS');
    await waitUntil(() => server.closed.size === 1, 'the client side to close it');
  });

  it('nothing listening: the connect error as it is', async () => {
    const server = await tcpServer();
    const url = server.url();
    await server.close();
    await assert.rejects(Connection.open(parseServerUrl(url), PLAIN, TIMEOUTS), /ECONNREFUSED/);
  });
});
