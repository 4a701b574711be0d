import { ConfigurationError } from '../errors.js';
import type { Pem, TlsSettings } from './tls.js';
import { isLoopback, parseServerUrl, type ServerAddress, splitServerList } from './urls.js';

/** The transport options as validated by the schema, before they are checked together. */
export interface TransportInput {
  url: string | readonly string[];
  startTls: boolean;
  requireTls?: boolean | undefined;
  tls: {
    ca?: Pem | undefined;
    cert?: Pem | undefined;
    key?: Pem | undefined;
    rejectUnauthorized: boolean;
    servername?: string | undefined;
  };
}

export interface Transport {
  url: string;
  servers: ServerAddress[];
  requireTls: boolean;
  tls: TlsSettings;
}

/**
 * Parses the server list and checks the TLS options against it, at start-up.
 * @throws {ConfigurationError} naming the option: a bad URL, a certificate without its key, or a
 * password that would cross the network in clear text while TLS is required.
 */
export function resolveConnection(input: TransportInput): Transport {
  const urls = splitServerList(input.url);
  if (urls.length === 0) invalid('ldap.url', 'must name at least one ldap:// or ldaps:// URL');
  const servers = urls.map((url) => {
    try {
      return parseServerUrl(url);
    } catch (error) {
      return invalid('ldap.url', (error as Error).message);
    }
  });
  const { tls } = input;
  if (tls.cert && !tls.key) invalid('ldap.tls.key', 'a client certificate needs its private key');
  if (tls.key && !tls.cert) invalid('ldap.tls.cert', 'a private key needs its client certificate');

  const requireTls = input.requireTls ?? !servers.every((server) => isLoopback(server.host));
  const clear = servers.find((server) => !server.secure && !input.startTls);
  if (requireTls && clear) {
    invalid(
      input.requireTls === undefined ? 'ldap.url' : 'ldap.requireTls',
      `${clear.url} would carry passwords in clear text: use ldaps://, or StartTLS ` +
        '(startTls, LDAP_STARTTLS=true), or allow clear text with requireTls: false ' +
        '(LDAP_REQUIRE_TLS=false)',
    );
  }
  return {
    url: urls.join(' '),
    servers,
    requireTls,
    tls: {
      startTls: input.startTls,
      ca: copy(tls.ca),
      cert: copy(tls.cert),
      key: copy(tls.key),
      rejectUnauthorized: tls.rejectUnauthorized,
      servername: tls.servername,
    },
  };
}

/** The caller's buffers are copied, so that changing them later changes nothing here. */
function copy(pem: Pem | undefined): Pem | undefined {
  if (pem === undefined || typeof pem === 'string') return pem;
  if (Buffer.isBuffer(pem)) return Buffer.from(pem);
  return (pem as readonly (string | Buffer)[]).map((part) =>
    typeof part === 'string' ? part : Buffer.from(part),
  );
}

function invalid(path: string, detail: string): never {
  throw new ConfigurationError(`Invalid option ${path}: ${detail}`, undefined, { path, detail });
}
