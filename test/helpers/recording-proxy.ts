// A TCP proxy in front of a directory that keeps every byte clients send (BER octet strings such
// as DNs and control OIDs show as they are in latin1), and can cut a connection the moment a
// client sends something chosen: an outage that strikes one operation and no other.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface RecordingProxy {
  /** ldap://127.0.0.1:PORT */
  url: string;
  /** Everything clients sent so far, as latin1 text. */
  sent(): string;
  /** From now on, destroys any connection whose client sends a chunk containing `needle`. */
  cutWhenSent(needle: string | undefined): void;
  close(): Promise<void>;
}

export async function recordingProxy(target: { port: number }): Promise<RecordingProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let cutOn: string | undefined;
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target.port });
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (cutOn !== undefined && chunk.toString('latin1').includes(cutOn)) {
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ldap://127.0.0.1:${port}`,
    sent: () => Buffer.concat(chunks).toString('latin1'),
    cutWhenSent: (needle) => {
      cutOn = needle;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
