// The OpenID Provider on two `ldap-token-auth serve` processes sharing one real redis-server and
// a real slapd, driven by openid-client (a certified relying party): a code issued through one
// instance is redeemed at the other, a refresh token used twice is refused at the second use on
// either instance (and the grant goes with it), one code sent to both at once is redeemed once,
// and a token revoked at one introspects inactive at the other.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import { ENVIRONMENT } from '../../src/options/from-env.js';
import { Browser } from '../helpers/browser.js';
import { authorize } from '../helpers/oidc-sign-in.js';
import { freePort } from '../helpers/ports.js';
import { type ManagedProcess, startProcess } from '../helpers/process.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { type SlapdServer, startSlapd } from '../helpers/slapd.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = { id: 'webapp', secret: 'webapp-secret', redirect: 'http://127.0.0.1:1/callback' };
const ALICE = { username: 'alice', password: 'wonderland' };

interface Instance {
  process: ManagedProcess;
  url: string;
  /** openid-client's configuration with every endpoint at this instance. */
  config: oidc.Configuration;
}

async function startInstance(
  name: string,
  port: number,
  env: Record<string, string>,
): Promise<ManagedProcess> {
  const cleared: Record<string, string> = { NODE_TEST_CONTEXT: '' };
  for (const variable of ENVIRONMENT) cleared[variable.name] = '';
  return startProcess({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port)],
    cwd: ROOT,
    env: { ...cleared, ...env },
    ready: { port },
  });
}

/** The configuration discovered from the issuer, with its endpoints moved to `origin`. */
function configAt(discovered: oidc.Configuration, origin: string): oidc.Configuration {
  const moved: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(discovered.serverMetadata())) {
    moved[field] =
      typeof value === 'string' && field.endsWith('endpoint')
        ? `${origin}${new URL(value).pathname}`
        : value;
  }
  const config = new oidc.Configuration(
    moved as unknown as oidc.ServerMetadata,
    CLIENT.id,
    undefined,
    oidc.ClientSecretBasic(CLIENT.secret),
  );
  oidc.allowInsecureRequests(config);
  return config;
}

describe('OpenID Connect across two serve processes sharing Redis', () => {
  let slapd: SlapdServer;
  let redis: RedisServer;
  let dir: string;
  let a: Instance;
  let b: Instance;

  before(async () => {
    [slapd, redis] = await Promise.all([startSlapd(), startRedis()]);
    dir = await mkdtemp(join(tmpdir(), 'lta-oidc-instances-'));
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(join(dir, 'signing.pem'), key);
    await writeFile(
      join(dir, 'clients.json'),
      JSON.stringify([
        { client_id: CLIENT.id, client_secret: CLIENT.secret, redirect_uris: [CLIENT.redirect] },
      ]),
    );
    const [portA, portB] = [await freePort(), await freePort()];
    // One issuer for both, as behind a load balancer; each test talks to each instance directly.
    const issuer = `http://127.0.0.1:${portA}`;
    const env = {
      LDAP_AUTH_SERVER: slapd.url,
      LDAP_TOP_DN: 'ou=people,dc=example,dc=org',
      TOKEN_ALGORITHM: 'EdDSA',
      TOKEN_SIGNING_KEY_FILE: join(dir, 'signing.pem'),
      REDIS_URL: redis.url,
      OIDC_ISSUER: issuer,
      OIDC_CLIENTS_FILE: join(dir, 'clients.json'),
      COOKIE_SECURE: 'false',
      LOG_LEVEL: 'warn',
    };
    const [processA, processB] = await Promise.all([
      startInstance('oidc-a', portA, env),
      startInstance('oidc-b', portB, env),
    ]);
    const discovered = await oidc.discovery(
      new URL(issuer),
      CLIENT.id,
      undefined,
      oidc.ClientSecretBasic(CLIENT.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    const instance = (process_: ManagedProcess, port: number) => {
      const url = `http://127.0.0.1:${port}`;
      return { process: process_, url, config: configAt(discovered, url) };
    };
    [a, b] = [instance(processA, portA), instance(processB, portB)];
  });
  after(async () => {
    await Promise.all([a?.process.stop(), b?.process.stop()]);
    await redis?.stop();
    await slapd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Signs alice in through `at` and returns the callback URL with its code, and the checks. */
  async function codeFrom(at: Instance) {
    const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
    const expectedState = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(at.config, {
      redirect_uri: CLIENT.redirect,
      scope: 'openid profile email groups offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
      code_challenge_method: 'S256',
      state: expectedState,
      prompt: 'consent',
    });
    const callback = await authorize(new Browser(at.url), url, CLIENT.redirect, ALICE);
    assert.ok(callback.searchParams.get('code'), `no code: ${callback}`);
    return { callback, checks: { pkceCodeVerifier, expectedState } };
  }

  const redeem = async (at: Instance, from: Awaited<ReturnType<typeof codeFrom>>) =>
    oidc.authorizationCodeGrant(at.config, from.callback, from.checks);

  const refusedAs = async (promise: Promise<unknown>, error: string) =>
    assert.rejects(promise, (thrown: { error?: string }) => {
      assert.equal(thrown.error, error, String(thrown));
      return true;
    });

  it('a code issued through A is redeemed at B, and refused when replayed at A', async () => {
    const code = await codeFrom(a);
    const tokens = await redeem(b, code);
    const claims = tokens.claims();
    assert.equal(claims?.preferred_username, 'alice');
    assert.ok(tokens.refresh_token, 'a refresh token (offline_access)');
    const userinfo = await oidc.fetchUserInfo(a.config, tokens.access_token, claims!.sub);
    assert.equal(userinfo.preferred_username, 'alice');
    await refusedAs(redeem(a, code), 'invalid_grant');
  });

  for (const [first, second] of [
    ['A', 'B'],
    ['B', 'A'],
  ] as const) {
    it(`a refresh token used at ${first} and again at ${second} is refused, the grant with it`, async () => {
      const at = { A: a, B: b };
      const tokens = await redeem(a, await codeFrom(a));
      const rotated = await oidc.refreshTokenGrant(at[first].config, tokens.refresh_token!);
      assert.ok(rotated.refresh_token && rotated.refresh_token !== tokens.refresh_token);
      await refusedAs(
        oidc.refreshTokenGrant(at[second].config, tokens.refresh_token!),
        'invalid_grant',
      );
      // The reuse revoked the grant: the rotated refresh token is dead on both instances too.
      await refusedAs(
        oidc.refreshTokenGrant(at[first].config, rotated.refresh_token!),
        'invalid_grant',
      );
      const active = await oidc.tokenIntrospection(at[first].config, rotated.access_token);
      assert.equal(active.active, false);
    });
  }

  it('one code sent to A and B at the same moment is redeemed once', async () => {
    const code = await codeFrom(b);
    const results = await Promise.allSettled([redeem(a, code), redeem(b, code)]);
    const redeemed = results.filter((result) => result.status === 'fulfilled');
    assert.equal(redeemed.length, 1, JSON.stringify(results.map((result) => result.status)));
    const refused = results.find((result) => result.status === 'rejected');
    assert.equal((refused?.reason as { error?: string } | undefined)?.error, 'invalid_grant');
  });

  it('a token revoked at A introspects inactive at B', async () => {
    const tokens = await redeem(b, await codeFrom(a));
    assert.equal((await oidc.tokenIntrospection(a.config, tokens.refresh_token!)).active, true);
    assert.equal((await oidc.tokenIntrospection(b.config, tokens.access_token)).active, true);
    await oidc.tokenRevocation(a.config, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(b.config, tokens.access_token)).active, false);
    // oidc-provider revokes every token of the grant with it, the refresh token included.
    assert.equal((await oidc.tokenIntrospection(b.config, tokens.refresh_token!)).active, false);
    await refusedAs(oidc.refreshTokenGrant(b.config, tokens.refresh_token!), 'invalid_grant');
  });
});
