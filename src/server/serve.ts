import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Auth } from '../core/types.js';
import { createService, type ServiceOptions } from './service.js';

export interface RunningService {
  server: Server;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /**
   * Stops accepting connections, lets the requests in flight finish (at most `graceMs`,
   * default 10 s, after which their connections are cut), then closes the directory connections.
   */
  close(graceMs?: number): Promise<void>;
}

/** Starts the standalone service on `host:port` (port 0 picks a free one). */
export async function serve(
  auth: Auth,
  listen: { host: string; port: number },
  options?: ServiceOptions,
): Promise<RunningService> {
  // OpenID Connect, when an issuer is set: built first, so that a bad clients file or an HS256
  // key stops the start-up.
  const oidc =
    options?.oidc ??
    (auth.options.oidc.issuer
      ? await import('../oidc/provider.js').then(({ createOidcProvider }) =>
          createOidcProvider(auth),
        )
      : undefined);
  const server = createServer(createService(auth, { ...options, ...(oidc ? { oidc } : {}) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `http://${host}:${port}`,
    close(graceMs = 10_000) {
      closing ??= stop(server, auth, graceMs);
      return closing;
    },
  };
}

async function stop(server: Server, auth: Auth, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection whose last request has just been answered goes idle: close it then,
  // rather than waiting for the client or the keep-alive timeout.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  server.closeIdleConnections();
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
  await auth.close();
}
