// A slapd for the group suites: the memberof overlay, the fixture's people, and every group of
// test/fixtures/groups.ldif added over LDAP (so the overlay keeps memberOf), with a cycle.
import type { AuthOptions, GroupOptions, UserOptions } from '../../src/options/resolve.js';
import { TOP_DN, USERS } from './conformance-fixtures.js';
import {
  addLdif,
  asRoot,
  changeValues,
  GROUPS_LDIF,
  MEMBEROF_OVERLAY,
  type SlapdServer,
  startSlapd,
} from './slapd.js';

export const GROUPS = 'ou=groups,dc=example,dc=org';
export const group = (cn: string) => `cn=${cn},${GROUPS}`;

/** slapd with the memberof overlay, the fixture's people and every group of groups.ldif. */
export async function startGroupDirectory(): Promise<SlapdServer> {
  const slapd = await startSlapd({ overlays: [MEMBEROF_OVERLAY], monitor: true });
  try {
    // The fixture's admins group was loaded by slapadd, which the overlay never sees: add it anew.
    await asRoot(slapd, (client) => client.del(group('admins')));
    await asRoot(slapd, (client) =>
      client.add(group('admins'), {
        objectClass: 'groupOfNames',
        cn: 'admins',
        member: USERS.alice.dn,
      }),
    );
    await addLdif(slapd, GROUPS_LDIF);
    await changeValues(slapd, group('engineering'), 'add', 'member', [group('company')]);
    return slapd;
  } catch (error) {
    await slapd.stop();
    throw error;
  }
}

export function groupOptions(
  url: string,
  groups: GroupOptions = {},
  user?: UserOptions,
): AuthOptions {
  return {
    secretKey: 'groups-suite-secret-0123456789abcdef0123',
    ldap: { url, topDn: TOP_DN, timeoutMs: 3000, connectTimeoutMs: 1000 },
    groups,
    ...(user ? { user } : {}),
    loginLimits: { enabled: false },
  };
}
