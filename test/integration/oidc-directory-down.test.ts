// The OpenID Provider with the directory down: a 503 on our sign-in form (never "wrong
// password"), and `temporarily_unavailable` (503) on refresh, never `invalid_grant`.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { TOP_DN } from '../helpers/conformance-fixtures.js';
import { OidcBrowser } from '../helpers/oidc-browser.js';
import { freePort } from '../helpers/ports.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const REDIRECT = 'https://app.example.org/callback';

describe('OpenID Provider with the directory down', () => {
  let slapd: SlapdServer;
  let service: RunningService;
  let config: oidc.Configuration;

  before(async () => {
    slapd = await startSlapd();
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const auth = createAuth({
      ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 2000, connectTimeoutMs: 500 },
      token: {
        algorithm: 'ES256',
        signingKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      },
      browser: { cookieSecure: false },
      oidc: {
        issuer,
        clients: [{ client_id: 'app', client_secret: 'app-secret', redirect_uris: [REDIRECT] }],
      },
    });
    service = await serve(auth, { host: '127.0.0.1', port });
    config = await oidc.discovery(new URL(issuer), 'app', 'app-secret', undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });
  after(async () => {
    await service?.close();
    await slapd?.stop();
  });

  it('refresh answers temporarily_unavailable, and the refresh token still works afterwards', async () => {
    const browser = new OidcBrowser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const landed = await browser.authorize(url, { username: 'alice', password: 'wonderland' });
    const tokens = await oidc.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: verifier,
    });
    await slapd.kill();
    try {
      // openid-client reads OAuth errors from 400 answers only: the 503 is read here by hand.
      const answer = await fetch(config.serverMetadata().token_endpoint!, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('app:app-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token!,
        }).toString(),
      });
      assert.equal(answer.status, 503);
      assert.equal(((await answer.json()) as { error: string }).error, 'temporarily_unavailable');
      const page = await new OidcBrowser().attempt(url, { username: 'alice', password: 'x' });
      assert.equal(page.status, 503);
      assert.match(page.body, /directory cannot be reached/);
    } finally {
      await slapd.restart();
    }
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(refreshed.claims()?.sub, 'alice');
  });
});
