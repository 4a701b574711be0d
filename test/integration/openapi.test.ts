// The OpenAPI document served at /auth/openapi.json: valid OpenAPI 3.1, and true of the live
// service. Every answer provoked below is looked up in the document by path, method and status,
// and its documented headers and JSON body (ajv, JSON Schema 2020-12) are checked; at the end,
// every documented status must have been provoked, except the few listed with the reason.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createAuth } from '../../src/core/create-auth.js';
import { ACCOUNT_STATE_REASONS } from '../../src/errors.js';
import { TOKEN_ENDPOINTS } from '../../src/http/endpoints.js';
import { joinPath } from '../../src/http/location.js';
import { openApiDocument, SERVICE_PATHS } from '../../src/server/openapi.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { Browser } from '../helpers/browser.js';
import { call } from '../helpers/conformance-answers.js';
import {
  basic,
  conformanceOptions,
  startFixtureDirectory,
} from '../helpers/conformance-fixtures.js';
import { OpenApiChecker, type Reply, send as request } from '../helpers/openapi-checker.js';
import { freePort } from '../helpers/ports.js';

type Json = Record<string, unknown>;
/** Browser sign-in as the suite runs it: plain-http cookies, so their names have no `__Host-`. */
const BROWSER = {
  enabled: true,
  cookieSecure: false,
  allowedRedirectHosts: ['app.example.org'],
} as const;
const SEED = {
  error: 'unauthorized',
  message: 'Please authenticate with a valid token',
  status: 401,
};

/** Documented answers that this suite cannot provoke, and where they are tested instead. */
const NOT_PROVOKED: Record<string, string> = {
  'POST /auth/revoke 503': 'Redis down with STORE_FAILURE=closed: test/interop/stores.test.ts',
  'GET /auth/verify 503': 'Redis down with revocation on: test/interop/stores.test.ts',
};

describe('OpenAPI document of the standalone service', () => {
  let directory: TestDirectory;
  let service: RunningService;
  let dead: RunningService;
  let document: Json;
  let checker: OpenApiChecker;

  before(async () => {
    directory = await startFixtureDirectory();
    const options = conformanceOptions(directory.url).auth;
    service = await serve(
      createAuth({
        ...options,
        revocation: { enabled: true },
        loginLimits: { perUsername: { failures: 2 } },
        browser: BROWSER,
      }),
      { host: '127.0.0.1', port: 0 },
    );
    const closed = `ldap://127.0.0.1:${await freePort()}`;
    dead = await serve(createAuth({ ...conformanceOptions(closed).auth, browser: BROWSER }), {
      host: '127.0.0.1',
      port: 0,
    });
    const served = await call(`${service.url}/auth/openapi.json`);
    assert.equal(served.status, 200);
    document = JSON.parse(served.body) as Json;
    checker = new OpenApiChecker(document);
  });
  after(async () => {
    await Promise.all([service?.close(), dead?.close()]);
    await directory?.close();
  });

  const conforms = (answer: Reply, path: string, method?: string) =>
    checker.conforms(answer, path, method);

  const post = (base: string, path: string, authorization?: string, query = '') =>
    call(`${base}${path}${query}`, { method: 'POST', authorization });
  const get = (base: string, path: string, authorization?: string, query = '') =>
    call(`${base}${path}${query}`, { authorization });

  const send = (
    base: string,
    path: string,
    method: string,
    headers?: Record<string, string>,
    body?: string,
  ) => request(`${base}${path}`, method, headers, body);

  /** Signs `browser` in as alice through the form (its page first, for the CSRF token). */
  async function signIn(browser: Browser, rd?: string) {
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    const form = { csrf, username: 'alice', password: 'wonderland', ...(rd ? { rd } : {}) };
    const answer = await browser.post('/auth/login', form);
    assert.equal(answer.status, 303, answer.body);
    conforms({ ...answer, method: 'POST' }, '/auth/login');
    return answer;
  }

  async function tokenFor(username = 'alice', password = 'wonderland'): Promise<string> {
    const answer = await post(service.url, '/auth/request-token', basic(username, password));
    conforms(answer, '/auth/request-token');
    return (JSON.parse(answer.body) as { access_token: string }).access_token;
  }

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(document.openapi, '3.1.0');
  });

  it("lists the 401's reasons as ACCOUNT_STATE_REASONS has them", () => {
    const problem = ((document.components as Json).schemas as Record<string, Json>).Problem!;
    const reason = (problem.properties as Record<string, Json>).reason!;
    assert.deepEqual(reason.enum, [...ACCOUNT_STATE_REASONS]);
    assert.ok(checker.schema('Problem')({ ...SEED, reason: 'account_locked' }));
    assert.ok(!checker.schema('Problem')({ ...SEED, reason: 'feeling_unlucky' }));
  });

  it('lists every token endpoint of TOKEN_ENDPOINTS and every service path, at the mount', () => {
    const paths = Object.keys(openApiDocument({ mount: '/sso' }).paths as Json);
    for (const endpoint of TOKEN_ENDPOINTS) {
      assert.ok(paths.includes(joinPath('/sso', endpoint.route)), endpoint.route);
    }
    for (const { path } of SERVICE_PATHS) assert.ok(paths.includes(path('/sso')), path('/sso'));
    assert.equal(paths.length, TOKEN_ENDPOINTS.length + SERVICE_PATHS.length);
    const browser = { cookieName: 'sso', cookieSecure: true };
    const withSignIn = Object.keys(openApiDocument({ mount: '/sso', browser }).paths as Json);
    assert.deepEqual(withSignIn, [...paths, '/sso/login', '/sso/logout']);
  });

  it('describes browser sign-in only where it is served: the choice of each running service', async () => {
    // Served with LOGIN_PAGE=true: the routes, the cookie (its configured name), and /verify's
    // redirect and ?browser=401; each operation says it exists only with LOGIN_PAGE=true.
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const path of ['/auth/login', '/auth/logout']) {
      const operations = Object.values(paths[path]!).filter((value) => typeof value === 'object');
      assert.ok(operations.length >= 2, path);
      for (const operation of operations) {
        assert.match(String(operation.description), /LOGIN_PAGE=true/, path);
      }
    }
    const verify = paths['/auth/verify']!.get!;
    assert.match(String(verify.description), /LOGIN_PAGE=true/);
    assert.ok((verify.responses as Json)['302']);
    assert.ok((verify.parameters as Json[]).some((parameter) => parameter.name === 'browser'));
    assert.deepEqual((verify.security as Json[]).at(-1), { sessionCookie: [] });
    const schemes = (document.components as Json).securitySchemes as Record<string, Json>;
    assert.deepEqual(
      { type: schemes.sessionCookie?.type, in: schemes.sessionCookie?.in },
      { type: 'apiKey', in: 'cookie' },
    );
    assert.equal(schemes.sessionCookie?.name, 'ldap_token_auth', 'the default COOKIE_NAME');
    assert.match(String(schemes.sessionCookie?.description), /default `ldap_token_auth`/);

    // Without it (the default): no sign-in route, in the document or on the wire.
    const plain = await serve(createAuth(conformanceOptions(directory.url).auth), {
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const served = JSON.parse((await call(`${plain.url}/auth/openapi.json`)).body) as Json;
      const plainPaths = served.paths as Record<string, Record<string, Json>>;
      assert.equal(plainPaths['/auth/login'], undefined);
      assert.equal(plainPaths['/auth/logout'], undefined);
      assert.equal((await call(`${plain.url}/auth/login`)).status, 404);
      const plainVerify = plainPaths['/auth/verify']!.get!;
      assert.equal((plainVerify.responses as Json)['302'], undefined);
      assert.doesNotMatch(JSON.stringify(served), /sessionCookie|LOGIN_PAGE|browser=401/);
      // With a cookie name of its own, the document names that cookie.
      // Secure without a Domain, the session cookie is __Host- prefixed as well.
      const custom = openApiDocument({ browser: { cookieName: 'sso', cookieSecure: true } });
      const customSchemes = (custom.components as Json).securitySchemes as Record<string, Json>;
      assert.equal(customSchemes.sessionCookie?.name, '__Host-sso');
      assert.match(JSON.stringify(custom), /__Host-sso_csrf/);
      const shared = openApiDocument({
        browser: { cookieName: 'sso', cookieSecure: true, cookieDomain: 'example.org' },
      });
      const sharedSchemes = (shared.components as Json).securitySchemes as Record<string, Json>;
      assert.equal(sharedSchemes.sessionCookie?.name, 'sso');
    } finally {
      await plain.close();
    }
  });

  it('request-token: 200, 400, 401, 405, 429 and 503 as documented', async () => {
    await tokenFor();
    const path = '/auth/request-token';
    conforms(
      await post(service.url, path, basic('alice', 'wonderland'), '?token_duration=abc'),
      path,
    );
    conforms(await post(service.url, path, basic('alice', 'wrong')), path);
    conforms(await post(service.url, path), path);
    conforms(await get(service.url, path), path);
    const bob = basic('bob', 'wrong');
    const answers = [];
    for (let attempt = 0; attempt < 3; attempt++) answers.push(await post(service.url, path, bob));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [401, 401, 429],
    );
    for (const answer of answers) conforms(answer, path);
    conforms(await post(dead.url, path, basic('alice', 'wonderland')), path);
  });

  it('refresh and revoke: 200, 400, 401, 404, 405, 503', async () => {
    const token = await tokenFor();
    // The 400 first: with revocation on, a successful refresh revokes the token it was given.
    conforms(
      await post(service.url, '/auth/refresh', `Bearer ${token}`, '?token_duration=0'),
      '/auth/refresh',
    );
    conforms(await post(service.url, '/auth/refresh', `Bearer ${token}`), '/auth/refresh');
    conforms(await post(service.url, '/auth/refresh'), '/auth/refresh');
    conforms(await get(service.url, '/auth/refresh'), '/auth/refresh');
    // The dead service shares the secret: the token is valid there, the directory is not.
    conforms(await post(dead.url, '/auth/refresh', `Bearer ${token}`), '/auth/refresh');

    const doomed = await tokenFor();
    conforms(await post(service.url, '/auth/revoke', `Bearer ${doomed}`), '/auth/revoke');
    conforms(await post(service.url, '/auth/revoke', `Bearer ${doomed}`), '/auth/revoke');
    conforms(await get(service.url, '/auth/revoke'), '/auth/revoke');
    conforms(await post(dead.url, '/auth/revoke', `Bearer ${token}`), '/auth/revoke');
  });

  it('verify, the hello app, JWKS, health, readiness, metrics and the document itself', async () => {
    const token = await tokenFor();
    const bearer = `Bearer ${token}`;
    conforms(await get(service.url, '/auth/verify', bearer), '/auth/verify');
    conforms(await get(service.url, '/auth/verify', bearer, '?groups=admins'), '/auth/verify');
    conforms(await get(service.url, '/auth/verify'), '/auth/verify');
    conforms(await get(service.url, '/', bearer), '/');
    conforms(await get(service.url, '/'), '/');
    conforms(await get(service.url, '/public'), '/public');
    for (const path of ['/auth/jwks.json', '/.well-known/jwks.json']) {
      conforms(await get(service.url, path), path);
    }
    conforms(await post(service.url, '/auth/jwks.json'), '/auth/jwks.json');
    // With an asymmetric key the set is not empty: its members are checked too.
    const { privateKey } = generateKeyPairSync('ed25519');
    const signingKey = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const { secretKey: _, ...options } = conformanceOptions(directory.url).auth;
    const eddsa = await serve(
      createAuth({ ...options, token: { ...options.token, algorithm: 'EdDSA', signingKey } }),
      { host: '127.0.0.1', port: 0 },
    );
    try {
      const jwks = await get(eddsa.url, '/.well-known/jwks.json');
      assert.equal((JSON.parse(jwks.body) as { keys: unknown[] }).keys.length, 1);
      conforms(jwks, '/.well-known/jwks.json');
    } finally {
      await eddsa.close();
    }
    conforms(await get(service.url, '/healthz'), '/healthz');
    conforms(await get(service.url, '/readyz'), '/readyz');
    conforms(await get(dead.url, '/readyz'), '/readyz');
    conforms(await get(service.url, '/metrics'), '/metrics');
    conforms(await get(service.url, '/auth/openapi.json'), '/auth/openapi.json');
  });

  it('sign-in page: 200 and 302, for GET and HEAD; 405 for other methods', async () => {
    const login = '/auth/login';
    const browser = new Browser(service.url);
    const page = await browser.get(login);
    assert.ok(page.headers.get('set-cookie'), 'a first visit sets the CSRF cookie');
    conforms(page, login);
    conforms({ ...(await browser.get(login, {}, 'HEAD')), method: 'HEAD' }, login);
    conforms(await send(service.url, login, 'PUT'), login);
    await signIn(browser, '/app/');
    const onward = await browser.get(`${login}?rd=%2Fapp%2F`);
    assert.equal(onward.headers.get('location'), '/app/');
    conforms(onward, login);
    const head = await browser.get(`${login}?rd=%2Fapp%2F`, {}, 'HEAD');
    conforms({ ...head, method: 'HEAD' }, login);
    const signedIn = await browser.get(login);
    assert.match(signedIn.body, /signed in as <strong>alice</);
    conforms(signedIn, login);
  });

  it('sign-in form: 303, 400, 401, 403, 413, 415, 429 and 503 as documented', async () => {
    const login = '/auth/login';
    const browser = new Browser(service.url);
    let csrf = Browser.csrfOf((await browser.get(login)).body);
    const tried = async (form: Record<string, string>, headers: Record<string, string> = {}) => {
      const answer = await browser.post(login, form, headers);
      conforms({ ...answer, method: 'POST' }, login);
      return answer;
    };
    assert.equal((await tried({ csrf, username: 'alice', password: '' })).status, 400);
    const wrong = await tried({ csrf, username: "o'brien", password: 'not-it' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), null, 'no Basic prompt');
    const forged = { csrf, username: 'alice', password: 'wonderland' };
    const refused = await tried(forged, { origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    // A refusal sets a new CSRF cookie; the page carries the new token.
    csrf = Browser.csrfOf(refused.body);
    // Two failures for jozef, then the per-username limit of this service.
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await tried({ csrf, username: 'jozef', password: 'wrong' })).status);
    }
    assert.deepEqual(statuses, [401, 401, 429]);
    const form = 'application/x-www-form-urlencoded';
    conforms(await send(service.url, login, 'POST', { 'content-type': 'application/json' }), login);
    conforms(
      await send(service.url, login, 'POST', { 'content-type': form }, 'x'.repeat(20_000)),
      login,
    );
    assert.equal((await signIn(browser)).status, 303);
    const down = new Browser(dead.url);
    const downCsrf = Browser.csrfOf((await down.get(login)).body);
    const unavailable = await down.post(login, { ...forged, csrf: downCsrf });
    assert.equal(unavailable.status, 503);
    conforms({ ...unavailable, method: 'POST' }, login);
  });

  it('sign-out: 303 clearing the cookie, 403, 405, 413, 415', async () => {
    const logout = '/auth/logout';
    const browser = new Browser(service.url);
    const csrf = Browser.csrfOf((await browser.get('/auth/login')).body);
    await signIn(browser);
    const forged = await browser.post(logout, { csrf }, { origin: 'https://evil.example' });
    conforms({ ...forged, method: 'POST' }, logout);
    assert.ok(browser.jar.has('ldap_token_auth'), 'a refused sign-out keeps the session');
    const fresh = Browser.csrfOf(forged.body);
    const signedOut = await browser.post(logout, { csrf: fresh });
    assert.equal(signedOut.status, 303);
    conforms({ ...signedOut, method: 'POST' }, logout);
    assert.equal(browser.jar.has('ldap_token_auth'), false);
    conforms(await send(service.url, logout, 'GET'), logout);
    conforms(await send(service.url, logout, 'POST', { 'content-type': 'text/plain' }), logout);
    const huge = `csrf=${'x'.repeat(20_000)}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    conforms(await send(service.url, logout, 'POST', form, huge), logout);
  });

  it('verify with browser sign-in: the cookie admits, browsers go to the page (302, ?browser=401)', async () => {
    const verify = '/auth/verify';
    const browser = new Browser(service.url);
    await signIn(browser);
    const admitted = await browser.get(verify);
    assert.equal(admitted.headers.get('x-auth-user'), 'alice');
    conforms(admitted, verify);
    const stranger = new Browser(service.url);
    const original = { 'x-original-url': 'https://app.example.org/app/?q=1' };
    const redirected = await stranger.get(verify, original);
    assert.equal(redirected.status, 302);
    assert.equal(
      redirected.headers.get('location'),
      `/auth/login?rd=${encodeURIComponent('https://app.example.org/app/?q=1')}`,
    );
    conforms(redirected, verify);
    const nginx = await stranger.get(`${verify}?browser=401`, original);
    assert.equal(nginx.status, 401);
    assert.equal(nginx.headers.get('www-authenticate'), null, 'no Basic prompt in a browser');
    assert.match(nginx.headers.get('location') ?? '', /^\/auth\/login\?rd=/);
    conforms(nginx, verify);
    // An API client at the same URL keeps the seed's 401, pointing at the token endpoint.
    const api = await get(service.url, verify, undefined, '?browser=401');
    assert.ok(api.headers.get('www-authenticate'));
    conforms(api, verify);
  });

  it('every documented status was provoked above (or is listed with where it is tested)', () => {
    const documented = checker.documented();
    const missing = documented.filter((key) => !checker.provoked.has(key) && !NOT_PROVOKED[key]);
    assert.deepEqual(missing, []);
    for (const key of Object.keys(NOT_PROVOKED)) assert.ok(documented.includes(key), key);
  });
});
