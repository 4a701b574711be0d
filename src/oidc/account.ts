// The provider's accounts: our users, read again from the directory by subject whenever the
// provider asks (each authorization, token, refresh and userinfo), as `/auth/refresh` reads them.
import type { Account, KoaContextWithOIDC, errors as ProviderErrors } from 'oidc-provider';
import { accountBySubject, type DirectoryAccount } from '../core/auth-internals.js';
import type { Auth } from '../core/types.js';
import { DirectoryUnavailableError, StoreUnavailableError } from '../errors.js';

/** An account as the provider holds it, with the groups `allowed_groups` is checked against. */
export interface DirectoryBackedAccount extends Account {
  readonly groups: readonly string[];
}

/**
 * oidc-provider's `findAccount`: `undefined` for a user gone, disabled or outside the required
 * group (the provider then refuses: login again, or `invalid_grant` on refresh). A directory that
 * cannot answer is `temporarily_unavailable` with status 503, never a refusal of the user.
 */
export function accountFinder(
  auth: Auth,
  errors: typeof ProviderErrors,
  allowedGroups: ReadonlyMap<string, readonly string[] | undefined>,
) {
  return async (
    ctx: KoaContextWithOIDC | undefined,
    subject: string,
  ): Promise<DirectoryBackedAccount | undefined> => {
    let found: DirectoryAccount | undefined;
    try {
      found = await accountBySubject(auth, subject);
    } catch (error) {
      if (!(error instanceof DirectoryUnavailableError || error instanceof StoreUnavailableError)) {
        throw error;
      }
      const unavailable = new errors.TemporarilyUnavailable('the directory cannot be reached');
      Object.assign(unavailable, { status: 503, statusCode: 503, expose: true });
      throw unavailable;
    }
    const account = found && accountOf(subject, found);
    // A person taken out of a client's groups gets no more tokens or userinfo from it: refresh
    // and userinfo find no account (`invalid_grant`). At an authorization the grant is refused
    // instead (`access_denied`, provider-config.ts), which needs the account found.
    const route = ctx?.oidc?.route;
    const client = ctx?.oidc?.client;
    if (account && client && (route === 'token' || route === 'userinfo')) {
      if (!inAllowedGroups(account, allowedGroups.get(client.clientId))) return undefined;
    }
    return account;
  };
}

function accountOf(subject: string, found: DirectoryAccount): DirectoryBackedAccount {
  const { claims } = found;
  const groups = Array.isArray(claims.groups)
    ? claims.groups.filter((group): group is string => typeof group === 'string')
    : [];
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    accountId: subject,
    groups,
    claims: () => ({
      sub: subject,
      preferred_username: text(claims.preferred_username),
      name: text(claims.name),
      email: text(claims.email),
      groups,
    }),
  };
}

/** Whether an account may sign in to a client limited to `allowed` groups (names compared as LDAP does, case-insensitively). */
export function inAllowedGroups(
  account: DirectoryBackedAccount,
  allowed: readonly string[] | undefined,
): boolean {
  if (allowed === undefined) return true;
  const wanted = new Set(allowed.map((group) => group.toLowerCase()));
  return account.groups.some((group) => wanted.has(group.toLowerCase()));
}
