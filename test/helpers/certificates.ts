// A throwaway private PKI made with the openssl command at test time: a CA, a server certificate
// for 127.0.0.1 and localhost signed by it, a client certificate signed by it, and, for the
// refusal cases, a server certificate for another name and a second CA that signed nothing we
// trust. P-256 keys, because they are made in milliseconds.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerExitCleanup, runCommand } from './process.js';

export interface TestPki {
  readonly dir: string;
  /** The private CA (PEM file paths). */
  readonly caCert: string;
  /** Server certificate for IP 127.0.0.1 and DNS localhost, signed by the CA, and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server certificate signed by the CA for other.example.org only: the wrong name. */
  readonly wrongNameCert: string;
  readonly wrongNameKey: string;
  /** Client certificate (CN=ldap-token-auth) signed by the CA, and its key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate signed by another CA, which slapd does not trust. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  /** A CA that signed none of the server certificates above. */
  readonly otherCaCert: string;
  remove(): void;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr.trim()}`);
  }
}

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      ...NEW_KEY,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=ldap-token-auth test ${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

async function issue(
  dir: string,
  ca: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<void> {
  await openssl(
    ['req', ...NEW_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    dir,
  );
  await writeFile(join(dir, `${name}.ext`), extensions);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      // A serial of our own: -CAcreateserial would race on one serial file across parallel runs.
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/** Makes the PKI in a new temporary directory (removed at exit, or by `remove()`). */
export async function makePki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'ldap-token-auth-pki-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const forget = registerExitCleanup(remove);
  const server = 'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n';
  const client = 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n';
  await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'other-ca')]);
  await Promise.all([
    issue(
      dir,
      'ca',
      'server',
      '/CN=localhost',
      `subjectAltName=IP:127.0.0.1,DNS:localhost\n${server}`,
    ),
    issue(
      dir,
      'ca',
      'wrong-name',
      '/CN=other.example.org',
      `subjectAltName=DNS:other.example.org\n${server}`,
    ),
    issue(dir, 'ca', 'client', '/CN=ldap-token-auth', client),
    issue(dir, 'other-ca', 'stranger', '/CN=stranger', client),
  ]);
  const path = (file: string) => join(dir, file);
  return {
    dir,
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    wrongNameCert: path('wrong-name.crt'),
    wrongNameKey: path('wrong-name.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    strangerCert: path('stranger.crt'),
    strangerKey: path('stranger.key'),
    otherCaCert: path('other-ca.crt'),
    remove() {
      forget();
      remove();
    },
  };
}
