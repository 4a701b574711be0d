// The OpenAPI components the OpenID Connect provider's paths refer to (src/server/openapi-oidc.ts):
// how clients authenticate, and the schemas of the protocol's forms and answers. The schemas
// require what the standards promise a client and let further members through, since the answers
// are oidc-provider's and may carry more.
import type { Json } from './openapi-components.js';

export const text = { type: 'string' };
const texts = { type: 'array', items: text };

/** The fields every authorization request has (RFC 6749, 4.1.1; OpenID Connect Core, 3.1.2.1). */
export const AUTHORIZATION_FIELDS = ['client_id', 'redirect_uri', 'response_type', 'scope'];

/** The components the provider's paths refer to. */
export function oidcComponents(): Record<string, Json> {
  return {
    securitySchemes: {
      oidcClientSecretBasic: {
        type: 'http',
        scheme: 'basic',
        description:
          'A confidential client of the clients file: client_id and client_secret as Basic ' +
          'credentials, or as the form fields `client_id` and `client_secret` ' +
          '(token_endpoint_auth_method client_secret_post). A public client sends only `client_id`.',
      },
      oidcAccessToken: { type: 'http', scheme: 'bearer', description: 'An OIDC access token' },
    },
    schemas: {
      OidcError: {
        type: 'object',
        required: ['error'],
        properties: { error: text, error_description: text },
      },
      OidcDiscovery: {
        type: 'object',
        required: [
          'issuer',
          'authorization_endpoint',
          'token_endpoint',
          'jwks_uri',
          'response_types_supported',
          'subject_types_supported',
          'id_token_signing_alg_values_supported',
        ],
        properties: {
          issuer: text,
          authorization_endpoint: text,
          token_endpoint: text,
          userinfo_endpoint: text,
          jwks_uri: text,
          introspection_endpoint: text,
          revocation_endpoint: text,
          end_session_endpoint: text,
          scopes_supported: texts,
          claims_supported: texts,
          response_types_supported: texts,
          grant_types_supported: texts,
          subject_types_supported: texts,
          id_token_signing_alg_values_supported: texts,
          code_challenge_methods_supported: texts,
        },
      },
      OidcLogoutConfirmation: {
        type: 'object',
        required: ['xsrf'],
        properties: { xsrf: text, logout: text },
      },
      OidcSignInForm: {
        type: 'object',
        required: ['csrf', 'username', 'password'],
        properties: { csrf: text, username: text, password: text },
      },
      OidcTokenRequest: {
        type: 'object',
        required: ['grant_type'],
        properties: {
          grant_type: { enum: ['authorization_code', 'refresh_token', 'client_credentials'] },
          code: text,
          redirect_uri: text,
          code_verifier: text,
          refresh_token: text,
          scope: text,
          client_id: text,
          client_secret: text,
        },
      },
      OidcTokens: {
        type: 'object',
        required: ['access_token', 'token_type', 'expires_in'],
        properties: {
          access_token: text,
          token_type: { const: 'Bearer' },
          expires_in: { type: 'integer', minimum: 0 },
          id_token: text,
          refresh_token: text,
          scope: text,
        },
      },
      OidcTokenOnly: {
        type: 'object',
        required: ['token'],
        properties: { token: text, token_type_hint: text, client_id: text, client_secret: text },
      },
      OidcUserInfo: {
        type: 'object',
        required: ['sub'],
        properties: {
          sub: text,
          preferred_username: text,
          name: text,
          email: text,
          groups: texts,
        },
      },
      OidcIntrospection: {
        type: 'object',
        required: ['active'],
        properties: {
          active: { type: 'boolean' },
          sub: text,
          client_id: text,
          scope: text,
          token_type: text,
          exp: { type: 'integer' },
          iat: { type: 'integer' },
          iss: text,
        },
      },
    },
  };
}
