// A real Active Directory domain controller per test file: Debian's Samba, provisioned into a
// temporary folder at test time (about 4 s), running in the foreground with only its LDAP
// service, stopped by PID. Accounts are made over ldaps as Administrator.
//
// What is fixed, and why the helper is shaped this way:
//   - Samba's LDAP ports (389, 636, 3268, 3269) cannot be moved, so only one domain controller can
//     run on the machine at a time: a lock file serialises the test files that use one, and a
//     port 389 held by anything else (a system slapd) is a failure with a clear message.
//   - Plain simple binds need `ldap server require strong auth = no`; provisioning does not keep
//     that option, so it is written into smb.conf afterwards.
//   - TLS uses the test PKI's certificate for 127.0.0.1 (test/helpers/certificates.ts), so
//     clients verify it like any other; Samba refuses a private key readable by others.
//   - Samba reads an account's state only once the password has matched (52e before that), except
//     a lockout; see test/interop/active-directory.test.ts.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { makePki, type TestPki } from './certificates.js';
import {
  isPidAlive,
  type ManagedProcess,
  registerExitCleanup,
  runCommand,
  startProcess,
  waitForPort,
} from './process.js';

export const SAMBA_REALM = 'EXAMPLE.TEST';
export const SAMBA_DOMAIN = 'EXAMPLE';
export const SAMBA_BASE_DN = 'DC=example,DC=test';
export const SAMBA_USERS_DN = `CN=Users,${SAMBA_BASE_DN}`;
const ADMIN_PASSWORD = `Admin-${randomBytes(6).toString('hex')}-9!`;
const LOCK_FILE = join(tmpdir(), 'ldap-token-auth-samba.lock');
// The system Python: Samba's bindings (python3-ldb) are built for it, not for any other Python.
const SYSTEM_PYTHON = '/usr/bin/python3';

/** userAccountControl flags (MS-ADTS 2.2.16). */
export const UAC = {
  ACCOUNTDISABLE: 0x2,
  NORMAL_ACCOUNT: 0x200,
  DONT_EXPIRE_PASSWORD: 0x10000,
} as const;

export interface SambaUser {
  /** sAMAccountName, also the UPN's local part. */
  sam: string;
  /** The RDN's CN and displayName: AD user DNs carry the display name, not the login. */
  displayName: string;
  password: string;
  /** Default NORMAL_ACCOUNT. */
  userAccountControl?: number;
  /** Further attributes, as LDAP values (strings or Buffers). */
  attributes?: Record<string, string | string[] | Buffer>;
}

export interface SambaDomain {
  readonly url: 'ldap://127.0.0.1:389';
  readonly ldapsUrl: 'ldaps://127.0.0.1:636';
  readonly baseDn: string;
  readonly usersDn: string;
  readonly realm: string;
  readonly domain: string;
  /** PEM of the CA that signed the domain controller's certificate (for 127.0.0.1). */
  readonly ca: string;
  readonly pid: number;
  readonly dir: string;
  readonly stderr: string;
  /** Creates a user under CN=Users; returns its DN. */
  addUser(user: SambaUser): Promise<string>;
  /** Replaces one attribute's values of an entry, as Administrator (e.g. disables an account). */
  replaceAttribute(dn: string, type: string, values: readonly string[]): Promise<void>;
  /** Creates a global security group under CN=Users; returns its DN. */
  addGroup(name: string, memberDns: readonly string[]): Promise<string>;
  /**
   * A fine-grained password policy (PSO) for these DNs only, so that one account's lockout
   * threshold or password age leaves the others alone. Values in AD's units (negative 100 ns).
   */
  addPasswordSettings(
    name: string,
    appliesTo: readonly string[],
    settings: { lockoutThreshold?: number; maximumPasswordAgeDays?: number },
  ): Promise<void>;
  /**
   * Sets pwdLastSet to an arbitrary past date, which LDAP refuses (it takes only 0 and -1): a
   * raw write to the domain partition's file with the system Python's ldb module.
   */
  setPasswordLastSet(sam: string, when: Date): Promise<void>;
  /** Stops samba (SIGTERM, then SIGKILL) and removes its folder; releases the lock. */
  stop(): Promise<void>;
}

/** Windows FILETIME: 100 ns intervals since 1601-01-01, as AD's time attributes hold it. */
export function fileTime(date: Date): string {
  return (BigInt(date.getTime()) * 10_000n + 116_444_736_000_000_000n).toString();
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** Takes the machine-wide lock, waiting for another test file's domain controller to stop. */
async function lock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      const release = () => rmSync(LOCK_FILE, { force: true });
      const forget = registerExitCleanup(release);
      return () => {
        forget();
        release();
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(LOCK_FILE, 'utf8').trim());
      // A test process killed without cleanup leaves its lock behind.
      if (!holder || !isPidAlive(holder)) rmSync(LOCK_FILE, { force: true });
      else if (Date.now() > deadline) {
        throw new Error(`process ${holder} holds the Samba lock (${LOCK_FILE}) for too long`);
      } else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

const RAW_PWD_LAST_SET = `
import ldb, sys
path, sam, value = sys.argv[1:4]
db = ldb.Ldb(path, options=['modules:'])
found = db.search(expression='(sAMAccountName=%s)' % ldb.binary_encode(sam), attrs=['pwdLastSet'])
if len(found) != 1:
    sys.exit('found %d entries for %s' % (len(found), sam))
change = ldb.Message()
change.dn = found[0].dn
change['pwdLastSet'] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, 'pwdLastSet')
db.modify(change)
`;

/** Provisions a domain and starts its domain controller; resolves once ldaps answers. */
export async function startSamba(options: { lockTimeoutMs?: number } = {}): Promise<SambaDomain> {
  const release = await lock(options.lockTimeoutMs ?? 240_000);
  let dir: string | undefined;
  let pki: TestPki | undefined;
  let forgetDir = () => {};
  try {
    for (const port of [389, 636]) {
      if (await portAnswers(port)) {
        throw new Error(
          `port ${port} is taken on 127.0.0.1, and Samba's LDAP ports cannot be moved: stop whatever holds it (a system slapd: service slapd stop)`,
        );
      }
    }
    const made = await mkdtemp(join(tmpdir(), 'ldap-token-auth-samba-'));
    dir = made;
    forgetDir = registerExitCleanup(() => rmSync(made, { recursive: true, force: true }));
    pki = await makePki();
    const target = join(made, 'dc');
    const provision = await runCommand(
      'samba-tool',
      [
        'domain',
        'provision',
        `--realm=${SAMBA_REALM}`,
        `--domain=${SAMBA_DOMAIN}`,
        '--server-role=dc',
        '--dns-backend=NONE',
        '--use-rfc2307',
        `--adminpass=${ADMIN_PASSWORD}`,
        `--targetdir=${target}`,
        '--option=interfaces=lo',
        '--option=bind interfaces only=yes',
        '--option=server services=ldap',
        // The machine's own smb.conf (if any) must not leak in.
        '-s',
        '/dev/null',
      ],
      { debianPackage: 'samba', timeoutMs: 120_000 },
    );
    if (provision.exitCode !== 0) {
      throw new Error(
        `samba-tool domain provision failed:\n${provision.stderr || provision.stdout}`,
      );
    }
    const keyFile = join(made, 'dc.key');
    writeFileSync(keyFile, readFileSync(pki.serverKey));
    chmodSync(keyFile, 0o600);
    const config = join(target, 'etc', 'smb.conf');
    const extra = [
      'ldap server require strong auth = no',
      'tls enabled = yes',
      `tls keyfile = ${keyFile}`,
      `tls certfile = ${pki.serverCert}`,
      `tls cafile = ${pki.caCert}`,
      `pid directory = ${target}`,
    ];
    const provisioned = await readFile(config, 'utf8');
    await writeFile(
      config,
      provisioned.replace('[global]\n', `[global]\n${extra.map((line) => `\t${line}\n`).join('')}`),
    );
    const samba = await startProcess({
      name: 'samba',
      command: 'samba',
      debianPackage: 'samba',
      // -i: foreground, logs to stdout; -M single: one process, so its PID is the whole server.
      args: ['-s', config, '-i', '-M', 'single', '--debuglevel=0'],
      cwd: made,
      ready: { port: 389, timeoutMs: 60_000 },
    });
    await waitForPort(636, { timeoutMs: 30_000 });
    return domain(made, target, samba, pki, () => {
      forgetDir();
      release();
    });
  } catch (error) {
    forgetDir();
    if (dir) rmSync(dir, { recursive: true, force: true });
    pki?.remove();
    release();
    throw error;
  }
}

function domain(
  dir: string,
  target: string,
  samba: ManagedProcess,
  pki: TestPki,
  release: () => void,
): SambaDomain {
  const ca = readFileSync(pki.caCert, 'utf8');
  let admin: Promise<Client> | undefined;
  const administrator = () => {
    admin ??= (async () => {
      const client = new Client({
        url: 'ldaps://127.0.0.1:636',
        timeout: 10_000,
        tlsOptions: { ca },
      });
      await client.bind(`Administrator@${SAMBA_REALM.toLowerCase()}`, ADMIN_PASSWORD);
      return client;
    })();
    return admin;
  };
  // unicodePwd: the password in double quotes, UTF-16LE; AD takes it over an encrypted link only.
  const unicodePwd = (password: string) => Buffer.from(`"${password}"`, 'utf16le');

  return {
    url: 'ldap://127.0.0.1:389',
    ldapsUrl: 'ldaps://127.0.0.1:636',
    baseDn: SAMBA_BASE_DN,
    usersDn: SAMBA_USERS_DN,
    realm: SAMBA_REALM,
    domain: SAMBA_DOMAIN,
    ca,
    pid: samba.pid,
    dir,
    get stderr() {
      return samba.stderr + samba.stdout;
    },
    async addUser(user) {
      const dn = `CN=${user.displayName},${SAMBA_USERS_DN}`;
      const client = await administrator();
      const attributes: Record<string, string | string[] | Buffer> = {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: user.sam,
        userPrincipalName: `${user.sam}@${SAMBA_REALM.toLowerCase()}`,
        displayName: user.displayName,
        unicodePwd: unicodePwd(user.password),
        userAccountControl: String(user.userAccountControl ?? UAC.NORMAL_ACCOUNT),
        ...user.attributes,
      };
      await client.add(
        dn,
        Object.entries(attributes).map(([type, value]) =>
          Buffer.isBuffer(value)
            ? new Attribute({ type, values: [value] })
            : new Attribute({ type, values: [value].flat() }),
        ),
      );
      return dn;
    },
    async replaceAttribute(dn, type, values) {
      const client = await administrator();
      await client.modify(
        dn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type, values: [...values] }),
        }),
      );
    },
    async addGroup(name, memberDns) {
      const dn = `CN=${name},${SAMBA_USERS_DN}`;
      const client = await administrator();
      await client.add(dn, {
        objectClass: ['top', 'group'],
        sAMAccountName: name,
        ...(memberDns.length > 0 ? { member: [...memberDns] } : {}),
      });
      return dn;
    },
    async addPasswordSettings(name, appliesTo, settings) {
      const day = 864_000_000_000n; // 100 ns intervals
      const client = await administrator();
      await client.add(`CN=${name},CN=Password Settings Container,CN=System,${SAMBA_BASE_DN}`, {
        objectClass: 'msDS-PasswordSettings',
        'msDS-PasswordSettingsPrecedence': '1',
        'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
        'msDS-PasswordHistoryLength': '0',
        'msDS-PasswordComplexityEnabled': 'FALSE',
        'msDS-MinimumPasswordLength': '1',
        'msDS-MinimumPasswordAge': '0',
        // Samba treats a maximum age under one day as "never expires".
        'msDS-MaximumPasswordAge':
          settings.maximumPasswordAgeDays === undefined
            ? '-9223372036854775808'
            : String(-BigInt(settings.maximumPasswordAgeDays) * day),
        'msDS-LockoutThreshold': String(settings.lockoutThreshold ?? 0),
        'msDS-LockoutObservationWindow': String(-day / 24n), // 1 hour
        'msDS-LockoutDuration': String(-day / 24n),
        'msDS-PSOAppliesTo': [...appliesTo],
      });
    },
    async setPasswordLastSet(sam, when) {
      const partitions = join(target, 'private', 'sam.ldb.d');
      const file = (await readdir(partitions)).find((name) => name.startsWith('DC='));
      if (!file) throw new Error(`no domain partition in ${partitions}`);
      const result = await runCommand(SYSTEM_PYTHON, [
        '-c',
        RAW_PWD_LAST_SET,
        join(partitions, file),
        sam,
        fileTime(when),
      ]);
      if (result.exitCode !== 0) throw new Error(`setting pwdLastSet failed: ${result.stderr}`);
    },
    async stop() {
      const client = admin && (await admin.catch(() => undefined));
      await client?.unbind().catch(() => undefined);
      await samba.stop();
      rmSync(dir, { recursive: true, force: true });
      pki.remove();
      release();
    },
  };
}
