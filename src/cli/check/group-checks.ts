// `check`'s group step: whether the search identity can see any group under LDAP_GROUP_BASE_DN
// when the strategy searches for groups there. An ACL that hides the groups does not fail a
// login: the look-up finds nothing, tokens carry no groups, and every `?groups=` or required
// group refuses everyone. So it is a warning here, not left to a silent empty `groups:` line.
import type { Client } from 'ldapts';
import { ResultCodeError } from 'ldapts';
import type { ResolvedOptions } from '../../options/resolve.js';
import { resultText } from './result-codes.js';
import { passed, type StepResult, warned } from './steps.js';

/** Group entries of every kind the strategies look for (RFC 2256, RFC 2307, Active Directory). */
const ANY_GROUP =
  '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup)(objectClass=group))';
/** The strategies that search under LDAP_GROUP_BASE_DN (memberOf reads the user's own entry). */
const SEARCHING = new Set(['search', 'nested', 'inChain']);

/**
 * With the default strategy, why a token may carry no groups: a stock OpenLDAP keeps no
 * `memberOf`, while Active Directory always does but leaves the primary group (Domain Users) out.
 * `undefined` when groups were found or the strategy is another.
 */
export function noMemberOfNote(options: ResolvedOptions, groups: unknown): string | undefined {
  if (options.groups.strategy !== 'memberOf') return undefined;
  if (Array.isArray(groups) && groups.length > 0) return undefined;
  if (options.ldap.preset.name === 'activedirectory') {
    return (
      'no groups from memberOf: the entry is in no group but its primary group (Domain Users), ' +
      'which Active Directory leaves out of memberOf'
    );
  }
  return (
    'no groups from memberOf: a slapd without its memberof overlay keeps none; set ' +
    'LDAP_GROUP_STRATEGY=search and LDAP_GROUP_BASE_DN to find groupOfNames groups'
  );
}

/** Whether the group strategy searches under LDAP_GROUP_BASE_DN, so that the step applies. */
export function searchesGroupBase(options: ResolvedOptions): boolean {
  return SEARCHING.has(options.groups.strategy);
}

/** The `groups` step: a group under LDAP_GROUP_BASE_DN is visible to the search identity. */
export async function checkGroupBase(
  client: Pick<Client, 'search'>,
  options: ResolvedOptions,
): Promise<StepResult> {
  const { groups, ldap } = options;
  const title = 'groups under LDAP_GROUP_BASE_DN';
  const who = ldap.serviceAccount ? ldap.serviceAccount.dn : 'anonymous';
  const details = { baseDn: groups.baseDn, as: who, strategy: groups.strategy };
  const consequence =
    'logins succeed but tokens carry no groups, so `?groups=` and LDAP_REQUIRED_GROUP refuse everyone';
  const variables = ['LDAP_GROUP_BASE_DN', 'LDAP_USERNAME', 'LDAP_GROUP_STRATEGY'];
  const acl =
    `let ${who} read the groups (slapd: access to dn.subtree="${groups.baseDn}" by dn.exact="${who}" read), ` +
    'or point LDAP_GROUP_BASE_DN at where the groups are';
  let found: number;
  try {
    const result = await client.search(groups.baseDn, {
      scope: 'sub',
      filter: ANY_GROUP,
      attributes: ['1.1'],
      sizeLimit: 1,
    });
    found = result.searchEntries.length;
  } catch (error) {
    const code = error instanceof ResultCodeError ? error.code : undefined;
    if (code === 4)
      found = 1; // sizeLimitExceeded: more than one group is visible
    else if (code === 32) {
      return warned(
        'groups',
        title,
        `${groups.baseDn} is not visible to ${who} (noSuchObject (32)): ${consequence}`,
        acl,
        variables,
        { ...details, resultCode: 32 },
      );
    } else {
      return warned(
        'groups',
        title,
        `the directory refused a search of ${groups.baseDn} as ${who}: ${resultText(error)}`,
        acl,
        variables,
        { ...details, ...(code === undefined ? {} : { resultCode: code }) },
      );
    }
  }
  if (found === 0) {
    return warned(
      'groups',
      title,
      `no group entry under ${groups.baseDn} is visible to ${who}: ${consequence}`,
      acl,
      variables,
      details,
    );
  }
  return passed('groups', title, `${who} can see groups under ${groups.baseDn}`, details);
}
