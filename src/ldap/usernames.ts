import type { DirectoryPreset } from './presets.js';

/** What the user search matches: `(<attribute>=<value>)`. */
export interface LoginAssertion {
  attribute: string;
  value: string;
}

/**
 * Turns the name a person typed into what the directory is searched for.
 *
 * Only with the `activedirectory` preset, and only when the name is matched against
 * `sAMAccountName` (the default there; an explicit `search_criteria=mail` is never reinterpreted):
 * - `DOMAIN\user` (one backslash, something on both sides) is searched as `sAMAccountName=user`.
 *   The NetBIOS domain is dropped; the password still has to be user's, and a name that exists in
 *   several domains under the search base matches several entries and is refused as ambiguous.
 * - `user@domain` (one `@`, something on both sides, no backslash) is searched as
 *   `userPrincipalName=user@domain`, the whole name, compared case-insensitively by AD.
 * - anything else is searched as typed.
 * Neither form can be a real sAMAccountName, which may contain neither `\` nor `@`, so the
 * reading is never ambiguous. Otherwise the name is returned unchanged: no trimming, no case
 * folding (the directory's matching rules decide).
 */
export function normaliseLogin(
  preset: Pick<DirectoryPreset, 'usernames'>,
  attribute: string,
  username: string,
): LoginAssertion {
  if (preset.usernames !== 'activedirectory' || attribute.toLowerCase() !== 'samaccountname') {
    return { attribute, value: username };
  }
  const slash = username.split('\\');
  if (slash.length === 2 && slash[0] && slash[1]) return { attribute, value: slash[1] };
  const at = username.split('@');
  if (slash.length === 1 && at.length === 2 && at[0] && at[1]) {
    return { attribute: 'userPrincipalName', value: username };
  }
  return { attribute, value: username };
}
