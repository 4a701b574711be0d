// `ldap-token-auth/oidc` embedded in an application's own Express server, as docs/oidc.md shows:
// the provider's paths answered by `oidcListener`, every other request left to the application,
// and a whole code flow through our sign-in form checked by openid-client.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import { after, before, it } from 'node:test';
import express from 'express';
import * as oidc from 'openid-client';
import { createAuth } from '../../src/core/create-auth.js';
import type { Auth } from '../../src/core/types.js';
import { createOidcProvider, oidcListener } from '../../src/oidc/index.js';
import { TOP_DN } from '../helpers/conformance-fixtures.js';
import { recordingLogger } from '../helpers/load.js';
import { OidcBrowser } from '../helpers/oidc-browser.js';
import { freePort } from '../helpers/ports.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const REDIRECT = 'https://app.example.org/callback';
const SECRET = 'embedded-client-secret-of-some-length';

let slapd: SlapdServer;
let auth: Auth;
let server: Server;
let issuer: string;
const log = recordingLogger();
const consoleWarnings: unknown[] = [];

before(async () => {
  slapd = await startSlapd();
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}/sso`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  auth = createAuth({
    ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 5000 },
    token: {
      algorithm: 'ES256',
      signingKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    },
    browser: { cookieSecure: false },
    logger: log.logger,
  });
  const { warn } = console;
  console.warn = (...data: unknown[]) => consoleWarnings.push(data);
  const provider = await createOidcProvider(auth, {
    issuer,
    clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [REDIRECT] }],
  });
  console.warn = warn;
  const app = express();
  app.use(oidcListener(auth, provider));
  app.get('/', (_req, res) => {
    res.send('the application');
  });
  server = app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
});
after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await auth?.close();
  await slapd?.stop();
});

it("oidc-provider's notices are lines of our log, not console output", () => {
  assert.deepEqual(consoleWarnings, []);
  // oidc-provider 9 asks for Node 22 LTS ("Jod") or later, and says so as it loads.
  const before22 = (process.release.lts ?? '') < 'Jod';
  const notices = log.lines.filter((line) => line.fields.event === 'oidc_provider_notice');
  assert.equal(
    notices.some((line) => /Unsupported runtime/.test(line.message)),
    before22,
    JSON.stringify(notices),
  );
});

it('requests outside the provider reach the application', async () => {
  const response = await fetch(new URL('/', issuer));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), 'the application');
});

it('a code flow with PKCE through the sign-in form gives an ID token the client verifies', async () => {
  const config = await oidc.discovery(new URL(issuer), 'app', SECRET, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  assert.equal(config.serverMetadata().token_endpoint, `${issuer}/oidc/token`);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const start = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const landed = await new OidcBrowser().authorize(start, {
    username: 'alice',
    password: 'wonderland',
  });
  const tokens = await oidc.authorizationCodeGrant(config, landed, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  const claims = tokens.claims();
  assert.equal(claims?.sub, 'alice');
  assert.equal(claims?.preferred_username, 'alice');
});

it('a wrong password on the embedded form is refused, and no code is given', async () => {
  const config = await oidc.discovery(new URL(issuer), 'app', SECRET, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  const start = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const page = await new OidcBrowser().attempt(start, { username: 'alice', password: 'wrong' });
  assert.equal(page.status, 401);
  assert.doesNotMatch(page.headers.get('location') ?? '', /code=/);
});
