// The OpenID Connect provider in the OpenAPI document: discovery, the authorization, token,
// userinfo, introspection, revocation and logout endpoints, the key set, and our sign-in form for
// the provider. In the document only when the service runs the provider (OIDC_ISSUER set): the
// paths live under the issuer URL's path, so they are those of the service that serves them. The
// protocol answers are oidc-provider's; the schemas say what a client may rely on (RFC 6749,
// 7662, 7009, OpenID Connect Core and Discovery) and let further members through.
import { type Json, json, type PathItem, ref } from './openapi-components.js';
import { AUTHORIZATION_FIELDS, text } from './openapi-oidc-components.js';

const ONLY_WITH_OIDC =
  'Served only with OpenID Connect on (OIDC_ISSUER set), under the issuer URL; see docs/oidc.md. ';

const FORM = 'application/x-www-form-urlencoded';
const HTML = { 'text/html': { schema: { type: 'string' } } };
/** oidc-provider's error: a page for a browser, the OAuth error object otherwise. */
const PAGE_OR_ERROR = { ...HTML, ...json('OidcError') };
/** A confidential client's secret (Basic, or `client_secret` in the form); public clients none. */
const CLIENT_AUTH = [{ oidcClientSecretBasic: [] }, {}];

/** A form request body whose fields are those of the component schema `schema`. */
const formBody = (schema: string): Json => ({
  required: true,
  content: { [FORM]: { schema: ref('schemas', schema) } },
});

/** An OAuth error answer (RFC 6749, 5.2) with `description`. */
const oauthError = (description: string): Json => ({ description, content: json('OidcError') });

/** A redirect; oidc-provider's carry a short page ("Redirecting to ..."), our form's none. */
const redirect = (description: string, page = true): Json => ({
  description,
  headers: { Location: { required: true, schema: { type: 'string' } } },
  ...(page ? { content: HTML } : {}),
});

/** The authorization endpoint's operation (GET only: oidc-provider serves no POST there). */
function authorization(): Json {
  return {
    operationId: 'oidcAuthorize',
    summary: 'Start a sign-in (authorization code flow)',
    description:
      `${ONLY_WITH_OIDC}Sends the browser to our sign-in form, or, with a provider session and ` +
      'a client that admits the user, straight back to `redirect_uri` with a `code`. A user ' +
      "outside the client's `allowed_groups` goes back with `error=access_denied`, never a code. " +
      'Also `state`, `nonce`, `code_challenge` (S256), `prompt`, `max_age`.',
    parameters: AUTHORIZATION_FIELDS.map((name) => ({
      name,
      in: 'query',
      required: true,
      schema: text,
    })),
    responses: {
      '303': redirect('To the sign-in form, or to `redirect_uri` with `code` or `error`'),
      '400': {
        description: 'No valid client or `redirect_uri` to answer to, so no redirect',
        content: PAGE_OR_ERROR,
      },
    },
  };
}

/** The provider's paths, keyed by their paths under `base` (the issuer URL's path, or ''). */
export function oidcPaths(base: string): Record<string, PathItem> {
  const at = (route: string) => `${base}${route}`;
  const logout: Json = {
    summary: 'RP-initiated logout (end_session_endpoint)',
    description:
      `${ONLY_WITH_OIDC}With \`id_token_hint\` and a registered \`post_logout_redirect_uri\`: ` +
      "a page that posts itself to the confirmation, which ends the provider session (and the service's own sign-in cookie).",
    responses: {
      '200': { description: 'The page that confirms the sign-out', content: HTML },
      '400': { description: 'An unusable `id_token_hint` or redirect', content: PAGE_OR_ERROR },
    },
  };
  const userinfo: Json = {
    summary: "The claims of the access token's user",
    description: `${ONLY_WITH_OIDC}Re-reads the directory: a removed or disabled user is a 401.`,
    security: [{ oidcAccessToken: [] }],
    responses: {
      '200': { description: 'The claims the scopes allow', content: json('OidcUserInfo') },
      '401': oauthError('No access token, or one that is invalid, expired or revoked'),
      '503': oauthError('`temporarily_unavailable`: the directory does not answer'),
    },
  };
  const interaction: Json = {
    summary: 'Our sign-in form, while an authorization waits',
    description:
      `${ONLY_WITH_OIDC}The browser sign-in page's form, with the same CSRF checks, login ` +
      'limits, refusal reasons and required group; the password reaches only this page.',
    parameters: [{ name: 'uid', in: 'path', required: true, schema: { type: 'string' } }],
  };
  return {
    [at('/.well-known/openid-configuration')]: {
      get: {
        operationId: 'oidcDiscovery',
        summary: 'Discovery (OpenID Connect Discovery 1.0)',
        description: `${ONLY_WITH_OIDC}Every URL below, the scopes, claims and algorithms.`,
        responses: { '200': { description: 'The metadata', content: json('OidcDiscovery') } },
      },
    },
    [at('/oidc/authorize')]: {
      get: authorization(),
    },
    [at('/oidc/interaction/{uid}')]: {
      get: {
        operationId: 'oidcSignInPage',
        ...interaction,
        responses: {
          '200': { description: 'The sign-in form', content: HTML },
          '303': redirect('Signed in already (a consent step): on to the authorization', false),
          '400': { description: 'An unknown or finished interaction', content: HTML },
          '403': { description: 'Plain http where cookies must be Secure', content: HTML },
        },
      },
      post: {
        operationId: 'oidcSignIn',
        ...interaction,
        requestBody: formBody('OidcSignInForm'),
        responses: {
          '303': redirect('Signed in: back to the authorization, which answers the client', false),
          '400': { description: 'A field left empty, or an unknown interaction', content: HTML },
          '401': { description: 'Wrong username or password: the form again', content: HTML },
          '403': { description: 'A CSRF check failed, or outside the group', content: HTML },
          '413': { description: 'The form is too large', content: json('Problem') },
          '415': { description: 'Not a urlencoded form', content: json('Problem') },
          '429': { description: 'Too many failed sign-ins', content: HTML },
          '503': { description: 'The directory does not answer', content: HTML },
        },
      },
    },
    [at('/oidc/token')]: {
      post: {
        operationId: 'oidcToken',
        summary: 'Tokens for a code, a refresh token, or client credentials',
        description:
          `${ONLY_WITH_OIDC}\`authorization_code\` (with the PKCE \`code_verifier\`), ` +
          '`refresh_token` (rotated: a refresh token used twice is refused, and its grant ' +
          'revoked) and `client_credentials`. A directory that does not answer is a ' +
          '`server_error`, not `invalid_grant`.',
        security: CLIENT_AUTH,
        requestBody: formBody('OidcTokenRequest'),
        responses: {
          '200': { description: 'Tokens', content: json('OidcTokens') },
          '400': oauthError('`invalid_grant`, `invalid_request`, `unsupported_grant_type`...'),
          '401': oauthError('`invalid_client`: unknown client or wrong secret'),
          '503': oauthError('`temporarily_unavailable`: the directory does not answer'),
        },
      },
    },
    [at('/oidc/userinfo')]: {
      get: { operationId: 'oidcUserInfo', ...userinfo },
      post: { operationId: 'oidcUserInfoPost', ...userinfo },
    },
    [at('/oidc/jwks')]: {
      get: {
        operationId: 'oidcJwks',
        summary: 'The keys ID tokens are signed with (the same set as /.well-known/jwks.json)',
        description: ONLY_WITH_OIDC,
        responses: { '200': ref('responses', 'Jwks') },
      },
    },
    [at('/oidc/introspect')]: {
      post: {
        operationId: 'oidcIntrospect',
        summary: 'Is this token active? (RFC 7662), for resource servers',
        description: ONLY_WITH_OIDC,
        security: CLIENT_AUTH,
        requestBody: formBody('OidcTokenOnly'),
        responses: {
          '200': { description: 'The answer', content: json('OidcIntrospection') },
          '400': oauthError('No `token`'),
          '401': oauthError('`invalid_client`'),
        },
      },
    },
    [at('/oidc/revoke')]: {
      post: {
        operationId: 'oidcRevoke',
        summary: 'Revoke an access or refresh token (RFC 7009)',
        description: `${ONLY_WITH_OIDC}An unknown token is a 200 too, as RFC 7009 asks.`,
        security: CLIENT_AUTH,
        requestBody: formBody('OidcTokenOnly'),
        responses: {
          '200': { description: 'Revoked, or nothing to revoke' },
          '400': oauthError('No `token`'),
          '401': oauthError('`invalid_client`'),
        },
      },
    },
    [at('/oidc/logout')]: {
      get: { operationId: 'oidcLogout', ...logout },
    },
    [at('/oidc/logout/confirm')]: {
      post: {
        operationId: 'oidcLogoutConfirm',
        summary: 'The sign-out, as the logout page posts it',
        description: `${ONLY_WITH_OIDC}Ends the provider session.`,
        requestBody: formBody('OidcLogoutConfirmation'),
        responses: {
          '303': redirect('To `post_logout_redirect_uri`, or to the signed-out page'),
          '400': { description: 'No sign-out in progress', content: PAGE_OR_ERROR },
        },
      },
    },
    [at('/oidc/logout/success')]: {
      get: {
        operationId: 'oidcLoggedOut',
        summary: 'Signed out, when the client named no page to return to',
        description: ONLY_WITH_OIDC,
        responses: { '200': { description: 'The signed-out page', content: HTML } },
      },
    },
  };
}
