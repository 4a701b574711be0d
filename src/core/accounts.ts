// A user found again by subject alone, with no token and no password: what an OpenID Provider
// does whenever it issues or refreshes tokens for a session. The directory decides again, as it
// does at `/auth/refresh`.
import { InvalidCredentialsError } from '../errors.js';
import type { Directory } from '../ldap/directory.js';
import { userFilter } from '../ldap/escape.js';
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
  const { topDn, preset } = options.ldap;
  return async (subject) => {
    const filter = userFilter(options.user.subjectAttribute, subject, preset.userConditions);
    const found = await directory.searchEntries(topDn, { scope: 'sub', filter, attributes: [] });
    if (found.length !== 1) return undefined;
    try {
      const again = await readAgain({ dn: found[0]!.dn, claims: {} });
      return { subject: again.subject.username, dn: again.subject.dn, claims: again.extra };
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return undefined;
      throw error;
    }
  };
}
