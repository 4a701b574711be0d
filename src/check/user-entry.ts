// What `check --user` says about the entry it found: the seam where the attributes and groups
// that would go into a token are described. Today a token carries the username and the DN; when
// the `user` and `groups` options arrive, `userSearchAttributes` asks for the configured
// attributes (in the same search, as the login does) and `tokenContents` adds the claims and
// groups they produce.
import type { ResolvedOptions } from '../config.js';

/** The user's entry as the user search returned it (ldapts's search entry). */
export interface FoundUser {
  dn: string;
  [attribute: string]: string | string[] | Buffer | Buffer[];
}

/** The attributes the user search asks for: none beyond the DN yet ("1.1", RFC 4511 4.5.1.8). */
export function userSearchAttributes(_options: ResolvedOptions): string[] {
  return ['1.1'];
}

/**
 * What a token issued to this entry would carry, beyond the username: shown by `check --user`
 * (text: one `key: value` per line; JSON: the step's `details`).
 */
export function tokenContents(
  entry: FoundUser,
  _options: ResolvedOptions,
): Record<string, unknown> {
  return { dn: entry.dn };
}
