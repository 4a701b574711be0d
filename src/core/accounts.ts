// A user found again by subject alone, with no token and no password: what an OpenID Provider
// does whenever it issues or refreshes tokens for a session. The directory decides again, as it
// does at `/auth/refresh`.
import { InvalidCredentialsError } from '../errors.js';
import type { Directory } from '../ldap/directory.js';
import type { ResolvedOptions } from '../options/resolve.js';
import type { TokenClaims } from '../token/tokens.js';

/** A user as the directory describes them now. */
export interface DirectoryAccount {
  /** The subject attribute's value as stored: our tokens' `sub`. */
  readonly subject: string;
  readonly dn: string;
  /** What our tokens would carry beyond `sub` and `dn`: `preferred_username`, `groups`, mapped claims. */
  readonly claims: Readonly<Record<string, unknown>>;
}

type ReadAgain = (user: { dn: string; claims: Partial<TokenClaims> }) => Promise<{
  subject: { username: string; dn: string };
  extra: Record<string, unknown>;
}>;

/**
 * The look-up by subject: the user search on the subject attribute, then refresh's own reading
 * of the entry (account state, required group, claims).
 * @returns `undefined` for a subject that names no entry or several, a disabled or locked
 *   account, or one outside the required group.
 * @throws {DirectoryUnavailableError} the directory cannot answer.
 */
export function accountLookup(
  options: ResolvedOptions,
  directory: Directory,
  readAgain: ReadAgain,
): (subject: string) => Promise<DirectoryAccount | undefined> {
  const criteria = options.user.subjectAttribute;
  return async (subject) => {
    // Found as a login finds its entry: the configured scope and conditions, and two matches
    // are none, so an entry outside the login's reach never stands in for the person.
    const found = await directory.findUser({ username: subject, criteria });
    if (!found) return undefined;
    try {
      const again = await readAgain({ dn: found.dn, claims: {} });
      // The entry found must still carry this subject as the directory stores it.
      if (again.subject.username !== subject) return undefined;
      return { subject: again.subject.username, dn: again.subject.dn, claims: again.extra };
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return undefined;
      throw error;
    }
  };
}
