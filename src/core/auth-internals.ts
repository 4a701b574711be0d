// What the package's own HTTP layer needs of an Auth beyond its public interface: the browser
// sessions and the synchronous look-up of tokens verified before. Kept out of the Auth type so
// the public surface stays what the README documents; reachable only from inside the package.
import type { RedisClient } from '../stores/redis-client.js';
import type { KeySet } from '../token/keys.js';
import type { DirectoryAccount } from './accounts.js';
import type { Sessions } from './sessions.js';
import type { Auth, AuthenticatedUser } from './types.js';

export type { DirectoryAccount } from './accounts.js';

interface AuthInternals {
  knownUser(token: string): AuthenticatedUser | undefined;
  sessions: Sessions;
  keys: KeySet;
  redis(): Promise<RedisClient> | undefined;
  accountBySubject(subject: string): Promise<DirectoryAccount | undefined>;
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

/** The signing keys an Auth made by createAuth signs with: the OpenID Provider signs with them too. */
export function keysOf(auth: Auth): KeySet {
  return internals(auth).keys;
}

/**
 * The Redis client the Auth's stores share, once connected, or `undefined` when they are in
 * memory: the OpenID Provider keeps its records beside them.
 */
export async function redisOf(auth: Auth): Promise<RedisClient | undefined> {
  return internals(auth).redis();
}

/**
 * The user a subject names, read again from the directory as `/auth/refresh` reads it;
 * `undefined` when gone, disabled or outside the required group.
 * @throws {DirectoryUnavailableError} the directory cannot answer.
 */
export function accountBySubject(
  auth: Auth,
  subject: string,
): Promise<DirectoryAccount | undefined> {
  return internals(auth).accountBySubject(subject);
}
