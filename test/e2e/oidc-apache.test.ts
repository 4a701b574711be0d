// A relying party no one here wrote: Debian's Apache httpd with libapache2-mod-auth-openidc
// protects /private/ with the service as its OpenID Provider, and Debian's chromium, driven
// headless by playwright-core, signs in as a slapd user: our sign-in page, then the page with the
// claims the module passes (OIDC_CLAIM_preferred_username, OIDC_CLAIM_groups). Signing out through
// the module's logout calls our end_session endpoint, after which /private/ asks for the password
// again. Also: a user outside the client's allowed_groups never gets in.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { type RunningApache, startApacheOidc } from '../helpers/apache.js';
import { TOP_DN, USERS } from '../helpers/conformance-fixtures.js';
import { freePort } from '../helpers/ports.js';
import { registerExitCleanup, resolveBinary } from '../helpers/process.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

type Json = Record<string, unknown>;

const CHROMIUM = '/usr/bin/chromium';
const CLIENT_SECRET = 'apache-client-secret-0123456789abcdef';

describe('Apache mod_auth_openidc signs in through the provider, in chromium', () => {
  let slapd: SlapdServer;
  let service: RunningService;
  let apache: RunningApache;
  let context: BrowserContext;
  let page: Page;

  /** httpd's log, for a failure's message: the module says there why it refused. */
  const log = () => `\n--- apache error log ---\n${apache?.errorLog().slice(-4000)}`;

  before(async () => {
    resolveBinary(CHROMIUM, 'chromium');
    slapd = await startSlapd();
    // The issuer's port is chosen first: httpd's configuration names the issuer, and the
    // service's client names httpd's redirect URI, so httpd starts in between.
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    apache = await startApacheOidc({ issuer, clientId: 'apache', clientSecret: CLIENT_SECRET });
    // ES256: mod_auth_openidc (cjose) verifies RS*, PS* and ES* signatures, not EdDSA.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    service = await serve(
      createAuth({
        ldap: { url: slapd.url, topDn: TOP_DN },
        token: {
          algorithm: 'ES256',
          signingKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        },
        groups: { strategy: 'search' },
        oidc: {
          issuer,
          clients: [
            {
              client_id: 'apache',
              client_secret: CLIENT_SECRET,
              redirect_uris: [apache.redirectUri],
              post_logout_redirect_uris: [apache.signedOutUrl],
              scope: 'openid profile email groups',
              allowed_groups: ['admins'],
            },
          ],
        },
      }),
      { host: '127.0.0.1', port },
    );

    const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    registerExitCleanup(() => rmSync(profile, { recursive: true, force: true }));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await apache?.process.stop();
    await service?.close();
    await slapd?.stop();
  });

  /** Fills our sign-in form (reached through the module's redirect) and submits it. */
  async function signIn(username: string, password: string) {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('/private/ leads to our sign-in page, on the provider, not to Apache', async () => {
    await page.goto(`${apache.url}/private/`);
    await page.getByLabel('Username').waitFor();
    const url = new URL(page.url());
    assert.equal(url.origin, service.url, `on the provider's origin: ${page.url()}${log()}`);
    assert.match(url.pathname, /^\/oidc\/interaction\//);
  });

  it('signing in as alice shows the page with her claims, passed by the module', async () => {
    await Promise.all([
      page.waitForURL(`${apache.url}/private/`),
      signIn(USERS.alice.username, USERS.alice.password),
    ]).catch((error: unknown) => {
      throw new Error(`${String(error)}\nat ${page.url()}${log()}`);
    });
    assert.equal(await page.title(), 'Private', log());
    assert.equal(await page.locator('#remote-user').textContent(), 'alice');
    assert.equal(await page.locator('#username').textContent(), 'alice');
    assert.equal(await page.locator('#groups').textContent(), 'admins');
    assert.equal(await page.locator('#email').textContent(), 'alice@example.org');
    const idToken = JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Json;
    assert.equal(idToken.iss, service.url);
    assert.equal(idToken.aud, 'apache');
    // The module's session holds: a reload does not go back to the provider.
    await page.reload();
    assert.equal(await page.locator('#username').textContent(), 'alice');
  });

  it('the ID token itself names the user and her groups: clients such as the Kubernetes API server read nothing else', async () => {
    const idToken = JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Json;
    assert.equal(idToken.preferred_username, 'alice', JSON.stringify(idToken));
    assert.deepEqual(idToken.groups, ['admins'], JSON.stringify(idToken));
  });

  it("signing out through the module's logout ends the provider session too", async () => {
    await page.getByRole('link', { name: 'Sign out' }).click();
    // The provider may ask to confirm (oidc-provider's logout page): say yes.
    const confirm = page.getByRole('button', { name: /sign me out|sign out/i });
    await Promise.race([
      page.waitForURL(apache.signedOutUrl),
      confirm.waitFor().then(() => confirm.click()),
    ]);
    await page.waitForURL(apache.signedOutUrl);
    assert.equal(await page.title(), 'Signed out');
    // Neither the module's session nor the provider's is left: the password is asked again.
    await page.goto(`${apache.url}/private/`);
    await page.getByLabel('Password').waitFor();
    assert.equal(new URL(page.url()).origin, service.url);
  });

  it("bob, outside the client's allowed_groups, never reaches the page", async () => {
    await signIn(USERS.bob.username, USERS.bob.password);
    await page.waitForURL(`${apache.redirectUri}?**`);
    // The provider answers the module with access_denied (and RFC 9207's iss), never a code.
    const answer = new URL(page.url()).searchParams;
    assert.equal(answer.get('error'), 'access_denied', page.url());
    assert.equal(answer.get('code'), null);
    assert.equal(answer.get('iss'), service.url);
    // mod_auth_openidc 2.4.12 takes an error answer that carries `iss` for a third-party
    // initiated login and says so on its error page; whatever it says, nothing is shown.
    const body = (await page.locator('body').textContent()) ?? '';
    assert.doesNotMatch(body, /Private page|bob@example\.org/, body);
    // Asked again, the provider reuses bob's session and refuses him again, without a form.
    await page.goto(`${apache.url}/private/`);
    await page.waitForURL(`${apache.redirectUri}?**`);
    assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied', page.url());
  });
});
