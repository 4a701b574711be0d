// The service behind a real TLS terminator: Debian's nginx (1.22) with a certificate of a private
// CA made at test time, in front of the standalone service (TRUSTED_PROXIES=loopback, Secure
// cookies as by default) whose users live in a real slapd. curl and chromium are the clients.
// The `Location` of a 401 names https and the public port, and the browser sign-in works over
// https; over plain http to a public name it says it needs https instead of failing its CSRF check.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { makePki, type TestPki } from '../helpers/certificates.js';
import { recordingLogger } from '../helpers/load.js';
import { httpPrelude, startNginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/ports.js';
import {
  type ManagedProcess,
  registerExitCleanup,
  resolveBinary,
  runCommand,
} from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const CHROMIUM = '/usr/bin/chromium';
/** A name that is not loopback for the browser, resolved to 127.0.0.1 by curl and chromium. */
const PUBLIC_NAME = 'app.example.test';

/** TLS on `tls`, plain http on `plain`, both to the service, with the usual forwarded headers. */
function nginxConf(dir: string, tls: number, plain: number, pki: TestPki, service: string) {
  const proxy = `
    location / {
      proxy_pass ${service};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }`;
  return `worker_processes 1;
events { worker_connections 64; }
http {
  ${httpPrelude(dir)}
  server {
    listen 127.0.0.1:${tls} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ${proxy}
  }
  server {
    listen 127.0.0.1:${plain};
    ${proxy}
  }
}
`;
}

describe('behind nginx terminating TLS, with curl and chromium', () => {
  let slapd: SlapdServer;
  let service: RunningService;
  let nginx: ManagedProcess;
  let pki: TestPki;
  let https: string;
  let plainPort: number;
  let context: BrowserContext | undefined;
  const log = recordingLogger();

  const curl = async (args: string[]) => {
    const result = await runCommand('curl', [
      '-sS',
      '--cacert',
      pki.caCert,
      '--resolve',
      `${PUBLIC_NAME}:${plainPort}:127.0.0.1`,
      '-D',
      '-',
      ...args,
    ]);
    assert.equal(result.exitCode, 0, result.stderr);
    const [head = '', ...rest] = result.stdout.split('\r\n\r\n');
    const headers = new Map<string, string[]>();
    for (const line of head.split('\r\n').slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    return {
      status: Number(head.split(' ')[1]),
      header: (name: string) => headers.get(name)?.[0],
      body: rest.join('\r\n\r\n'),
    };
  };

  before(async () => {
    pki = await makePki();
    slapd = await startSlapd();
    service = await serve(
      createAuth({
        secretKey: 'tls-proxy-e2e-secret-0123456789abcdef0123',
        ldap: { url: slapd.url, topDn: 'ou=people,dc=example,dc=org' },
        trustedProxies: ['loopback'],
        browser: { enabled: true },
        logger: log.logger,
      }),
      { host: '127.0.0.1', port: 0 },
    );
    plainPort = await freePort();
    const started = await startNginx('nginx-tls', (dir, port) =>
      nginxConf(dir, port, plainPort, pki, service.url),
    );
    nginx = started.process;
    https = `https://localhost:${new URL(started.url).port}`;
  });

  after(async () => {
    await context?.close();
    await nginx?.stop();
    await service?.close();
    await slapd?.stop();
    pki?.remove();
  });

  it("curl: the 401's Location is the https URL clients use, with its port", async () => {
    const refused = await curl([`${https}/`]);
    assert.equal(refused.status, 401);
    assert.equal(refused.header('location'), `${https}/auth/request-token`);
    assert.equal(refused.header('www-authenticate'), 'Basic realm="Authentication Required"');
  });

  it('curl: sign-in over https with Secure cookies, then forward auth reads the session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'curl-jar-'));
    registerExitCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const jar = join(dir, 'jar');
    const page = await curl([
      '-c',
      jar,
      '-b',
      jar,
      '-H',
      'Accept: text/html',
      `${https}/auth/login`,
    ]);
    assert.equal(page.status, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    assert.ok(csrf);
    const signedIn = await curl([
      ...['-c', jar, '-b', jar, '-H', `Origin: ${https}`],
      ...['--data-urlencode', `csrf=${csrf}`, '--data-urlencode', 'username=alice'],
      ...['--data-urlencode', 'password=wonderland', `${https}/auth/login`],
    ]);
    assert.equal(signedIn.status, 303, signedIn.body);
    assert.match(signedIn.header('set-cookie') ?? '', /^__Host-[^=]+=[\w.-]+;.*Secure/);
    assert.match(await readFile(jar, 'utf8'), /#HttpOnly_localhost\tFALSE\t\/\tTRUE\t\d+\t__Host-/);
    const verified = await curl(['-b', jar, `${https}/auth/verify`]);
    assert.equal(verified.status, 200);
    assert.equal(verified.header('x-auth-user'), 'alice');
  });

  it('curl: plain http through the proxy to a public name is refused, saying https is needed', async () => {
    const url = `http://${PUBLIC_NAME}:${plainPort}/auth/login`;
    const page = await curl(['-H', 'Accept: text/html', url]);
    assert.equal(page.status, 403);
    assert.match(page.body, /needs https/);
    assert.doesNotMatch(page.body, /expired or came from another site|<form/);
    const api = await curl([
      ...['--data-urlencode', 'username=alice', '--data-urlencode', 'password=wonderland'],
      url,
    ]);
    assert.equal(api.status, 403);
    assert.equal(api.header('content-type'), 'application/json');
    assert.equal((JSON.parse(api.body) as { error: string }).error, 'https_required');
    assert.equal(log.events().filter((event) => event === 'sign_in_needs_https').length, 1);
  });

  it('chromium: signs in over https; over plain http the page says why it cannot', async () => {
    resolveBinary(CHROMIUM, 'chromium');
    const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    registerExitCleanup(() => rmSync(profile, { recursive: true, force: true }));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      // The private CA is not in chromium's store; the certificate is checked by curl above.
      ignoreHTTPSErrors: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
        `--host-resolver-rules=MAP ${PUBLIC_NAME} 127.0.0.1`,
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${https}/auth/login`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('wonderland');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('You are signed in as').waitFor();
    assert.equal(new URL(page.url()).origin, https);

    const plain = await page.goto(`http://${PUBLIC_NAME}:${plainPort}/auth/login`);
    assert.equal(plain?.status(), 403);
    const alert = (await page.getByRole('alert').textContent()) ?? '';
    assert.match(alert, /needs https/);
    assert.match(alert, /COOKIE_SECURE=false/);
  });
});
