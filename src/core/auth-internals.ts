// What the package's own HTTP layer needs of an Auth beyond its public interface: the browser
// sessions and the synchronous look-up of tokens verified before. Kept out of the Auth type so
// the public surface stays what the README documents; reachable only from inside the package.
import type { Sessions } from './sessions.js';
import type { Auth, AuthenticatedUser } from './types.js';

interface AuthInternals {
  knownUser(token: string): AuthenticatedUser | undefined;
  sessions: Sessions;
}

const internalsOf = new WeakMap<Auth, AuthInternals>();

/** Called once by createAuth for the Auth it made. */
export function registerInternals(auth: Auth, internals: AuthInternals): void {
  internalsOf.set(auth, internals);
}

function internals(auth: Auth): AuthInternals {
  const found = internalsOf.get(auth);
  if (!found) throw new TypeError('Not an Auth made by createAuth');
  return found;
}

/**
 * The browser sessions of an Auth made by createAuth: what the sign-in page and
 * `{mount}/verify` use for the session cookie.
 * @throws {TypeError} an Auth not made by createAuth.
 */
export function sessionsOf(auth: Auth): Sessions {
  return internals(auth).sessions;
}

/**
 * The user of a token this Auth has verified before, without a promise: the protected route's
 * hot path. `undefined` means "not known", and the caller goes on to `auth.verify`. With
 * revocation on Redis, only the store can say whether a token is revoked, so this answers
 * `undefined` and the caller goes the async way.
 * @throws {TokenExpiredError} a known token whose time is up.
 * @throws {InvalidTokenError} a known token revoked in the memory store.
 */
export function knownUser(auth: Auth, token: string): AuthenticatedUser | undefined {
  return internalsOf.get(auth)?.knownUser(token);
}
