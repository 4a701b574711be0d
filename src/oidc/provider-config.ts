// oidc-provider's configuration for our service: routes under the issuer, our keys, our
// accounts, first-party clients (no consent screen, `allowed_groups` checked at every
// authorization), and lifetimes from the token settings.
import type { Configuration, KoaContextWithOIDC, errors as ProviderErrors } from 'oidc-provider';
import type { Auth } from '../core/types.js';
import { OIDC_SCOPES } from '../options/oidc.js';
import type { KeySet } from '../token/keys.js';
import { accountFinder, type DirectoryBackedAccount, inAllowedGroups } from './account.js';
import type { ResolvedOidcClient } from './clients.js';
import { cookieKeys, idTokenAlgorithm, providerJwks } from './keys.js';

/** Where the provider's endpoints sit, under the issuer's path. */
export const OIDC_ROUTES = {
  authorization: '/oidc/authorize',
  token: '/oidc/token',
  userinfo: '/oidc/userinfo',
  jwks: '/oidc/jwks',
  introspection: '/oidc/introspect',
  revocation: '/oidc/revoke',
  end_session: '/oidc/logout',
} as const;
/** Our sign-in form for the provider: `{issuer path}/oidc/interaction/:uid`. */
export const INTERACTION_ROUTE = '/oidc/interaction/';
/** Seconds an interaction (the sign-in form) stays open. */
const INTERACTION_SECONDS = 600;
/** Seconds an authorization code may wait for its exchange. */
const CODE_SECONDS = 60;

export interface ProviderParts {
  auth: Auth;
  keys: KeySet;
  issuerPath: string;
  clients: readonly ResolvedOidcClient[];
  errors: typeof ProviderErrors;
  /** oidc-provider's storage adapter; `undefined`: its own memory store. */
  adapter: Configuration['adapter'];
}

export function providerConfiguration(parts: ProviderParts): Configuration {
  const { auth, keys, clients, errors } = parts;
  const { defaultDuration, maxSessionSeconds } = auth.options.token;
  const allowedGroups = new Map(clients.map((client) => [client.client_id, client.allowed_groups]));
  const alg = idTokenAlgorithm(keys);
  return {
    ...(parts.adapter ? { adapter: parts.adapter } : {}),
    clients: clients.map(({ allowed_groups, ...metadata }) => ({
      ...metadata,
      redirect_uris: [...(metadata.redirect_uris ?? [])],
      grant_types: [...metadata.grant_types],
      response_types: [...metadata.response_types],
      ...(metadata.post_logout_redirect_uris
        ? { post_logout_redirect_uris: [...metadata.post_logout_redirect_uris] }
        : {}),
    })),
    clientDefaults: { id_token_signed_response_alg: alg as 'ES256' },
    jwks: providerJwks(keys) as Configuration['jwks'],
    cookies: { keys: cookieKeys(keys) },
    findAccount: accountFinder(auth, errors, allowedGroups),
    responseTypes: ['code'],
    scopes: [...OIDC_SCOPES],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
      groups: ['groups'],
    },
    // Relying parties such as the Kubernetes API server read the user from the ID token alone.
    conformIdTokenClaims: false,
    routes: OIDC_ROUTES,
    interactions: {
      url: (_ctx, interaction) => `${parts.issuerPath}${INTERACTION_ROUTE}${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
    },
    loadExistingGrant: (ctx) => firstPartyGrant(ctx, allowedGroups, errors),
    rotateRefreshToken: true,
    // First-party clients get refresh tokens without `offline_access` too (oidc-provider drops
    // that scope unless `prompt=consent`): those end with the provider session, at sign-out.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: defaultDuration,
      ClientCredentials: defaultDuration,
      IdToken: defaultDuration,
      AuthorizationCode: CODE_SECONDS,
      // A rotated refresh token inherits what was left of the one it replaces: the chain ends
      // TOKEN_MAX_SESSION_SECONDS after the sign-in, however often it is used.
      RefreshToken: (ctx) =>
        ctx?.oidc?.entities?.RotatedRefreshToken?.remainingTTL ?? maxSessionSeconds,
      Session: maxSessionSeconds,
      Grant: maxSessionSeconds,
      Interaction: INTERACTION_SECONDS,
    },
  };
}

/**
 * The grant of a first-party client: everything it asks for, without a consent screen, and only
 * for members of its `allowed_groups`. Called at every authorization that has a signed-in
 * account, a reused provider session included, so a person outside the groups never gets a code.
 */
async function firstPartyGrant(
  ctx: KoaContextWithOIDC,
  allowedGroups: ReadonlyMap<string, readonly string[] | undefined>,
  errors: typeof ProviderErrors,
) {
  const { oidc } = ctx;
  const client = oidc.client!;
  const account = oidc.account as DirectoryBackedAccount;
  if (!inAllowedGroups(account, allowedGroups.get(client.clientId))) {
    throw new errors.AccessDenied('you are not in a group this application admits');
  }
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const grant =
    existing && existing.accountId === account.accountId
      ? existing
      : new oidc.provider.Grant({ accountId: account.accountId, clientId: client.clientId });
  grant.addOIDCScope([...oidc.requestParamScopes]);
  grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}
