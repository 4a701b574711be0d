// The OpenAPI 3.1 description of the standalone service, served at GET {mount}/openapi.json.
// The token endpoints' paths and methods come from TOKEN_ENDPOINTS (src/http/endpoints.ts), so
// the document cannot list one the service does not mount; the service's own paths are listed
// in SERVICE_PATHS. To document a new path, add an entry there (or, for a token endpoint, its
// operation to TOKEN_ENDPOINT_OPERATIONS, which the build refuses to leave out).
// test/integration/openapi.test.ts checks the document against the live service's answers.
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { joinPath } from '../http/location.js';
import { issuerPath } from '../oidc/issuer.js';
import { browserPaths } from './openapi-browser.js';
import { type BrowserDocumentSettings, browserComponents } from './openapi-browser-components.js';
import { verifyWithSignIn } from './openapi-browser-verify.js';
import {
  COMPONENTS,
  type Json,
  json,
  type PathItem,
  ref,
  TOKEN_AUTH,
} from './openapi-components.js';
import { oidcPaths } from './openapi-oidc.js';
import { oidcComponents } from './openapi-oidc-components.js';

/** The version of the wire contract described; raised when an answer changes shape. */
const API_VERSION = '1.1.0';

/** The operation of each route of TOKEN_ENDPOINTS, by route. */
const TOKEN_ENDPOINT_OPERATIONS: Readonly<Record<string, Json>> = {
  'request-token': {
    operationId: 'requestToken',
    summary: 'Exchange a directory username and password for a token',
    description:
      "flask-ldap-auth's token endpoint: HTTP Basic credentials are checked against the " +
      'directory (search, then bind). `token` ends with a colon so it can be pasted as a Basic ' +
      'username; `access_token` is the same JWT for Bearer clients (RFC 6749, 5.1).',
    security: [{ basicCredentials: [] }],
    parameters: [
      ref('parameters', 'token_duration'),
      ref('parameters', 'search_criteria'),
      ref('parameters', 'authenticated_search'),
    ],
    responses: {
      '200': ref('responses', 'Token'),
      '400': ref('responses', 'BadRequest'),
      '401': ref('responses', 'Unauthorized'),
      '429': ref('responses', 'TooManyRequests'),
      '503': ref('responses', 'Unavailable'),
    },
  },
  'jwks.json': {
    operationId: 'jwks',
    summary: 'The public keys tokens are verified with (JWK Set, RFC 7517)',
    description: 'Empty (`{"keys":[]}`) with HS256, whose key is a shared secret.',
    responses: { '200': ref('responses', 'Jwks') },
  },
  refresh: {
    operationId: 'refresh',
    summary: 'A new token for the holder of a valid one, if the directory still has the user',
    security: TOKEN_AUTH,
    description:
      'The new token keeps the login time (`auth_time`) and ends no later than ' +
      'TOKEN_MAX_SESSION_SECONDS (default 43200) after it. A refresh after that is a 401 whose ' +
      'message says to sign in again with the password.',
    parameters: [ref('parameters', 'token_duration')],
    responses: {
      '200': ref('responses', 'Token'),
      '400': ref('responses', 'BadRequest'),
      '401': ref('responses', 'Unauthorized'),
      '503': ref('responses', 'Unavailable'),
    },
  },
  revoke: {
    operationId: 'revoke',
    summary: 'Deny the presented token until it expires (TOKEN_REVOCATION=true)',
    security: TOKEN_AUTH,
    responses: {
      '200': {
        description: 'Revoked',
        headers: { 'Cache-Control': ref('headers', 'Cache-Control') },
        content: json('Revoked'),
      },
      '401': ref('responses', 'Unauthorized'),
      '404': ref('responses', 'NotFound'),
      '503': ref('responses', 'Unavailable'),
    },
  },
};

/** A path of the service, given the mount the service uses. */
interface ServicePath {
  path: (mount: string) => string;
  item: PathItem;
}

/** A path whose one documented method is GET; `security` when it wants a token. */
function answersGet(
  path: ServicePath['path'],
  operationId: string,
  summary: string,
  responses: Json,
  security?: Json[],
): ServicePath {
  return {
    path,
    item: { get: { operationId, summary, ...(security ? { security } : {}), responses } },
  };
}

/** The service's paths beyond the token endpoints. */
export const SERVICE_PATHS: readonly ServicePath[] = [
  {
    path: (mount) => joinPath(mount, 'verify'),
    item: {
      description:
        'Forward auth (nginx `auth_request`, Traefik `forwardAuth`, Caddy `forward_auth`). Any ' +
        'method is answered the same way; GET is described.',
      get: {
        operationId: 'verify',
        summary: 'Is the token valid (and its holder in one of `groups`)?',
        security: TOKEN_AUTH,
        parameters: [
          {
            name: 'groups',
            in: 'query',
            description: 'Comma-separated groups; a member of any of them is admitted.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'Admitted: empty body, who the user is in headers for the proxy to copy',
            headers: {
              'X-Auth-User': ref('headers', 'X-Auth-User'),
              'X-Auth-Groups': ref('headers', 'X-Auth-Groups'),
              'X-Auth-Email': ref('headers', 'X-Auth-Email'),
              'X-Auth-Name': ref('headers', 'X-Auth-Name'),
              'Cache-Control': ref('headers', 'Cache-Control'),
            },
          },
          '401': ref('responses', 'Unauthorized'),
          '403': ref('responses', 'Forbidden'),
          '503': ref('responses', 'Unavailable'),
        },
      },
    },
  },
  answersGet((mount) => joinPath(mount, 'openapi.json'), 'openapi', 'This document', {
    '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: {} } } },
  }),
  answersGet(
    () => '/.well-known/jwks.json',
    'wellKnownJwks',
    'The JWK Set, where verifying services look for it (RFC 8615)',
    { '200': ref('responses', 'Jwks') },
  ),
  answersGet(
    () => '/',
    'hello',
    "The seed's hello app, behind a token",
    { '200': ref('responses', 'Hello'), '401': ref('responses', 'Unauthorized') },
    TOKEN_AUTH,
  ),
  answersGet(() => '/public', 'public', 'The same handler, unprotected', {
    '200': ref('responses', 'Hello'),
  }),
  answersGet(() => '/healthz', 'healthz', 'Liveness: the process answers', {
    '200': { description: 'Alive', content: json('Health') },
  }),
  answersGet(
    () => '/readyz',
    'readyz',
    'Readiness: the directory answers a search of LDAP_TOP_DN',
    {
      '200': { description: 'Ready', content: json('Ready') },
      '503': ref('responses', 'Unavailable'),
    },
  ),
  answersGet(() => '/metrics', 'metrics', 'Prometheus metrics (text exposition format)', {
    '200': {
      description: 'Metrics',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
  }),
];

/** The operation for the methods a token endpoint does not answer: 405 with `Allow`. */
function wrongMethod(allowed: string): Json {
  return {
    summary: `Not allowed: use ${allowed}`,
    responses: { '405': ref('responses', 'MethodNotAllowed') },
  };
}

/**
 * The OpenAPI 3.1 document of the standalone service mounted at `mount` (default `/auth`). With
 * `browser` (the service's `browser` options, given when browser sign-in is on), it also describes
 * `{mount}/login`, `{mount}/logout` and the session cookie at `{mount}/verify`; with `oidcIssuer`
 * (OIDC_ISSUER, given when the OpenID Connect provider is on), the provider's endpoints under
 * the issuer URL's path.
 * @throws {Error} when a route of TOKEN_ENDPOINTS has no operation described (a build mistake).
 */
export function openApiDocument(
  options: {
    mount?: string;
    browser?: BrowserDocumentSettings | undefined;
    oidcIssuer?: string | undefined;
  } = {},
): Json {
  const { mount = '/auth', browser, oidcIssuer } = options;
  const paths: Record<string, PathItem> = {};
  for (const endpoint of TOKEN_ENDPOINTS) {
    const operation = TOKEN_ENDPOINT_OPERATIONS[endpoint.route];
    if (!operation) throw new Error(`No OpenAPI operation for ${endpoint.route}`);
    const method = endpoint.method === 'GET' ? 'get' : 'post';
    const other = method === 'get' ? 'post' : 'get';
    paths[joinPath(mount, endpoint.route)] = {
      [method]: operation,
      [other]: wrongMethod(endpoint.method),
    };
  }
  for (const { path, item } of SERVICE_PATHS) paths[path(mount)] = item;
  if (browser) {
    const verifyPath = joinPath(mount, 'verify');
    paths[verifyPath] = verifyWithSignIn(paths[verifyPath]!, mount, browser);
    Object.assign(paths, browserPaths(mount, browser));
  }
  // The provider's routes hang off the issuer's path: https://sso.example/idp serves /idp/oidc/...
  if (oidcIssuer) Object.assign(paths, oidcPaths(issuerPath(oidcIssuer)));
  const extras = [
    ...(browser ? [browserComponents(browser)] : []),
    ...(oidcIssuer ? [oidcComponents()] : []),
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: 'ldap-token-auth',
      version: API_VERSION,
      summary: 'LDAP logins exchanged for short-lived JWTs; forward auth for reverse proxies',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths,
    components: extras.reduce(mergeComponents, COMPONENTS),
  };
}

/** `base` with each section of `extra` added to its own (`schemas`, `headers`...). */
function mergeComponents(base: Json, extra: Record<string, Json>): Json {
  const merged: Json = { ...base };
  for (const [section, entries] of Object.entries(extra)) {
    merged[section] = { ...(base[section] as Json | undefined), ...entries };
  }
  return merged;
}

/** The document's answer headers: JSON, cacheable briefly (it changes only with a deploy). */
export const OPENAPI_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'public, max-age=300',
};
