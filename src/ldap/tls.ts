import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../shared/logger.js';
import type { ServerAddress } from './urls.js';

/** PEM text, one or several certificates, as Node's `tls` takes it. */
export type Pem = string | Buffer | readonly (string | Buffer)[];

/** How connections to the directory are protected (resolved from `ldap.tls` and `ldap.startTls`). */
export interface TlsSettings {
  /** Upgrade `ldap://` connections with the StartTLS extended operation (RFC 4511, 4.14). */
  readonly startTls: boolean;
  /** Trusted CAs; replaces Node's built-in list when set. */
  readonly ca?: Pem;
  /** Client certificate chain and its private key, for directories that ask for one. */
  readonly cert?: Pem;
  readonly key?: Pem;
  /** Check the server's certificate chain and name. Turning this off allows impersonation. */
  readonly rejectUnauthorized: boolean;
  /** The name the certificate must carry, when it is not the host of the URL. */
  readonly servername?: string;
}

/**
 * Options for `tls.connect`, for an `ldaps://` connection or a StartTLS upgrade. Given to
 * `tls.connect` or to ldapts's `startTLS()` only, never to ldapts's `Client` constructor: ldapts 8
 * takes any non-empty `tlsOptions` there as "connect with TLS", even for `ldap://`, and StartTLS
 * then fails with "socket disconnected before secure TLS connection was established".
 */
export function tlsConnectOptions(server: ServerAddress, settings: TlsSettings): ConnectionOptions {
  const name = settings.servername ?? server.host;
  return {
    host: server.host,
    // SNI carries names only (RFC 6066, 3); an IP address is still checked against the
    // certificate's IP subjectAltNames through `host`.
    servername: isIP(name) ? undefined : name,
    ca: settings.ca as ConnectionOptions['ca'],
    cert: settings.cert as ConnectionOptions['cert'],
    key: settings.key as ConnectionOptions['key'],
    rejectUnauthorized: settings.rejectUnauthorized,
    minVersion: 'TLSv1.2',
  };
}

/** Node's (OpenSSL's) codes for a certificate the client could not trust. */
const CERTIFICATE_CODE =
  /^(?:ERR_TLS_CERT_ALTNAME_INVALID|CERT_\w+|\w*SELF_SIGNED\w*|UNABLE_TO_\w+|INVALID_CA|HOSTNAME_MISMATCH|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE)$/;

/**
 * What went wrong at the TLS layer, in words for an operator, or `undefined` when `error` is not a
 * TLS failure. `certificate`: we refused the server's certificate; `handshake`: the handshake
 * failed otherwise (e.g. the server demanded a client certificate, or no common protocol).
 */
export function tlsFailure(
  error: unknown,
): { kind: 'certificate' | 'handshake'; reason: string } | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (typeof code === 'string' && CERTIFICATE_CODE.test(code)) {
    return { kind: 'certificate', reason: `certificate verification failed: ${text} (${code})` };
  }
  if (
    (typeof code === 'string' && code.startsWith('ERR_SSL_')) ||
    /secure TLS connection|TLS handshake|SSL routines/i.test(text)
  ) {
    return { kind: 'handshake', reason: `TLS handshake failed: ${text}` };
  }
  return undefined;
}

/** Says at start-up, loudly, that the directory's certificate is not checked. */
export function warnIfUnverified(settings: TlsSettings, logger: Logger): void {
  if (settings.rejectUnauthorized) return;
  logger.warn(
    { event: 'tls_verification_disabled' },
    'TLS certificate verification of the directory is OFF (LDAP_TLS_REJECT_UNAUTHORIZED=false): ' +
      'anyone on the network path can pose as the directory and read every password',
  );
}
