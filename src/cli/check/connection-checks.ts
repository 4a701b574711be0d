// `check`'s per-server steps: is the port reachable (TCP), and is the TLS handshake and the
// certificate acceptable (ldaps://, or ldap:// with StartTLS), through the library's own
// Connection, so that the verdict is exactly the one the service would reach.
import { connect } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { ResultCodeError } from 'ldapts';
import { Connection } from '../../ldap/connection.js';
import { tlsFailure } from '../../ldap/tls.js';
import type { ServerAddress } from '../../ldap/urls.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { duration } from '../../token/inspect.js';
import { resultText } from './result-codes.js';
import { failed, passed, type StepResult, skipped } from './steps.js';

/** Milliseconds before a certificate's expiry from which `check` says it expires soon. */
const SOON_MS = 14 * 86_400_000;

type Ldap = ResolvedOptions['ldap'];

/** Opens a TCP connection to the server's port, and closes it. */
export async function checkReach(server: ServerAddress, ldap: Ldap): Promise<StepResult> {
  const title = `reach ${server.url}`;
  const started = performance.now();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const socket = connect({ host: server.host, port: server.port });
    const timer = setTimeout(() => {
      socket.destroy();
      const timeout = new Error(`no answer within ${ldap.connectTimeoutMs} ms`);
      resolve(Object.assign(timeout, { code: 'ETIMEDOUT' }));
    }, ldap.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (failure: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(failure);
    });
  });
  const where = `${server.host}:${server.port}`;
  if (!error) {
    return passed('reach', title, `TCP connection to ${where} in ${elapsed(started)} ms`, {
      url: server.url,
    });
  }
  const details = { url: server.url, code: error.code };
  switch (error.code) {
    case 'ECONNREFUSED':
      return failed(
        'reach',
        title,
        `connection refused by ${where}`,
        `nothing listens on port ${server.port} of ${server.host}: check the port in ` +
          `LDAP_AUTH_SERVER (ldap:// is usually 389, ldaps:// 636) and that the directory runs`,
        ['LDAP_AUTH_SERVER'],
        details,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return failed(
        'reach',
        title,
        `the name ${server.host} does not resolve (${error.code})`,
        'check the host name in LDAP_AUTH_SERVER, and the DNS this machine uses',
        ['LDAP_AUTH_SERVER'],
        details,
      );
    case 'ETIMEDOUT':
      return failed(
        'reach',
        title,
        `${where}: ${error.message}`,
        'a firewall drops the connection, or the host is down: check the host and port in ' +
          'LDAP_AUTH_SERVER and the network path (or raise LDAP_CONNECT_TIMEOUT_MS for a slow link)',
        ['LDAP_AUTH_SERVER', 'LDAP_CONNECT_TIMEOUT_MS'],
        details,
      );
    default:
      return failed(
        'reach',
        title,
        `${where}: ${error.message}`,
        'check the host and port in LDAP_AUTH_SERVER and the network path to the directory',
        ['LDAP_AUTH_SERVER'],
        details,
      );
  }
}

/**
 * Connects as the service would (TLS from the first byte for ldaps://, StartTLS when configured)
 * and reports the certificate; on a refused certificate, shows what the server presented.
 */
export async function checkTls(server: ServerAddress, ldap: Ldap): Promise<StepResult> {
  const title = `TLS ${server.url}`;
  const how = server.secure ? 'ldaps://' : 'StartTLS';
  if (!server.secure && !ldap.tls.startTls) {
    return skipped(
      'tls',
      title,
      ldap.requireTls
        ? 'no TLS'
        : 'no TLS: ldap:// without StartTLS carries passwords in clear text (allowed here: ' +
            'LDAP_REQUIRE_TLS=false, or the server is on this machine)',
    );
  }
  const timeouts = { connectMs: ldap.connectTimeoutMs, operationMs: ldap.timeoutMs };
  let connection: Connection | undefined;
  try {
    connection = await Connection.open(server, ldap.tls, timeouts);
    const certificate = describeCertificate(connection.peerCertificate);
    const unchecked = ldap.tls.rejectUnauthorized
      ? ''
      : ' (NOT verified: LDAP_TLS_REJECT_UNAUTHORIZED=false)';
    return passed('tls', title, `${how} handshake; certificate ${certificate.text}${unchecked}`, {
      url: server.url,
      ...certificate.fields,
    });
  } catch (error) {
    return tlsRefusal(server, ldap, error, title, how);
  } finally {
    await connection?.close();
  }
}

async function tlsRefusal(
  server: ServerAddress,
  ldap: Ldap,
  error: unknown,
  title: string,
  how: string,
): Promise<StepResult> {
  const code = (error as { code?: unknown }).code;
  const tls = tlsFailure(error);
  const details: Record<string, unknown> = { url: server.url, code };
  if (error instanceof ResultCodeError) {
    return failed(
      'tls',
      title,
      `the server refused StartTLS: ${resultText(error)}`,
      'the directory does not offer StartTLS on this port: configure TLS on it, or use ldaps:// ' +
        'in LDAP_AUTH_SERVER and turn LDAP_STARTTLS off',
      ['LDAP_AUTH_SERVER', 'LDAP_STARTTLS'],
      { ...details, resultCode: error.code },
    );
  }
  if (tls?.kind !== 'certificate') {
    const reason = tls?.reason ?? (error instanceof Error ? error.message : String(error));
    return failed(
      'tls',
      title,
      `${how} failed: ${reason}`,
      'the TLS handshake did not complete: if the directory requires a client certificate, set ' +
        'LDAP_TLS_CERT_FILE and LDAP_TLS_KEY_FILE; check that the port in LDAP_AUTH_SERVER speaks ' +
        `${server.secure ? 'TLS (ldaps://)' : 'LDAP with StartTLS'}`,
      ['LDAP_TLS_CERT_FILE', 'LDAP_TLS_KEY_FILE', 'LDAP_AUTH_SERVER'],
      details,
    );
  }
  // Look again without verifying, only to say what the server presents.
  const presented = await presentedCertificate(server, ldap);
  Object.assign(details, presented?.fields);
  const seen = presented ? `; it presents ${presented.text}` : '';
  const summary = `certificate refused: ${tls.reason}${seen}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    const names = presented?.fields.subjectAltName ?? 'other names';
    return failed(
      'tls',
      title,
      summary,
      `the certificate is for ${names}, not ${ldap.tls.servername ?? server.host}: use one of ` +
        'its names in LDAP_AUTH_SERVER, or set LDAP_TLS_SERVERNAME to the name it carries',
      ['LDAP_AUTH_SERVER', 'LDAP_TLS_SERVERNAME'],
      details,
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return failed(
      'tls',
      title,
      summary,
      code === 'CERT_HAS_EXPIRED'
        ? "the directory's certificate has expired: it must be renewed on the directory"
        : "the certificate is not valid yet: check this machine's clock",
      [],
      details,
    );
  }
  const issuer = presented?.fields.issuer ? ` (issuer ${presented.fields.issuer})` : '';
  return failed(
    'tls',
    title,
    summary,
    `the certificate${issuer} is not signed by a CA this service trusts: set LDAP_TLS_CA_FILE ` +
      `to the PEM file of the CA that signed it${ldap.tls.ca ? ' (the file given does not hold it)' : ''}`,
    ['LDAP_TLS_CA_FILE'],
    details,
  );
}

async function presentedCertificate(server: ServerAddress, ldap: Ldap) {
  const timeouts = { connectMs: ldap.connectTimeoutMs, operationMs: ldap.timeoutMs };
  try {
    const connection = await Connection.open(
      server,
      { ...ldap.tls, rejectUnauthorized: false },
      timeouts,
    );
    const certificate = describeCertificate(connection.peerCertificate);
    await connection.close();
    return certificate;
  } catch {
    return undefined;
  }
}

/** The certificate's subject, issuer, names and expiry, as one line and as fields. */
export function describeCertificate(
  certificate: PeerCertificate | undefined,
  now = Date.now(),
): { text: string; fields: Record<string, string | number> } {
  if (!certificate?.subject) return { text: 'unknown', fields: {} };
  const name = (entity: PeerCertificate['subject'] | undefined) =>
    entity ? [entity.CN ?? Object.values(entity)].flat().join(', ') : '';
  const expires = new Date(certificate.valid_to);
  const daysLeft = Math.floor((expires.getTime() - now) / 86_400_000);
  const left =
    expires.getTime() < now
      ? 'EXPIRED'
      : expires.getTime() - now < SOON_MS
        ? `expires SOON, in ${duration((expires.getTime() - now) / 1000)}`
        : `${duration((expires.getTime() - now) / 1000)} left`;
  const subject = name(certificate.subject);
  const issuer = name(certificate.issuer);
  return {
    text: `CN=${subject}, issued by ${issuer}, valid until ${expires.toISOString()} (${left})`,
    fields: {
      subject,
      issuer,
      ...(certificate.subjectaltname ? { subjectAltName: certificate.subjectaltname } : {}),
      validTo: expires.toISOString(),
      daysLeft,
    },
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
