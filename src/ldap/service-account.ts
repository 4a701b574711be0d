// The DN the service binds as to search, from the name it was configured with.
import { escapeDnValue } from './escape.js';
import type { DirectoryPreset } from './presets.js';

/**
 * flask-ldap-auth accepts a bare `LDAP_USERNAME` and builds `<criteria>=<name>,<top DN>` from it.
 * We expand with the default criteria once, rather than with each request's `search_criteria`,
 * so a client cannot change which account the service binds as.
 */
export function serviceAccountDn(
  username: string,
  criteria: string,
  topDn: string,
  preset: DirectoryPreset,
): string {
  if (username.includes('=')) return username;
  // Active Directory takes a user principal name or a down-level logon name as the bind name.
  if (preset.usernames === 'activedirectory' && /[@\\]/.test(username)) return username;
  return `${criteria}=${escapeDnValue(username)},${topDn}`;
}
