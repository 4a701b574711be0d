import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Auth } from '../auth.js';
import { createService, type ServiceOptions } from './service.js';

export interface RunningService {
  server: Server;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** Stops accepting, lets requests in flight finish, then closes the directory connections. */
  close(): Promise<void>;
}

/** Starts the standalone service on `host:port` (port 0 picks a free one). */
export async function serve(
  auth: Auth,
  listen: { host: string; port: number },
  options?: ServiceOptions,
): Promise<RunningService> {
  const server = createServer(createService(auth, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    server,
    url: `http://${host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await auth.close();
    },
  };
}
