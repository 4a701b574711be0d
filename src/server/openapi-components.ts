// The parts of the OpenAPI document that every path shares: security schemes, parameters,
// headers, responses and schemas, and the helpers that refer to them. The Problem schema's
// `reason` enum is read from ACCOUNT_STATE_REASONS, so it cannot fall behind the errors.
import { ACCOUNT_STATE_REASONS } from '../errors.js';

export type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'delete' | 'patch' | 'head' | 'options';
export type PathItem = Partial<Record<Method, Json>> & { summary?: string; description?: string };

export const ref = (kind: 'schemas' | 'responses' | 'headers' | 'parameters', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
export const json = (schema: string) => ({
  'application/json': { schema: ref('schemas', schema) },
});
/** An answer header the service always sends with that answer; most are plain strings. */
const requiredHeader = (description: string, schema: Json = { type: 'string' }) => ({
  required: true,
  description,
  schema,
});
export const TOKEN_AUTH = [{ bearerToken: [] }, { basicToken: [] }];

export const COMPONENTS: Json = {
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
    'WWW-Authenticate': requiredHeader('The challenge: Basic realm="Authentication Required"', {
      type: 'string',
      const: 'Basic realm="Authentication Required"',
    }),
    Location: requiredHeader(
      'The token endpoint, absolute when the Host header is a plain host name',
      { type: 'string', pattern: 'request-token$' },
    ),
    'Retry-After': requiredHeader('Seconds to wait before trying again', {
      type: 'string',
      pattern: '^[0-9]+$',
    }),
    Allow: requiredHeader('The one method the endpoint answers', {
      type: 'string',
      enum: ['GET', 'POST'],
    }),
    'Cache-Control': requiredHeader('Answers about tokens must not be cached (RFC 6749, 5.1)', {
      type: 'string',
      const: 'no-store',
    }),
    'X-Auth-User': requiredHeader('The username; non-ASCII and `%` percent-encoded as UTF-8'),
    'X-Auth-Groups': requiredHeader(
      'Comma-separated groups from the token; empty when it carries none',
    ),
    'X-Auth-Email': requiredHeader("The token's email; empty when it carries none"),
    'X-Auth-Name': requiredHeader("The token's (single-valued) name; empty when it carries none"),
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
        "Any failure to authenticate, the seed's body (at refresh, a session past its maximum age says so, and to sign in again); Location points at the token endpoint",
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
            // 413 and 415: the sign-in routes' form posts (browser.enabled).
            'payload_too_large',
            'unsupported_media_type',
          ],
        },
        message: { type: 'string' },
        status: { type: 'integer', minimum: 400, maximum: 599 },
        reason: {
          type: 'string',
          enum: [...ACCOUNT_STATE_REASONS],
          description:
            'In a 401 only: why the directory refused the account, when ' +
            '`passwordPolicy.revealReason` (LDAP_REVEAL_ACCOUNT_STATE) allows it to be shown',
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
