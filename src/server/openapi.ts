// The OpenAPI 3.1 description of the standalone service, served at GET {mount}/openapi.json.
// The token endpoints' paths and methods come from TOKEN_ENDPOINTS (src/http/endpoints.ts), so
// the document cannot list one the service does not mount; the service's own paths are listed
// in SERVICE_PATHS. To document a new path, add an entry there (or, for a token endpoint, its
// operation to TOKEN_ENDPOINT_OPERATIONS, which the build refuses to leave out).
// test/integration/openapi.test.ts checks the document against the live service's answers.
import { TOKEN_ENDPOINTS } from '../http/endpoints.js';
import { joinPath } from '../http/location.js';

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options';
export type PathItem = Partial<Record<Method, Json>> & { summary?: string; description?: string };

/** The version of the wire contract described; raised when an answer changes shape. */
const API_VERSION = '1.0.0';

const ref = (kind: 'schemas' | 'responses' | 'headers' | 'parameters', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
const json = (schema: string) => ({ 'application/json': { schema: ref('schemas', schema) } });
const TOKEN_AUTH = [{ bearerToken: [] }, { basicToken: [] }];

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

/** The service's paths beyond the token endpoints, each given the mount the service uses. */
export const SERVICE_PATHS: readonly { path: (mount: string) => string; item: PathItem }[] = [
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
  {
    path: (mount) => joinPath(mount, 'openapi.json'),
    item: {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        responses: {
          '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: {} } } },
        },
      },
    },
  },
  {
    path: () => '/.well-known/jwks.json',
    item: {
      get: {
        operationId: 'wellKnownJwks',
        summary: 'The JWK Set, where verifying services look for it (RFC 8615)',
        responses: { '200': ref('responses', 'Jwks') },
      },
    },
  },
  {
    path: () => '/',
    item: {
      get: {
        operationId: 'hello',
        summary: "The seed's hello app, behind a token",
        security: TOKEN_AUTH,
        responses: { '200': ref('responses', 'Hello'), '401': ref('responses', 'Unauthorized') },
      },
    },
  },
  {
    path: () => '/public',
    item: {
      get: {
        operationId: 'public',
        summary: 'The same handler, unprotected',
        responses: { '200': ref('responses', 'Hello') },
      },
    },
  },
  {
    path: () => '/healthz',
    item: {
      get: {
        operationId: 'healthz',
        summary: 'Liveness: the process answers',
        responses: {
          '200': { description: 'Alive', content: json('Health') },
        },
      },
    },
  },
  {
    path: () => '/readyz',
    item: {
      get: {
        operationId: 'readyz',
        summary: 'Readiness: the directory answers a search of LDAP_TOP_DN',
        responses: {
          '200': { description: 'Ready', content: json('Ready') },
          '503': ref('responses', 'Unavailable'),
        },
      },
    },
  },
  {
    path: () => '/metrics',
    item: {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        responses: {
          '200': {
            description: 'Metrics',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
  },
];

/** The operation for the methods a token endpoint does not answer: 405 with `Allow`. */
function wrongMethod(allowed: string): Json {
  return {
    summary: `Not allowed: use ${allowed}`,
    responses: { '405': ref('responses', 'MethodNotAllowed') },
  };
}

/**
 * The OpenAPI 3.1 document of the standalone service mounted at `mount` (default `/auth`).
 * @throws {Error} when a route of TOKEN_ENDPOINTS has no operation described (a build mistake).
 */
export function openApiDocument(options: { mount?: string } = {}): Json {
  const mount = options.mount ?? '/auth';
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
  return {
    openapi: '3.1.0',
    info: {
      title: 'ldap-token-auth',
      version: API_VERSION,
      summary: 'LDAP logins exchanged for short-lived JWTs; forward auth for reverse proxies',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths,
    components: COMPONENTS,
  };
}

const COMPONENTS: Json = {
  securitySchemes: {
    basicCredentials: {
      type: 'http',
      scheme: 'basic',
      description: 'Directory username and password',
    },
    bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    basicToken: {
      type: 'http',
      scheme: 'basic',
      description: "flask-ldap-auth's form: the token as the Basic username, an empty password",
    },
  },
  parameters: {
    token_duration: {
      name: 'token_duration',
      in: 'query',
      description:
        'Lifetime in seconds, at most TOKEN_MAX_DURATION. Default TOKEN_DEFAULT_DURATION.',
      schema: { type: 'string', pattern: '^[0-9]{1,12}$' },
    },
    search_criteria: {
      name: 'search_criteria',
      in: 'query',
      description:
        'Attribute the username is matched against; one of LDAP_ALLOWED_SEARCH_CRITERIA.',
      schema: { type: 'string' },
    },
    authenticated_search: {
      name: 'authenticated_search',
      in: 'query',
      description: 'Search as the service account; `true` without one configured is a 400.',
      schema: { type: 'string', enum: ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''] },
    },
  },
  headers: {
    'WWW-Authenticate': {
      required: true,
      description: 'The challenge: Basic realm="Authentication Required"',
      schema: { type: 'string', const: 'Basic realm="Authentication Required"' },
    },
    Location: {
      required: true,
      description: 'The token endpoint, absolute when the Host header is a plain host name',
      schema: { type: 'string', pattern: 'request-token$' },
    },
    'Retry-After': {
      required: true,
      description: 'Seconds to wait before trying again',
      schema: { type: 'string', pattern: '^[0-9]+$' },
    },
    Allow: {
      required: true,
      description: 'The one method the endpoint answers',
      schema: { type: 'string', enum: ['GET', 'POST'] },
    },
    'Cache-Control': {
      required: true,
      description: 'Answers about tokens must not be cached (RFC 6749, 5.1)',
      schema: { type: 'string', const: 'no-store' },
    },
    'X-Auth-User': {
      required: true,
      description: 'The username; non-ASCII and `%` percent-encoded as UTF-8',
      schema: { type: 'string' },
    },
    'X-Auth-Groups': {
      description: 'Comma-separated groups, when the token carries them',
      schema: { type: 'string' },
    },
    'X-Auth-Email': { description: 'When the token carries an email', schema: { type: 'string' } },
  },
  responses: {
    Token: {
      description: 'A token',
      headers: { 'Cache-Control': ref('headers', 'Cache-Control') },
      content: json('TokenResponse'),
    },
    Jwks: {
      description: 'The JWK Set',
      headers: { 'Cache-Control': { schema: { type: 'string', pattern: '^public, max-age=' } } },
      content: { 'application/jwk-set+json': { schema: ref('schemas', 'JwkSet') } },
    },
    Hello: {
      description: 'hello, world',
      content: { 'text/html': { schema: { type: 'string', const: 'hello, world' } } },
    },
    BadRequest: {
      description: 'A query parameter is malformed or not allowed',
      content: json('Problem'),
    },
    Unauthorized: {
      description:
        'Any failure to authenticate, always the same body; Location points at the token endpoint',
      headers: {
        'WWW-Authenticate': ref('headers', 'WWW-Authenticate'),
        Location: ref('headers', 'Location'),
      },
      content: json('Problem'),
    },
    Forbidden: {
      description: 'A valid token, outside the required groups',
      content: json('Problem'),
    },
    NotFound: {
      description: 'Nothing here (e.g. revocation not enabled)',
      content: json('Problem'),
    },
    MethodNotAllowed: {
      description: 'Another method than the endpoint answers',
      headers: { Allow: ref('headers', 'Allow') },
      content: json('Problem'),
    },
    TooManyRequests: {
      description: 'Too many failed logins for the username or the address',
      headers: { 'Retry-After': ref('headers', 'Retry-After') },
      content: json('Problem'),
    },
    Unavailable: {
      description: 'The directory or the shared store cannot answer; never a wrong password',
      headers: { 'Retry-After': ref('headers', 'Retry-After') },
      content: json('Problem'),
    },
  },
  schemas: {
    Problem: {
      type: 'object',
      description: "flask-ldap-auth's error shape",
      required: ['error', 'message', 'status'],
      additionalProperties: false,
      properties: {
        error: {
          type: 'string',
          enum: [
            'bad_request',
            'unauthorized',
            'forbidden',
            'not_found',
            'method_not_allowed',
            'too_many_requests',
            'service_unavailable',
          ],
        },
        message: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        reason: {
          type: 'string',
          description: 'Why an account was refused (locked, expired...), when it may be shown',
        },
      },
    },
    TokenResponse: {
      type: 'object',
      required: ['token', 'access_token', 'token_type', 'expires_in'],
      additionalProperties: false,
      properties: {
        token: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+:$' },
        access_token: {
          type: 'string',
          pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
        },
        token_type: { type: 'string', const: 'Bearer' },
        expires_in: { type: 'integer', minimum: 1 },
      },
    },
    JwkSet: {
      type: 'object',
      required: ['keys'],
      additionalProperties: false,
      properties: { keys: { type: 'array', items: ref('schemas', 'Jwk') } },
    },
    Jwk: {
      type: 'object',
      required: ['kty', 'kid', 'alg', 'use'],
      properties: {
        kty: { type: 'string', enum: ['OKP', 'EC', 'RSA'] },
        kid: { type: 'string' },
        alg: { type: 'string', enum: ['EdDSA', 'ES256', 'RS256'] },
        use: { type: 'string', const: 'sig' },
        crv: { type: 'string' },
        x: { type: 'string' },
        y: { type: 'string' },
        n: { type: 'string' },
        e: { type: 'string' },
        // Private members never appear in the published set.
        d: false,
        p: false,
        q: false,
        dp: false,
        dq: false,
        qi: false,
        k: false,
      },
    },
    Revoked: {
      type: 'object',
      required: ['revoked'],
      additionalProperties: false,
      properties: { revoked: { const: true } },
    },
    Health: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { const: 'ok' } },
    },
    Ready: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { const: 'ready' } },
    },
  },
};

/** The document's answer headers: JSON, cacheable briefly (it changes only with a deploy). */
export const OPENAPI_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'public, max-age=300',
};
