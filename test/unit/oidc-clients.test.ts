// The OpenID Connect clients file and the issuer rule: strict parsing, errors naming the file,
// the client and the field, and JSON and YAML read alike.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { ConfigurationError } from '../../src/errors.js';
import { parseOidcClients, type ResolvedOidcClient } from '../../src/oidc/clients.js';
import { canonicalIssuer, issuerPath, issuerProblem } from '../../src/oidc/issuer.js';

const SOURCE = '/etc/ldap-token-auth/clients.yaml';
const KNOWN_FIELDS = [
  'client_id',
  'client_secret',
  'redirect_uris',
  'post_logout_redirect_uris',
  'grant_types',
  'response_types',
  'token_endpoint_auth_method',
  'scope',
  'allowed_groups',
];

function refusal(text: string, ...expected: string[]): void {
  assert.throws(
    () => parseOidcClients(text, SOURCE),
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, String(error));
      for (const part of [SOURCE, ...expected])
        assert.match(error.message, new RegExp(escaped(part)));
      return true;
    },
  );
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const uri = fc
  .tuple(fc.constantFrom('https', 'http', 'com.example.app'), word, word)
  .map(([scheme, host, path]) => `${scheme}://${host}.example/${path}`)
  // A label such as `xn--` is no host a URL parser accepts (invalid punycode): not a valid URI.
  .filter((text) => URL.canParse(text));
const scopes = fc
  .subarray(['openid', 'profile', 'email', 'groups', 'offline_access'], { minLength: 1 })
  .map((names) => names.join(' '));

/** A valid client with every defaulted field written out, so that parsing gives it back as it is. */
const validClient: fc.Arbitrary<ResolvedOidcClient> = fc
  .record({
    client_id: word,
    confidential: fc.boolean(),
    secret: fc.string({ minLength: 1, maxLength: 40 }),
    redirect_uris: fc.array(uri, { minLength: 1, maxLength: 3 }),
    post_logout_redirect_uris: fc.option(fc.array(uri, { maxLength: 2 }), { nil: undefined }),
    method: fc.constantFrom('client_secret_basic', 'client_secret_post') as fc.Arbitrary<
      'client_secret_basic' | 'client_secret_post'
    >,
    machine: fc.boolean(),
    scope: scopes,
    allowed_groups: fc.option(fc.array(fc.string({ minLength: 1, maxLength: 20 })), {
      nil: undefined,
    }),
  })
  .map((drawn) => {
    const confidential = drawn.confidential || drawn.machine;
    return {
      client_id: drawn.client_id,
      ...(confidential ? { client_secret: drawn.secret } : {}),
      redirect_uris: drawn.redirect_uris,
      ...(drawn.post_logout_redirect_uris
        ? { post_logout_redirect_uris: drawn.post_logout_redirect_uris }
        : {}),
      grant_types: drawn.machine
        ? ['authorization_code', 'refresh_token', 'client_credentials']
        : ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: confidential ? drawn.method : 'none',
      scope: drawn.scope,
      ...(drawn.allowed_groups ? { allowed_groups: drawn.allowed_groups } : {}),
    } as ResolvedOidcClient;
  });

const clientList = fc.uniqueArray(validClient, {
  selector: (client) => client.client_id,
  maxLength: 5,
});

describe('OpenID Connect clients file', () => {
  it('reads a YAML list and fills in the defaults', () => {
    const [client] = parseOidcClients(
      [
        '- client_id: grafana',
        '  client_secret: s3cret',
        '  redirect_uris: [https://grafana.example.org/login/generic_oauth]',
        '  allowed_groups: [admins]',
      ].join('\n'),
      SOURCE,
    );
    assert.deepEqual(client, {
      client_id: 'grafana',
      client_secret: 's3cret',
      redirect_uris: ['https://grafana.example.org/login/generic_oauth'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email groups offline_access',
      allowed_groups: ['admins'],
    });
  });

  it('reads JSON', () => {
    const text = JSON.stringify([
      {
        client_id: 'cli',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/cb'],
      },
    ]);
    assert.equal(parseOidcClients(text, SOURCE)[0]?.token_endpoint_auth_method, 'none');
  });

  it('reads an empty file as no clients', () => {
    assert.deepEqual(parseOidcClients('', SOURCE), []);
  });

  it('refuses an unknown field, naming the client and the closest known field', () => {
    refusal(
      '- client_id: a\n  client_secret: x\n  redirect_uri: [https://a.example/cb]\n',
      'client #1 (client_id "a")',
      'unknown field redirect_uri',
      'did you mean redirect_uris?',
    );
  });

  it('refuses a confidential client without a secret', () => {
    refusal(
      '- client_id: a\n  redirect_uris: [https://a.example/cb]\n',
      'client #1',
      'client_secret',
    );
  });

  it('refuses a secret on a public client', () => {
    refusal(
      '- {client_id: a, client_secret: x, token_endpoint_auth_method: none, redirect_uris: [https://a.example/cb]}\n',
      'client_secret',
      'public client',
    );
  });

  it('refuses a duplicate client_id, naming the second one', () => {
    const one = '{client_id: a, client_secret: x, redirect_uris: [https://a.example/cb]}';
    refusal(`[${one}, ${one}]`, 'client #2 (client_id "a")', 'client_id');
  });

  it('refuses a redirect URI with a fragment or not absolute', () => {
    for (const bad of ['https://a.example/cb#x', '/cb', 'a.example/cb']) {
      refusal(
        JSON.stringify([{ client_id: 'a', client_secret: 'x', redirect_uris: [bad] }]),
        'redirect_uris.0',
        'absolute URL without a fragment',
      );
    }
  });

  it('refuses a code client without redirect URIs, a public machine client, an unknown scope', () => {
    refusal('[{client_id: a, client_secret: x}]', 'redirect_uris', 'required');
    refusal(
      '[{client_id: a, token_endpoint_auth_method: none, grant_types: [client_credentials]}]',
      'grant_types',
    );
    refusal(
      '[{client_id: a, client_secret: x, redirect_uris: [https://a.example/], scope: openid admin}]',
      'scope',
    );
  });

  it('refuses a document that is not a list, or not YAML', () => {
    refusal('client_id: a\n', 'must be a list of clients');
    refusal('- a: [b\n', 'neither JSON nor YAML');
    refusal('- just-a-string\n', 'client #1', 'must be an object');
  });

  it('gives back any valid client as it was written (JSON and YAML)', () => {
    fc.assert(
      fc.property(clientList, (clients) => {
        assert.deepEqual(parseOidcClients(JSON.stringify(clients), SOURCE), clients);
        assert.deepEqual(parseOidcClients(toYaml(clients), SOURCE), clients);
      }),
    );
  });

  it('reads the JSON and the YAML of one list as the same clients, defaults included', () => {
    const sparse = validClient.map((client) => {
      const { grant_types, response_types, scope, ...rest } = client;
      return grant_types.includes('client_credentials') ? client : rest;
    });
    fc.assert(
      fc.property(fc.uniqueArray(sparse, { selector: (client) => client.client_id }), (clients) => {
        assert.deepEqual(
          parseOidcClients(toYaml(clients), SOURCE),
          parseOidcClients(JSON.stringify(clients), SOURCE),
        );
      }),
    );
  });

  it('refuses any unknown key, naming it', () => {
    const unknownKey = fc
      .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/)
      .filter((key) => !KNOWN_FIELDS.includes(key) && key !== '__proto__');
    fc.assert(
      fc.property(validClient, unknownKey, fc.jsonValue(), (client, key, value) => {
        const text = JSON.stringify([{ ...client, [key]: value }]);
        refusal(text, `client #1 (client_id "${client.client_id}")`, `unknown field ${key}`);
      }),
    );
  });
});

describe('OpenID Connect issuer', () => {
  it('accepts https anywhere and http on loopback only', () => {
    for (const good of [
      'https://sso.example.org',
      'https://sso.example.org/idp/',
      'http://localhost:5000',
      'http://127.0.0.1:8080/idp',
      'http://127.8.9.10',
      'http://[::1]:5000',
    ]) {
      assert.equal(issuerProblem(good), undefined, good);
    }
  });

  it('refuses the rest, saying why', () => {
    const cases: [string, RegExp][] = [
      ['sso.example.org', /absolute URL/],
      ['http://sso.example.org', /https/],
      ['http://10.0.0.1', /https/],
      ['ftp://sso.example.org', /https/],
      ['https://sso.example.org/?tenant=a', /query/],
      ['https://sso.example.org/#a', /fragment/],
      ['https://user:pw@sso.example.org', /user name/],
    ];
    for (const [url, reason] of cases) assert.match(issuerProblem(url) ?? '', reason, url);
  });

  it('keeps no trailing slash, and puts the routes under the issuer path', () => {
    assert.equal(canonicalIssuer('https://SSO.example.org/idp/'), 'https://sso.example.org/idp');
    assert.equal(issuerPath('https://sso.example.org/idp/'), '/idp');
    assert.equal(issuerPath('http://127.0.0.1:5000'), '');
  });

  it('accepts any https URL without query or fragment', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), (url) => {
        const secure = url.replace(/^http:/, 'https:');
        fc.pre(!secure.includes('@') && !secure.includes('?') && !secure.includes('#'));
        assert.equal(issuerProblem(secure), undefined, secure);
      }),
    );
  });
});
