// The filters that find a user's groups, one per strategy: the configured (or default) member
// filter, Active Directory's in-chain rule, and the walk up one level of nesting.
import { AndFilter, EqualityFilter, ExtensibleFilter, type Filter, OrFilter } from 'ldapts';
import type { DirectoryPreset } from './presets.js';

/** LDAP_MATCHING_RULE_IN_CHAIN: Active Directory follows nested membership itself. */
export const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';

/**
 * The default group filter for a preset: every attribute its groups name members by, as
 * `(|(member={dn})(uniqueMember={dn})(memberUid={username}))` for OpenLDAP.
 */
export function defaultGroupFilter(preset: DirectoryPreset): string {
  const terms = preset.groups.memberAttributes.map(
    ({ attribute, holds }) => `(${attribute}={${holds === 'dn' ? 'dn' : 'username'}})`,
  );
  return terms.length === 1 ? terms[0]! : `(|${terms.join('')})`;
}

/**
 * `inChain`: the groups of `dn`, nested ones included, in one search:
 * `(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=<dn>))`.
 */
export function inChainFilter(dn: string, preset: DirectoryPreset): Filter {
  const member = preset.groups.memberAttributes.find((entry) => entry.holds === 'dn');
  const classes = preset.groups.groupObjectClasses.map(
    (value) => new EqualityFilter({ attribute: 'objectClass', value }),
  );
  return new AndFilter({
    filters: [
      classes.length === 1 ? classes[0]! : new OrFilter({ filters: classes }),
      new ExtensibleFilter({
        matchType: member?.attribute ?? 'member',
        rule: preset.groups.nestedMatchingRule ?? IN_CHAIN_RULE,
        value: dn,
      }),
    ],
  });
}

/** `nested`: the groups having any of `dns` as a member, through every DN-valued member attribute. */
export function parentsFilter(dns: readonly string[], preset: DirectoryPreset): Filter {
  const attributes = preset.groups.memberAttributes
    .filter((entry) => entry.holds === 'dn')
    .map((entry) => entry.attribute);
  return new OrFilter({
    filters: dns.flatMap((value) =>
      attributes.map((attribute) => new EqualityFilter({ attribute, value })),
    ),
  });
}
