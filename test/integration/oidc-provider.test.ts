// The service as an OpenID Provider, tested with openid-client (the certified relying party)
// against a real slapd: discovery, the authorization code flow with PKCE through our sign-in
// form, the ID token checked by the client, userinfo, refresh, introspection, revocation, client
// credentials, and the standard refusals.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Attribute, Change } from 'ldapts';
import * as oidc from 'openid-client';
import { createAuth } from '../../src/core/create-auth.js';
import { ConfigurationError } from '../../src/errors.js';
import type { AuthOptions } from '../../src/options/resolve.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import { TOP_DN } from '../helpers/conformance-fixtures.js';
import { OidcBrowser } from '../helpers/oidc-browser.js';
import { asRoot, type SlapdServer, startSlapd } from '../helpers/slapd.js';

const REDIRECT = 'https://app.example.org/callback';
const PUBLIC_REDIRECT = 'http://127.0.0.1:9/cb';
const SECRET = 'grafana-client-secret-of-some-length';

function signingKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function authOptions(slapd: SlapdServer, extra: Partial<AuthOptions> = {}): AuthOptions {
  return {
    ldap: { url: slapd.url, topDn: TOP_DN, timeoutMs: 5000 },
    token: { algorithm: 'ES256', signingKey: signingKey(), defaultDuration: 600 },
    groups: { strategy: 'search', baseDn: 'ou=groups,dc=example,dc=org' },
    browser: { cookieSecure: false },
    ...extra,
  };
}

describe('OpenID Provider (openid-client against the service and slapd)', () => {
  let slapd: SlapdServer;
  let service: RunningService;
  let issuer: string;
  let confidential: oidc.Configuration;
  let publicClient: oidc.Configuration;
  let adminsOnly: oidc.Configuration;
  const insecure = { execute: [oidc.allowInsecureRequests] };

  before(async () => {
    slapd = await startSlapd();
    const port = await freePortOf();
    issuer = `http://127.0.0.1:${port}/idp`;
    const auth = createAuth(
      authOptions(slapd, {
        oidc: {
          issuer,
          clients: [
            {
              client_id: 'grafana',
              client_secret: SECRET,
              redirect_uris: [REDIRECT],
              grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
            },
            {
              client_id: 'cli',
              token_endpoint_auth_method: 'none',
              redirect_uris: [PUBLIC_REDIRECT],
            },
            {
              client_id: 'admin-app',
              client_secret: SECRET,
              redirect_uris: [REDIRECT],
              allowed_groups: ['admins'],
            },
          ],
        },
      }),
    );
    service = await serve(auth, { host: '127.0.0.1', port });
    confidential = await oidc.discovery(new URL(issuer), 'grafana', SECRET, undefined, insecure);
    publicClient = await oidc.discovery(new URL(issuer), 'cli', undefined, oidc.None(), insecure);
    adminsOnly = await oidc.discovery(new URL(issuer), 'admin-app', SECRET, undefined, insecure);
  });
  after(async () => {
    await service?.close();
    await slapd?.stop();
  });

  /** The code flow up to the redirect back: the URL the browser lands on at the client. */
  async function authorize(
    config: oidc.Configuration,
    browser: OidcBrowser,
    credentials?: { username: string; password: string },
    extra: Record<string, string> = {},
  ) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: config.clientMetadata().client_id === 'cli' ? PUBLIC_REDIRECT : REDIRECT,
      scope: 'openid profile email groups offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    const landed = await browser.authorize(url, credentials);
    return { landed, verifier, state };
  }

  async function signIn(config: oidc.Configuration, username = 'alice', password = 'wonderland') {
    const browser = new OidcBrowser();
    const { landed, verifier, state } = await authorize(config, browser, { username, password });
    const tokens = await oidc.authorizationCodeGrant(config, landed, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return { tokens, browser, landed, verifier, state };
  }

  it('discovery names our routes under the issuer path and our key', async () => {
    const metadata = confidential.serverMetadata();
    assert.equal(metadata.issuer, issuer);
    assert.equal(metadata.authorization_endpoint, `${issuer}/oidc/authorize`);
    assert.equal(metadata.token_endpoint, `${issuer}/oidc/token`);
    assert.equal(metadata.userinfo_endpoint, `${issuer}/oidc/userinfo`);
    assert.equal(metadata.jwks_uri, `${issuer}/oidc/jwks`);
    assert.equal(metadata.introspection_endpoint, `${issuer}/oidc/introspect`);
    assert.equal(metadata.revocation_endpoint, `${issuer}/oidc/revoke`);
    assert.equal(metadata.end_session_endpoint, `${issuer}/oidc/logout`);
    const ours = (await (await fetch(`${service.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    const theirs = (await (await fetch(`${issuer}/oidc/jwks`)).json()) as {
      keys: { kid: string; d?: string }[];
    };
    assert.deepEqual(
      theirs.keys.map((key) => key.kid),
      ours.keys.map((key) => key.kid),
    );
    assert.equal(theirs.keys[0]?.d, undefined, 'no private part published');
  });

  it('code + PKCE through our sign-in form: an ID token the client verifies, with our claims', async () => {
    const { tokens } = await signIn(confidential);
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.preferred_username, 'alice');
    assert.deepEqual(claims.groups, ['admins']);
    assert.ok(tokens.refresh_token, 'a refresh token');
    const userinfo = await oidc.fetchUserInfo(confidential, tokens.access_token, 'alice');
    assert.equal(userinfo.sub, 'alice');
    assert.equal(userinfo.preferred_username, 'alice');
    assert.deepEqual(userinfo.groups, ['admins']);
  });

  it('a public client: PKCE S256 required, no secret', async () => {
    const { tokens } = await signIn(publicClient, 'bob', 'can-we-fix-it');
    assert.equal(tokens.claims()?.sub, 'bob');
    const browser = new OidcBrowser();
    const url = oidc.buildAuthorizationUrl(publicClient, {
      redirect_uri: PUBLIC_REDIRECT,
      scope: 'openid',
    });
    const landed = await browser.authorize(url);
    assert.equal(landed.searchParams.get('error'), 'invalid_request');
  });

  it('refresh rotates: the new refresh token works, the old one is refused', async () => {
    const { tokens } = await signIn(confidential);
    const first = tokens.refresh_token!;
    const refreshed = await oidc.refreshTokenGrant(confidential, first);
    assert.equal(refreshed.claims()?.sub, 'alice');
    assert.notEqual(refreshed.refresh_token, first);
    await assert.rejects(oidc.refreshTokenGrant(confidential, first), { error: 'invalid_grant' });
  });

  it('introspection and revocation (RFC 7662, RFC 7009)', async () => {
    const { tokens } = await signIn(confidential);
    const active = await oidc.tokenIntrospection(confidential, tokens.access_token);
    assert.equal(active.active, true);
    assert.equal(active.sub, 'alice');
    assert.equal(active.client_id, 'grafana');
    await oidc.tokenRevocation(confidential, tokens.access_token);
    const revoked = await oidc.tokenIntrospection(confidential, tokens.access_token);
    assert.equal(revoked.active, false);
  });

  it('client credentials for a machine client', async () => {
    const tokens = await oidc.clientCredentialsGrant(confidential);
    assert.ok(tokens.access_token);
    const seen = await oidc.tokenIntrospection(confidential, tokens.access_token);
    assert.equal(seen.active, true);
    assert.equal(seen.client_id, 'grafana');
  });

  it('a user outside allowed_groups gets access_denied at the redirect URI, never a code', async () => {
    const browser = new OidcBrowser();
    const { landed } = await authorize(adminsOnly, browser, {
      username: 'bob',
      password: 'can-we-fix-it',
    });
    assert.equal(landed.origin + landed.pathname, REDIRECT);
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('code'), null);
  });

  it('allowed_groups is checked again when a provider session is reused for another client', async () => {
    const { browser } = await signIn(confidential, 'bob', 'can-we-fix-it');
    const { landed } = await authorize(adminsOnly, browser);
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    const member = await signIn(adminsOnly);
    assert.equal(member.tokens.claims()?.sub, 'alice');
  });

  it('a wrong redirect URI is refused at the provider, never sent there', async () => {
    const browser = new OidcBrowser();
    const url = oidc.buildAuthorizationUrl(confidential, {
      redirect_uri: 'https://evil.example.net/cb',
      scope: 'openid',
    });
    const answer = await browser.get(url.href);
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('location'), null);
    assert.match(answer.body, /redirect_uri/);
  });

  it('a wrong secret is invalid_client', async () => {
    const wrong = await oidc.discovery(
      new URL(issuer),
      'grafana',
      'not-the-secret',
      undefined,
      insecure,
    );
    await assert.rejects(oidc.clientCredentialsGrant(wrong), { error: 'invalid_client' });
  });

  it('a replayed code is invalid_grant', async () => {
    const { landed, verifier, state } = await signIn(confidential);
    await assert.rejects(
      oidc.authorizationCodeGrant(confidential, landed, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      }),
      { error: 'invalid_grant' },
    );
  });

  it('a user removed from the directory gets no refreshed tokens', async () => {
    const { tokens } = await signIn(confidential, "o'brien", 'late-night');
    await asRoot(slapd, (client) => client.del("uid=o'brien,ou=people,dc=example,dc=org"));
    await assert.rejects(oidc.refreshTokenGrant(confidential, tokens.refresh_token!), {
      error: 'invalid_grant',
    });
  });

  it('RP-initiated logout ends the provider session: the next authorization asks again', async () => {
    const { tokens, browser } = await signIn(confidential);
    const logout = oidc.buildEndSessionUrl(confidential, { id_token_hint: tokens.id_token! });
    const confirm = await browser.get(logout.href);
    assert.equal(confirm.status, 200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1];
    assert.ok(xsrf, 'the logout page has its xsrf field');
    const done = await browser.post(`${issuer}/oidc/logout/confirm`, { xsrf, logout: 'yes' });
    assert.ok(done.status === 303 || done.status === 200, String(done.status));
    const again = await browser.get(
      oidc.buildAuthorizationUrl(confidential, { redirect_uri: REDIRECT, scope: 'openid' }).href,
    );
    const form = await browser.get(new URL(again.headers.get('location')!, again.url).href);
    assert.match(form.body, /name="password"/, 'signed out: the form is shown again');
  });

  it('prompt=login asks for the password even with a provider session', async () => {
    const { browser } = await signIn(confidential);
    const url = oidc.buildAuthorizationUrl(confidential, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      prompt: 'login',
    });
    const first = await browser.get(url.href);
    const form = await browser.get(new URL(first.headers.get('location')!, first.url).href);
    assert.match(form.body, /name="password"/);
  });

  it('max_age: a session younger than it is reused, an older one asks for the password', async () => {
    const { browser } = await signIn(confidential);
    // Within max_age: the code comes back without the form (authorize fails if it is shown).
    const { landed } = await authorize(confidential, browser, undefined, { max_age: '3600' });
    assert.ok(landed.searchParams.get('code'), landed.href);
    // auth_time is in whole seconds: once the second of the sign-in has passed, max_age=0 is past.
    const signedInAt = Math.floor(Date.now() / 1000);
    while (Math.floor(Date.now() / 1000) === signedInAt) await delay(50);
    const url = oidc.buildAuthorizationUrl(confidential, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      max_age: '0',
    });
    const first = await browser.get(url.href);
    const form = await browser.get(new URL(first.headers.get('location')!, first.url).href);
    assert.match(form.body, /name="password"/);
  });

  it('a wrong password is answered on our page, and no code is issued', async () => {
    const browser = new OidcBrowser();
    const url = oidc.buildAuthorizationUrl(confidential, {
      redirect_uri: REDIRECT,
      scope: 'openid',
    });
    const refused = await browser.attempt(url, { username: 'alice', password: 'nope' });
    assert.equal(refused.status, 401);
    assert.match(refused.body, /The username or password is incorrect/);
  });

  it('a rotated refresh token ends when the first did: the chain never outlives the sign-in', async () => {
    const { tokens } = await signIn(confidential);
    const first = await oidc.tokenIntrospection(confidential, tokens.refresh_token!);
    // exp is in whole seconds: refresh once the second of the sign-in has passed, so a lifetime
    // counted again from the refresh would end later than the first.
    const issuedAt = Math.floor(Date.now() / 1000);
    while (Math.floor(Date.now() / 1000) === issuedAt) await delay(50);
    const rotated = await oidc.refreshTokenGrant(confidential, tokens.refresh_token!);
    const next = await oidc.tokenIntrospection(confidential, rotated.refresh_token!);
    assert.equal(next.active, true);
    assert.equal(next.exp, first.exp);
  });

  it("a person taken out of a client's allowed_groups gets no refreshed tokens or userinfo", async () => {
    const { tokens } = await signIn(adminsOnly);
    const admins = 'cn=admins,ou=groups,dc=example,dc=org';
    const members = (uid: string) =>
      new Change({
        operation: 'replace',
        modification: new Attribute({
          type: 'member',
          values: [`uid=${uid},ou=people,dc=example,dc=org`],
        }),
      });
    // groupOfNames needs a member: bob takes alice's place.
    await asRoot(slapd, (client) => client.modify(admins, members('bob')));
    try {
      await assert.rejects(oidc.refreshTokenGrant(adminsOnly, tokens.refresh_token!), {
        error: 'invalid_grant',
      });
      await assert.rejects(
        oidc.fetchUserInfo(adminsOnly, tokens.access_token, 'alice'),
        'userinfo refused',
      );
    } finally {
      await asRoot(slapd, (client) => client.modify(admins, members('alice')));
    }
    // Back in the group, the same kind of flow works again: the refusal was the group's.
    const again = await signIn(adminsOnly);
    assert.ok(await oidc.refreshTokenGrant(adminsOnly, again.tokens.refresh_token!));
  });
});

describe('OpenID Provider start-up', () => {
  it('HS256 is refused: clients verify ID tokens with a public key', async () => {
    const auth = createAuth({
      secretKey: 'a-secret-of-more-than-thirty-two-bytes-0123',
      ldap: { url: 'ldap://127.0.0.1:1', topDn: TOP_DN },
      oidc: { issuer: 'http://127.0.0.1:5000' },
    });
    await assert.rejects(serve(auth, { host: '127.0.0.1', port: 0 }), (error: unknown) => {
      assert.ok(error instanceof ConfigurationError);
      assert.match(error.message, /asymmetric/);
      return true;
    });
    await auth.close();
  });
});

async function freePortOf(): Promise<number> {
  const { freePort } = await import('../helpers/ports.js');
  return freePort();
}
