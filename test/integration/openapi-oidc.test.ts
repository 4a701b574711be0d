// The OpenID Connect provider in the OpenAPI document: a valid OpenAPI 3.1 document with the
// provider's endpoints under the issuer URL's path when OIDC_ISSUER is set, and none of them
// when it is not; and true of the live provider: each answer provoked below (a whole code flow
// through our sign-in form, and the refusals) is checked against the document served.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createAuth } from '../../src/core/create-auth.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { type RunningService, serve } from '../../src/server/serve.js';
import type { TestDirectory } from '../../src/testing/index.js';
import { conformanceOptions, startFixtureDirectory } from '../helpers/conformance-fixtures.js';
import { OidcBrowser, type Page } from '../helpers/oidc-browser.js';
import { OpenApiChecker, send } from '../helpers/openapi-checker.js';
import { freePort } from '../helpers/ports.js';

type Json = Record<string, unknown>;

const ROUTES = [
  '/.well-known/openid-configuration',
  '/oidc/authorize',
  '/oidc/interaction/{uid}',
  '/oidc/token',
  '/oidc/userinfo',
  '/oidc/jwks',
  '/oidc/introspect',
  '/oidc/revoke',
  '/oidc/logout',
  '/oidc/logout/confirm',
  '/oidc/logout/success',
];

const pathsOf = (document: Json) => Object.keys(document.paths as Json);

describe('OpenAPI document: the OpenID Connect provider', () => {
  it('is a valid OpenAPI 3.1 document with the provider on, with browser sign-in or without', async () => {
    const browser = { cookieName: 'sso', cookieSecure: true };
    for (const document of [
      openApiDocument({ oidcIssuer: 'https://sso.example.org' }),
      openApiDocument({ oidcIssuer: 'https://sso.example.org/idp', browser }),
    ]) {
      const result = await new Validator().validate(structuredClone(document));
      assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    }
  });

  it("lists every provider route under the issuer URL's path, beside the service's own", () => {
    const plain = pathsOf(openApiDocument());
    const atRoot = pathsOf(openApiDocument({ oidcIssuer: 'https://sso.example.org' }));
    assert.deepEqual(atRoot, [...plain, ...ROUTES]);
    const underIdp = pathsOf(openApiDocument({ oidcIssuer: 'https://sso.example.org/idp' }));
    assert.deepEqual(underIdp, [...plain, ...ROUTES.map((route) => `/idp${route}`)]);
  });

  it('describes no provider route, scheme or schema while OIDC_ISSUER is unset', () => {
    const text = JSON.stringify(openApiDocument());
    assert.doesNotMatch(text, /oidc|openid|OIDC_ISSUER/i);
  });

  it('says on every operation that it is served only with OIDC_ISSUER set', () => {
    const document = openApiDocument({ oidcIssuer: 'https://sso.example.org' });
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const route of ROUTES) {
      const operations = Object.values(paths[route]!).filter((value) => 'responses' in value);
      assert.ok(operations.length >= 1, route);
      for (const operation of operations) {
        assert.match(String(operation.description), /OIDC_ISSUER set/, route);
      }
    }
  });
});

/** Documented answers this suite does not provoke, and where they are tested instead. */
const NOT_PROVOKED = new Set([
  // Directory down: test/integration/oidc-provider.test.ts; too many failures: the login limits.
  'POST /idp/oidc/token 503',
  'GET /idp/oidc/userinfo 503',
  'POST /idp/oidc/userinfo 503',
  'POST /idp/oidc/interaction/{uid} 429',
  'POST /idp/oidc/interaction/{uid} 503',
  'POST /idp/oidc/interaction/{uid} 413',
  // Plain http where cookies are Secure: the browser sign-in's own tests (https-required).
  'GET /idp/oidc/interaction/{uid} 403',
  // A consent step: only with prompt=consent.
  'GET /idp/oidc/interaction/{uid} 303',
]);

describe('OpenAPI document: true of the live provider', () => {
  const REDIRECT = 'https://app.example.org/callback';
  const SECRET = 'openapi-client-secret-0123456789';
  let directory: TestDirectory;
  let service: RunningService;
  let issuer: string;
  let checker: OpenApiChecker;
  const basicClient = (secret = SECRET) =>
    `Basic ${Buffer.from(`app:${secret}`).toString('base64')}`;
  const form = (fields: Record<string, string>, authorization = basicClient()) => ({
    authorization,
    'content-type': 'application/x-www-form-urlencoded',
    body: new URLSearchParams(fields).toString(),
  });
  /** POSTs a form to the provider and checks the answer against the document. */
  async function posted(route: string, headers: ReturnType<typeof form>) {
    const { body, ...rest } = headers;
    const answer = await send(`${issuer}${route}`, 'POST', rest, body);
    checker.conforms(answer, `/idp${route}`);
    return answer;
  }
  async function got(route: string, headers: Record<string, string> = {}) {
    const answer = await send(`${issuer}${route}`, 'GET', headers);
    checker.conforms(answer, `/idp${route.split('?')[0]}`);
    return answer;
  }
  /** The browser's page, checked as the document's `template` path. */
  const seen = (page: Page, method: string, template: string) =>
    checker.conforms({ ...page, method }, template);

  before(async () => {
    directory = await startFixtureDirectory();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}/idp`;
    const { secretKey: _, ...options } = conformanceOptions(directory.url).auth;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signingKey = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const clients = [
      {
        client_id: 'app',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'] as const,
      },
    ];
    service = await serve(
      createAuth({
        ...options,
        token: { ...options.token, algorithm: 'ES256', signingKey },
        browser: { cookieSecure: false },
        oidc: { issuer, clients },
      }),
      { host: '127.0.0.1', port },
    );
    const served = await send(`${service.url}/auth/openapi.json`, 'GET');
    checker = new OpenApiChecker(JSON.parse(served.body) as Json);
  });
  after(async () => {
    await service?.close();
    await directory?.close();
  });

  it('the code flow through our sign-in form, then userinfo, introspection, revocation', async () => {
    await got('/.well-known/openid-configuration');
    await got('/oidc/jwks');
    const verifier = randomBytes(32).toString('base64url');
    const start = new URL(`${issuer}/oidc/authorize`);
    start.search = new URLSearchParams({
      client_id: 'app',
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid profile email groups',
      state: 'some-state',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const browser = new OidcBrowser();
    const authorize = await browser.get(start.href);
    seen(authorize, 'GET', '/idp/oidc/authorize');
    const formUrl = new URL(authorize.headers.get('location')!, issuer).href;
    const template = '/idp/oidc/interaction/{uid}';
    const page = await browser.get(formUrl);
    seen(page, 'GET', template);
    // Without the CSRF field: refused, and a new CSRF cookie set, so the form is read again.
    seen(await browser.post(formUrl, { username: 'a', password: 'b' }), 'POST', template);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.get(formUrl)).body)![1]!;
    const post = (fields: Record<string, string>) => browser.post(formUrl, { csrf, ...fields });
    seen(await post({ username: 'alice', password: 'wrong' }), 'POST', template);
    seen(await post({ username: 'alice', password: '' }), 'POST', template);
    const signedIn = await post({ username: 'alice', password: 'wonderland' });
    seen(signedIn, 'POST', template);
    // Through the provider's resume to the client, which is not fetched.
    let location = signedIn.headers.get('location') ?? '';
    for (let hop = 0; hop < 5 && !location.startsWith(REDIRECT); hop++) {
      const next = await browser.get(new URL(location, issuer).href);
      location = next.headers.get('location') ?? `none: ${next.status}`;
    }
    const code = new URL(location).searchParams.get('code')!;
    assert.ok(code, location);

    const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT };
    const tokens = JSON.parse(
      (await posted('/oidc/token', form({ ...exchange, code_verifier: verifier }))).body,
    ) as { access_token: string; refresh_token: string; id_token: string };
    // A code that was never issued (a replayed one would revoke the grant's tokens as well).
    await posted(
      '/oidc/token',
      form({ ...exchange, code: 'never-issued', code_verifier: verifier }),
    );
    await posted('/oidc/token', form({ grant_type: 'client_credentials' }, basicClient('wrong')));
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    const claims = JSON.parse((await got('/oidc/userinfo', bearer)).body) as Json;
    assert.equal(claims.preferred_username, 'alice', JSON.stringify(claims));
    checker.conforms(await send(`${issuer}/oidc/userinfo`, 'POST', bearer), '/idp/oidc/userinfo');
    await got('/oidc/userinfo');
    checker.conforms(await send(`${issuer}/oidc/userinfo`, 'POST'), '/idp/oidc/userinfo');
    await posted('/oidc/introspect', form({ token: tokens.access_token }));
    await posted('/oidc/introspect', form({}));
    await posted('/oidc/introspect', form({ token: tokens.access_token }, basicClient('wrong')));
    await posted('/oidc/revoke', form({ token: tokens.refresh_token }));
    await posted('/oidc/revoke', form({}));
    await posted('/oidc/revoke', form({ token: tokens.refresh_token }, basicClient('wrong')));

    // RP-initiated logout: the page that confirms, the confirmation, the signed-out page.
    const logout = new URL(`${issuer}/oidc/logout`);
    logout.searchParams.set('id_token_hint', tokens.id_token);
    logout.searchParams.set('post_logout_redirect_uri', REDIRECT);
    const confirming = await browser.get(logout.href);
    seen(confirming, 'GET', '/idp/oidc/logout');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirming.body)![1]!;
    const confirm = `${issuer}/oidc/logout/confirm`;
    const done = await browser.post(confirm, { xsrf, logout: 'yes' });
    seen(done, 'POST', '/idp/oidc/logout/confirm');
    assert.equal(done.headers.get('location'), REDIRECT);
  });

  it('the refusals: an unknown client, a bad hint, a stale form, a wrong media type', async () => {
    await got('/oidc/authorize?client_id=nobody&response_type=code&scope=openid');
    await got('/oidc/logout?id_token_hint=not-a-token');
    const stale = new OidcBrowser();
    seen(await stale.get(`${issuer}/oidc/interaction/gone`), 'GET', '/idp/oidc/interaction/{uid}');
    const template = '/idp/oidc/interaction/{uid}';
    seen(await stale.post(`${issuer}/oidc/interaction/gone`, { csrf: 'x' }), 'POST', template);
    const text = await send(`${issuer}/oidc/interaction/gone`, 'POST', {
      'content-type': 'text/plain',
    });
    checker.conforms(text, template);
    await posted('/oidc/logout/confirm', form({ xsrf: 'none' }, ''));
    const loggedOut = await send(`${issuer}/oidc/logout/success`, 'GET');
    checker.conforms(loggedOut, '/idp/oidc/logout/success');
  });

  it('every documented answer was provoked, but those tested elsewhere', () => {
    const missing = checker
      .documented()
      .filter((answer) => answer.includes('/idp/') || answer.includes('openid'))
      .filter((answer) => !checker.provoked.has(answer) && !NOT_PROVOKED.has(answer));
    assert.deepEqual(missing, []);
  });
});
