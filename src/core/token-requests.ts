// The token request: the checks of its parameters, the login limits, the directory's bind, the
// claims and the signed token, and the `tokenRequest` event that reports its outcome.
import {
  DirectoryUnavailableError,
  InvalidCredentialsError,
  InvalidParameterError,
  LdapTokenAuthError,
  StoreUnavailableError,
} from '../errors.js';
import type { Directory } from '../ldap/directory.js';
import { loginKey } from '../ldap/usernames.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { AuthEvents, TokenRequestEvent } from '../shared/events.js';
import { type CountedAttempt, endAttempts } from '../stores/login-limiter.js';
import type { Stores } from '../stores/stores.js';
import type { TokenSigner } from '../token/tokens.js';
import { type Identity, userOf } from './identity.js';
import { checkCriteria, checkDuration } from './token-request-checks.js';
import type {
  Auth,
  Credentials,
  IssuedToken,
  RequestContext,
  TokenRequestParams,
} from './types.js';

/** Usernames longer than this cannot be real and are refused before the directory sees them. */
const MAX_USERNAME_LENGTH = 256;

/** The parts of an Auth a token request goes through; see createAuth. */
export interface TokenRequestParts {
  options: ResolvedOptions;
  directory: Directory;
  identity: Identity;
  stores: Stores;
  signer: TokenSigner;
  events: AuthEvents;
}

/** The Auth's `requestToken`, made of its parts. */
export function tokenRequests(parts: TokenRequestParts): Auth['requestToken'] {
  const issue = issueWith(parts);
  return async function requestToken(
    credentials: Credentials,
    params: TokenRequestParams = {},
    context: RequestContext = {},
  ): Promise<IssuedToken> {
    const report = parts.events.tokenRequest;
    if (!report) return issue(credentials, params, context.address);
    const username = credentials.username || undefined;
    try {
      const issued = await issue(credentials, params, context.address);
      const subject = issued.user.username;
      report({ outcome: 'issued', username, subject, expiresIn: issued.expiresIn });
      return issued;
    } catch (error) {
      const refusal =
        error instanceof InvalidCredentialsError && error.reason
          ? { accountState: error.reason, passwordVerified: error.passwordVerified }
          : {};
      report({
        outcome: outcomeOf(error),
        username,
        code: (error as LdapTokenAuthError).code,
        ...refusal,
      });
      throw error;
    }
  };
}

/** The request without its event: checked, counted, bound, and signed. */
function issueWith({ options, directory, identity, stores, signer }: TokenRequestParts) {
  return async function issue(
    credentials: Credentials,
    params: TokenRequestParams,
    address: string | undefined,
  ): Promise<IssuedToken> {
    const duration = checkDuration(params.tokenDuration, options.token);
    const criteria = checkCriteria(params.searchCriteria, options.searchCriteria);
    if (params.authenticatedSearch && !options.ldap.serviceAccount) {
      throw new InvalidParameterError(
        'authenticated_search',
        'authenticated_search=true needs a service account, and none is configured',
      );
    }
    const { username, password } = credentials;
    // An empty password makes an LDAP bind "unauthenticated", which servers may accept as
    // success (RFC 4513, 5.1.2): refuse it before the directory is asked anything.
    if (!username || !password || username.length > MAX_USERNAME_LENGTH) {
      throw new InvalidCredentialsError('Invalid username or password');
    }
    // Before the directory is asked anything, the attempt takes its points (atomically: a burst
    // of concurrent guesses cannot all slip in), under one key for every spelling of the name.
    const limiter = await stores.limiter();
    const preset = options.ldap.preset;
    const typedKey = loginKey(preset, username);
    const attempts: CountedAttempt[] = [];
    const first = await limiter?.begin(typedKey, address);
    if (first) attempts.push(first);
    let user: Awaited<ReturnType<Directory['authenticate']>>;
    try {
      user = await directory.authenticate({
        username,
        password,
        criteria,
        attributes: identity.attributesToRead,
        // Found through another attribute (cn, mail), the entry's own login name is counted too,
        // before the bind: no attribute buys a person more guesses.
        beforeBind: async (entry) => {
          const entryKey = loginKey(preset, identity.identify(entry).loginName);
          if (limiter && entryKey !== typedKey) {
            attempts.push(await limiter.begin(entryKey, undefined));
          }
        },
      });
    } catch (error) {
      await endAttempts(attempts, error);
      throw error;
    }
    await endAttempts(attempts);
    // The token names the person as the directory does, whatever name or attribute was typed.
    const { subject, loginName } = identity.identify(user);
    const extra = await identity.claimsFor(user, loginName);
    const signed = { username: subject, dn: user.dn };
    const { token, claims } = await signer.sign(signed, duration, undefined, extra);
    return { token, expiresIn: duration, user: userOf(claims) };
  };
}

function outcomeOf(error: unknown): TokenRequestEvent['outcome'] {
  if (error instanceof InvalidParameterError) return 'invalid_parameter';
  if (error instanceof DirectoryUnavailableError || error instanceof StoreUnavailableError) {
    return 'unavailable';
  }
  return error instanceof LdapTokenAuthError ? 'refused' : 'unavailable';
}
