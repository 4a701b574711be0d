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

/**
 * RFC 4518 2.2 (the "Map" step of LDAP string preparation): characters mapped to nothing (soft
 * hyphens, joiners, variation selectors, zero-width space, other control and format characters)
 * and characters mapped to a space (tabs, line ends, every Unicode separator).
 */
const MAPPED_TO_NOTHING =
  /[\u00AD\u1806\uFFFC\u200B\p{Cc}\p{Cf}]|\u034F|[\u180B-\u180D]|[\uFE00-\uFE0F]/gu;
const MAPPED_TO_SPACE = /[\t\n\v\f\r\u0085\p{Z}]/gu;

/**
 * A name folded the way LDAP's case-ignoring matching rules compare it (RFC 4518): mapped, NFKC
 * (compatibility forms such as full-width letters become their plain letters), case folded, with
 * the surrounding spaces removed and inner runs of spaces made one. Coarser than any directory's
 * own comparison rather than finer: `toUpperCase().toLowerCase()` also folds `ß` to `ss` and the
 * dotless `ı` to `i`, and final sigma to sigma. Repeated until nothing changes, so that
 * `foldName(foldName(x)) === foldName(x)`.
 */
export function foldName(name: string): string {
  let folded = name;
  for (let round = 0; round < 4; round++) {
    const next = foldOnce(folded);
    if (next === folded) break;
    folded = next;
  }
  return folded;
}

function foldOnce(name: string): string {
  return name
    .replace(MAPPED_TO_NOTHING, '')
    .replace(MAPPED_TO_SPACE, ' ')
    .normalize('NFKC')
    .toUpperCase()
    .toLowerCase()
    .replace(/ς/g, 'σ')
    .normalize('NFKC')
    .replace(MAPPED_TO_NOTHING, '')
    .replace(MAPPED_TO_SPACE, ' ')
    .trim()
    .replace(/ {2,}/g, ' ');
}

/**
 * The key a login attempt is counted under by the login limits: one key for every spelling of a
 * name the directory takes for the same account, so that no spelling buys more guesses. The name
 * is folded ({@link foldName}); with the `activedirectory` preset, whatever the attribute it is
 * matched against, `DOMAIN\user` and `user@realm` count as `user` (the forms `normaliseLogin`
 * understands, and `DOMAIN\user@realm` too). Two spellings of one account share a key; two
 * accounts may share one only when their names fold alike (the cost is shared lockouts, never
 * extra guesses).
 */
export function loginKey(preset: Pick<DirectoryPreset, 'usernames'>, username: string): string {
  const folded = foldName(username);
  if (preset.usernames !== 'activedirectory') return folded;
  return bareAccountName(bareAccountName(folded, '\\', 1), '@', 0);
}

/** The part of `name` on `side` of a single `separator`, when both sides have something. */
function bareAccountName(name: string, separator: string, side: 0 | 1): string {
  const parts = name.split(separator);
  if (parts.length !== 2) return name;
  const bare = parts[side]!.trim();
  return bare && parts[1 - side]!.trim() ? bare : name;
}
