// The OpenID Connect provider in the OpenAPI document: a valid OpenAPI 3.1 document with the
// provider's endpoints under the issuer URL's path when OIDC_ISSUER is set, and none of them
// when it is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from '../../src/server/openapi.js';

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
