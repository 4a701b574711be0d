// One token, one spelling, in every way a request can present it: `Bearer <token>=` or a last
// character changed to a neighbour that decodes to the same bytes is a 401 (Bearer, flask's
// `Basic <token>:`, the session cookie, /auth/verify), while the genuine token goes on working.
// The standalone service over real HTTP, against the embedded directory.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '../../src/core/create-auth.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { Browser } from '../helpers/browser.js';
import { assertUnauthorized, call } from '../helpers/conformance-answers.js';
import {
  basic,
  conformanceOptions,
  startFixtureDirectory,
} from '../helpers/conformance-fixtures.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const COOKIE = 'ldap_token_auth';

/** Spellings of `token` that Node's lenient decoder reads as the same bytes. */
function variants(token: string): string[] {
  const signature = token.slice(token.lastIndexOf('.') + 1);
  const head = token.slice(0, token.length - signature.length);
  const last = ALPHABET.indexOf(signature.at(-1)!);
  // An HS256 signature is 32 bytes: 43 characters, the last one with 2 unused bits.
  assert.equal(signature.length % 4, 3);
  return [
    `${token}=`,
    `${token}==`,
    `${head}${signature.slice(0, -1)}${ALPHABET[last ^ 1]}`,
    `${head}${signature.slice(0, -1)}${ALPHABET[last ^ 3]}`,
    `${token.replace('.', '=.')}`,
  ];
}

describe('standalone service: only the canonical spelling of a token is accepted', () => {
  let directory: TestDirectory;
  let service: RunningService;
  let token: string;
  let tokenUrl: string;
  before(async () => {
    directory = await startFixtureDirectory();
    const options = conformanceOptions(directory.url).auth;
    service = await serve(
      createAuth({ ...options, browser: { enabled: true, cookieSecure: false } }),
      { host: '127.0.0.1', port: 0 },
    );
    tokenUrl = `${service.url}/auth/request-token`;
    // A session's token, from the sign-in form: a cookie holds only those (an API token in the
    // cookie is refused), and the other schemes accept it too.
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const signedIn = await browser.post('/auth/login', {
      csrf,
      username: 'alice',
      password: 'wonderland',
    });
    assert.equal(signedIn.status, 303, signedIn.body);
    token = browser.jar.get(COOKIE)!;
    assert.ok(token);
  });
  after(async () => {
    await service?.close();
    await directory?.close();
  });

  /** The protected route and /auth/verify, with `presented` in each of the three schemes. */
  async function statuses(presented: string): Promise<Record<string, number>> {
    const verifyWithCookie = await fetch(`${service.url}/auth/verify`, {
      headers: { accept: '*/*', cookie: `${COOKIE}=${presented}` },
      redirect: 'manual',
    });
    await verifyWithCookie.text();
    return {
      bearer: (await call(`${service.url}/`, { authorization: `Bearer ${presented}` })).status,
      basic: (await call(`${service.url}/`, { authorization: basic(presented, '') })).status,
      verifyBearer: (
        await call(`${service.url}/auth/verify`, { authorization: `Bearer ${presented}` })
      ).status,
      verifyCookie: verifyWithCookie.status,
    };
  }

  it('the genuine token is accepted in every scheme', async () => {
    assert.deepEqual(await statuses(token), {
      bearer: 200,
      basic: 200,
      verifyBearer: 200,
      verifyCookie: 200,
    });
  });

  it('each same-bytes variant is a 401 in every scheme, after the genuine one was cached', async () => {
    await statuses(token); // known to the verified-token cache from here on
    for (const variant of variants(token)) {
      assert.deepEqual(
        await statuses(variant),
        { bearer: 401, basic: 401, verifyBearer: 401, verifyCookie: 401 },
        variant,
      );
      assertUnauthorized(
        await call(`${service.url}/`, { authorization: `Bearer ${variant}` }),
        tokenUrl,
      );
    }
  });
});
