// Debian's Apache httpd with mod_auth_openidc as a relying party of our OpenID Provider, for the
// browser test of issue 19: a private server on a free loopback port, its own ServerRoot, PID
// file and pages in a temporary folder removed when the test process ends, stopped by PID. The
// configuration loads only the modules it names, so the machine's /etc/apache2 plays no part.
import { accessSync, chmodSync, constants, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { type ManagedProcess, registerExitCleanup, startProcess } from './process.js';

const MODULES_DIR = '/usr/lib/apache2/modules';

/** Module name => file under MODULES_DIR; mod_auth_openidc comes from its own Debian package. */
const MODULES: Readonly<Record<string, string>> = {
  mpm_event_module: 'mod_mpm_event.so',
  authn_core_module: 'mod_authn_core.so',
  authz_core_module: 'mod_authz_core.so',
  authz_user_module: 'mod_authz_user.so',
  dir_module: 'mod_dir.so',
  include_module: 'mod_include.so',
  auth_openidc_module: 'mod_auth_openidc.so',
};

const PACKAGE_OF_MODULE: Readonly<Record<string, string>> = {
  'mod_auth_openidc.so': 'libapache2-mod-auth-openidc',
};

export interface ApacheOidcOptions {
  /** The issuer URL of the provider; its discovery document is read from below it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface RunningApache {
  process: ManagedProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The module's own URL: the callback of the code flow, and `?logout=` for signing out. */
  redirectUri: string;
  /** The public page the logout returns to (register it as a post_logout_redirect_uri). */
  signedOutUrl: string;
  /**
   * httpd's error log so far, for failure messages: once started, httpd writes there, not to
   * stderr (which it cannot reopen by name: Node's stdio is a socket, not a pipe).
   */
  errorLog(): string;
}

/** Throws, naming the Debian package, when a module file is not installed: never a skip. */
function requireModules(): void {
  for (const file of Object.values(MODULES)) {
    const path = join(MODULES_DIR, file);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      const pkg = PACKAGE_OF_MODULE[file] ?? 'apache2-bin';
      throw new Error(`${path} not found: install the Debian package "${pkg}"`);
    }
  }
}

/** The addresses a test server on `port` answers at, from the browser's side. */
export function apacheUrls(port: number) {
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    redirectUri: `${url}/private/redirect_uri`,
    signedOutUrl: `${url}/signed-out.html`,
  };
}

/**
 * The page behind the module: SSI prints the variables mod_auth_openidc sets for the request
 * (entity-encoded, mod_include's default), and a sign-out link through the module's logout.
 */
function privatePage(redirectUri: string, signedOutUrl: string): string {
  const logout = `${redirectUri}?logout=${encodeURIComponent(signedOutUrl)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Private</title></head>
<body>
<h1>Private page</h1>
<dl>
<dt>REMOTE_USER</dt><dd id="remote-user"><!--#echo var="REMOTE_USER" --></dd>
<dt>OIDC_CLAIM_preferred_username</dt><dd id="username"><!--#echo var="OIDC_CLAIM_preferred_username" --></dd>
<dt>OIDC_CLAIM_groups</dt><dd id="groups"><!--#echo var="OIDC_CLAIM_groups" --></dd>
<dt>OIDC_CLAIM_email</dt><dd id="email"><!--#echo var="OIDC_CLAIM_email" --></dd>
<dt>OIDC_id_token_payload</dt><dd id="id-token"><!--#echo var="OIDC_id_token_payload" --></dd>
</dl>
<p><a href="${logout}">Sign out</a></p>
</body></html>
`;
}

const SIGNED_OUT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head>
<body><h1>Signed out</h1><p><a href="/private/">Private page</a></p></body></html>
`;

/** The whole httpd.conf: one loopback listener, a public folder and `/private/` behind OIDC. */
export function apacheOidcConf(dir: string, port: number, options: ApacheOidcOptions): string {
  const { url, redirectUri } = apacheUrls(port);
  const loads = Object.entries(MODULES)
    .map(([name, file]) => `LoadModule ${name} ${join(MODULES_DIR, file)}`)
    .join('\n');
  // Started as root, httpd refuses to serve as root: its children become www-data.
  const user = process.getuid?.() === 0 ? 'User www-data\nGroup www-data\n' : '';
  const metadata = `${options.issuer}/.well-known/openid-configuration`;
  return `ServerRoot ${dir}
DefaultRuntimeDir ${join(dir, 'run')}
PidFile ${join(dir, 'run', 'httpd.pid')}
ErrorLog ${join(dir, 'error.log')}
LogLevel warn auth_openidc:info
Listen 127.0.0.1:${port}
ServerName ${url}
${user}${loads}
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MinSpareThreads 4
MaxSpareThreads 16
MaxRequestWorkers 16

DocumentRoot ${join(dir, 'htdocs')}
DirectoryIndex index.html
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory ${join(dir, 'htdocs')}>
  Require all granted
  ForceType "text/html; charset=utf-8"
</Directory>

OIDCProviderMetadataURL ${metadata}
OIDCClientID ${options.clientId}
OIDCClientSecret ${options.clientSecret}
OIDCRedirectURI ${redirectUri}
OIDCCryptoPassphrase apache-oidc-test-passphrase-0123456789
OIDCScope "openid profile email groups"
OIDCRemoteUserClaim preferred_username
# The ID token's own claims too (the page shows them): some clients read nothing else.
OIDCPassIDTokenAs claims payload
OIDCPKCEMethod S256

<Location /private/>
  AuthType openid-connect
  Require valid-user
  Options +Includes
  SetOutputFilter INCLUDES
</Location>
`;
}

/**
 * Starts httpd in the foreground (`-DFOREGROUND`, so the PID is the parent's) as the relying
 * party of `options.issuer`. A port taken between choosing it and httpd binding it is retried.
 */
export async function startApacheOidc(options: ApacheOidcOptions): Promise<RunningApache> {
  requireModules();
  const dir = await mkdtemp(join(tmpdir(), 'apache-oidc-'));
  registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
  // The children run as www-data when the test runs as root: they must read the pages.
  chmodSync(dir, 0o755);
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'htdocs', 'private'), { recursive: true });
  const config = join(dir, 'httpd.conf');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const urls = apacheUrls(port);
    await writeFile(
      join(dir, 'htdocs', 'private', 'index.html'),
      privatePage(urls.redirectUri, urls.signedOutUrl),
    );
    await writeFile(join(dir, 'htdocs', 'signed-out.html'), SIGNED_OUT_PAGE);
    await writeFile(config, apacheOidcConf(dir, port, options));
    try {
      const process = await startProcess({
        name: 'apache2',
        command: 'apache2',
        debianPackage: 'apache2',
        args: ['-f', config, '-DFOREGROUND'],
        // Debian's apache2 reads these from /etc/apache2/envvars when started by apachectl.
        env: { APACHE_RUN_DIR: join(dir, 'run'), APACHE_LOG_DIR: dir, APACHE_LOCK_DIR: dir },
        ready: { port },
      });
      const errorLog = () => readFileSync(join(dir, 'error.log'), 'utf8');
      return { process, ...urls, errorLog };
    } catch (error) {
      if (attempt < 3 && /Address already in use/i.test(String(error))) continue;
      throw error;
    }
  }
}
