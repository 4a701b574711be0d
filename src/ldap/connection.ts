import { connect as netConnect, type Socket } from 'node:net';
import { type PeerCertificate, TLSSocket, connect as tlsConnect } from 'node:tls';
import { Client } from 'ldapts';
import { type TlsSettings, tlsConnectOptions } from './tls.js';
import type { ServerAddress } from './urls.js';

/** Timeouts of one connection, in milliseconds. */
export interface ConnectionTimeouts {
  /** TCP connect, plus the TLS handshake for `ldaps://`. */
  connectMs: number;
  /** Each LDAP operation, and the StartTLS upgrade. */
  operationMs: number;
}

/** The connection could not be set up in time (TCP connect, TLS handshake or StartTLS). */
export class ConnectTimeoutError extends Error {
  override readonly name = 'ConnectTimeoutError';
}

/**
 * One LDAP connection to one server, used until it breaks and then thrown away.
 *
 * We open the socket ourselves and hand it to ldapts through `createConnection`, once: if the
 * socket goes away, ldapts's transparent reconnect would come back anonymous and in clear text,
 * so a second call fails instead and the pool opens a new, fully prepared connection. Every
 * socket has an `error` listener from its first moment (a reset must never crash the process)
 * and a `close` listener that marks the connection dead.
 */
export class Connection {
  readonly client: Client;
  readonly server: ServerAddress;
  /** `performance.now()` when the connection was last given back; for idle retirement. */
  lastUsed = performance.now();
  /** Brought into the state its pool hands out (e.g. bound as the service account). */
  prepared = false;
  /** Released bound as someone, to be reset by its pool if nobody takes it soon. */
  needsReset = false;
  /** The server has answered something on it (set by the pool). */
  served = false;
  /** TLS from the start (`ldaps://`) or after StartTLS. */
  readonly tls: boolean;
  readonly #sockets: Socket[] = [];
  #alive = true;
  #closing: Promise<void> | undefined;
  #onDeath: (() => void) | undefined;

  private constructor(
    server: ServerAddress,
    socket: Socket,
    timeouts: ConnectionTimeouts,
    tls: boolean,
  ) {
    this.server = server;
    this.tls = tls;
    this.#watch(socket);
    let handedOut = false;
    const once = (() => {
      // A socket that died before its first use would leave ldapts waiting for 'connect'.
      if (handedOut || socket.destroyed) throw new Error('The directory connection was closed');
      handedOut = true;
      return socket;
    }) as unknown as typeof netConnect;
    const upgrade = ((options: Parameters<typeof tlsConnect>[0]) =>
      this.#watch(tlsConnect(options))) as typeof tlsConnect;
    this.client = new Client({
      url: server.url,
      timeout: timeouts.operationMs,
      connectTimeout: timeouts.connectMs,
      createConnection: once,
      // For ldaps:// ldapts asks for the (already secure) connection here; for ldap:// this is
      // only called by startTLS() to wrap the socket.
      createSecureConnection: server.secure ? (once as unknown as typeof tlsConnect) : upgrade,
    });
    // It may have closed between being connected and being watched.
    if (socket.destroyed) this.#alive = false;
  }

  /**
   * Connects to `server` (TCP, then TLS for `ldaps://`, or StartTLS on `ldap://` when configured)
   * within the timeouts.
   */
  static async open(
    server: ServerAddress,
    tls: TlsSettings,
    timeouts: ConnectionTimeouts,
  ): Promise<Connection> {
    const socket = await openSocket(server, tls, timeouts.connectMs);
    const connection = new Connection(server, socket, timeouts, server.secure || tls.startTls);
    if (!server.secure && tls.startTls) {
      try {
        await connection.#startTls(tls, timeouts.operationMs);
      } catch (error) {
        await connection.close();
        throw error;
      }
    }
    return connection;
  }

  /** False once a socket closed or failed; a dead connection is never used again. */
  get alive(): boolean {
    return this.#alive;
  }

  /**
   * The certificate the server presented, when the connection is TLS-protected (`ldaps://` or
   * after StartTLS); for diagnostics such as `ldap-token-auth check`.
   */
  get peerCertificate(): PeerCertificate | undefined {
    const socket = this.#sockets.findLast((candidate) => candidate instanceof TLSSocket);
    return (socket as TLSSocket | undefined)?.getPeerCertificate();
  }

  /** Called once, when the connection dies while nobody is closing it. */
  onDeath(listener: () => void): void {
    this.#onDeath = listener;
  }

  /** Sends an unbind when the connection still works, then destroys the sockets. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const polite = this.#alive;
      this.#alive = false;
      if (polite) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.client.unbind().catch(() => undefined),
          new Promise((resolve) => {
            timer = setTimeout(resolve, 1000);
          }),
        ]);
        clearTimeout(timer);
      }
      for (const socket of this.#sockets) socket.destroy();
    })();
    return this.#closing;
  }

  async #startTls(tls: TlsSettings, timeoutMs: number): Promise<void> {
    // ldapts bounds the extended operation by the operation timeout, not the handshake after it.
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        for (const socket of this.#sockets) socket.destroy();
        reject(new ConnectTimeoutError(`StartTLS did not complete within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.client.startTLS(tlsConnectOptions(this.server, tls)), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  #watch<T extends Socket>(socket: T): T {
    this.#sockets.push(socket);
    // ldapts replaces the error listeners of the sockets it drives with its own; this one covers
    // the moments it has none (before the first operation, after a failed handshake).
    socket.on('error', () => this.#die());
    socket.once('close', () => this.#die());
    return socket;
  }

  #die(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const socket of this.#sockets) socket.destroy();
    this.#onDeath?.();
  }
}

function openSocket(server: ServerAddress, tls: TlsSettings, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = server.secure
      ? tlsConnect({ ...tlsConnectOptions(server, tls), port: server.port })
      : netConnect({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    // Lets the kernel notice a peer that vanished without a word (a firewall that dropped state).
    socket.setKeepAlive(true, 60_000);
    const ignore = () => {};
    socket.on('error', ignore);
    const timer = setTimeout(() => {
      fail(new ConnectTimeoutError(`No connection to ${server.url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once(server.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
