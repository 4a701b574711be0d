// Free loopback ports for the servers the interop tests start.
import { createServer } from 'node:net';

/**
 * Asks the kernel for a port that is free on 127.0.0.1 right now. The port is released before
 * returning, so another process may grab it before the caller binds it: callers that start a
 * server on it should retry with a fresh port when the bind fails.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`unexpected listen address: ${String(address)}`));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}
