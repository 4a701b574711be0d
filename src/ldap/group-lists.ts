// A user's groups as lists: compared by DN, de-duplicated, sorted, checked for the required group
// and cut to what a token carries.
import type { Logger } from '../shared/logger.js';

/** A group the user belongs to. */
export interface Group {
  dn: string;
  /** Its `nameAttribute` value (the first, if several), or its DN when it has none. */
  name: string;
}

/** DNs compare ignoring case and the spaces some servers put after commas. */
export function dnKey(dn: string): string {
  return dn.toLowerCase().replace(/,\s+/g, ',');
}

/** Drops repeated DNs, keeping the first. */
export function unique(groups: readonly Group[]): Group[] {
  const seen = new Set<string>();
  return groups.filter((group) => {
    const key = dnKey(group.dn);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One level of groups in the order a token lists them: by name, then DN. */
export function sortLevel(groups: Group[]): Group[] {
  return groups.sort((a, b) => a.name.localeCompare(b.name, 'en') || a.dn.localeCompare(b.dn));
}

/** Whether `groups` has the required group, named by its name or, when it contains `=`, its DN. */
export function hasGroup(groups: readonly Group[], required: string): boolean {
  if (required.includes('=')) {
    const key = dnKey(required.trim());
    return groups.some((group) => dnKey(group.dn) === key);
  }
  const name = required.toLowerCase();
  return groups.some((group) => group.name.toLowerCase() === name);
}

/**
 * The group names a token carries: at most `max`, direct groups first; a warning when some are
 * left out (the required group was already checked against them all).
 */
export function groupClaim(groups: readonly Group[], max: number, logger: Logger): string[] {
  const names = [...new Set(groups.map((group) => group.name))];
  if (names.length <= max) return names;
  logger.warn(
    { event: 'groups_truncated', groups: names.length, maxInToken: max },
    `The user is in ${names.length} groups; the token carries the first ${max} (TOKEN_MAX_GROUPS)`,
  );
  return names.slice(0, max);
}
