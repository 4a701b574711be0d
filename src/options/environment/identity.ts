// Who the user is: account-state answers, attributes, claims and groups.
import type { EnvironmentVariable } from './variable.js';

export const IDENTITY_VARIABLES: readonly EnvironmentVariable[] = [
  {
    name: 'LDAP_REVEAL_ACCOUNT_STATE',
    option: 'passwordPolicy.revealReason',
    kind: 'revealReason',
    description:
      "When a refused login's 401 says why (`reason`: `account_locked`, `password_expired`, `password_must_change`...): `verified` only when the directory proved the password right; `always` also for lockouts, reported whatever the password (this tells a prober the account exists); `never` keeps the plain 401.",
  },
  {
    name: 'LDAP_PASSWORD_POLICY_CONTROL',
    option: 'passwordPolicy.control',
    kind: 'policyControl',
    description:
      "Whether user binds carry OpenLDAP's password-policy request control (slapd's ppolicy overlay answers only then): `auto` when the root DSE lists it in `supportedControl` (read once; sent when unreadable), `always`, or `never`. The control costs the directory about a tenth of its bind throughput.",
  },
  {
    name: 'LDAP_SUBJECT_ATTRIBUTE',
    option: 'user.subjectAttribute',
    kind: 'string',
    description:
      "Attribute of the user's entry whose value, as the directory stores it, is the token's `sub`, `req.user.username`, `X-Auth-User` and the key of revocations, whatever name or attribute the person typed. Default: the login attribute (`LDAP_SEARCH_CRITERIA`: `uid`, `sAMAccountName` with `LDAP_PRESET=activedirectory`). `entryUUID` or `objectGUID` (in text form) give an identifier that survives renames. The login attribute's value is always carried as `preferred_username`. An entry without either attribute gets no token; one with several values uses the value its DN names, and gets no token when its DN names none.",
  },
  {
    name: 'LDAP_USER_ATTRIBUTES',
    option: 'user.attributes',
    kind: 'list',
    description:
      "Comma-separated attributes read from the user's entry with the search that finds it, given to protected routes as `user.attributes` and carried in the token's `attributes` claim (one value: a string; several: an array). `objectGUID`/`objectSid` come in text form; photos, certificates and password attributes are refused.",
  },
  {
    name: 'TOKEN_CLAIMS',
    option: 'user.claims',
    kind: 'claims',
    description:
      'Top-level token claims copied from attributes: `claim=attribute`, comma-separated; `a|b` takes the first attribute present.',
  },
  {
    name: 'LDAP_GROUP_STRATEGY',
    option: 'groups.strategy',
    kind: 'groupStrategy',
    description:
      "How a user's groups are found: `memberOf` (the entry's memberOf values, no extra query), `search` (`LDAP_GROUP_FILTER` under `LDAP_GROUP_BASE_DN`), `inChain` (Active Directory nested groups, matching rule 1.2.840.113556.1.4.1941), `nested` (OpenLDAP nested groupOfNames, one query per level) or `none`.",
  },
  {
    name: 'LDAP_GROUP_BASE_DN',
    option: 'groups.baseDn',
    kind: 'string',
    description:
      'Base DN of the group searches (`search`, `inChain`, `nested`). Default: the `dc=` part of `LDAP_TOP_DN`.',
  },
  {
    name: 'LDAP_GROUP_FILTER',
    option: 'groups.filter',
    kind: 'string',
    default: '(|(member={dn})(uniqueMember={dn})(memberUid={username}))',
    description:
      "Filter for a user's own groups (`search`, `nested`); `{dn}` is the user's DN, `{username}` its login attribute's value, both escaped. Default with `LDAP_PRESET=activedirectory` or `freeipa`: `(member={dn})`.",
  },
  {
    name: 'LDAP_GROUP_NAME_ATTRIBUTE',
    option: 'groups.nameAttribute',
    kind: 'string',
    description:
      "Attribute that names a group in the token's `groups` claim (with `memberOf`, read from the group DN's first RDN when it is this attribute).",
  },
  {
    name: 'TOKEN_MAX_GROUPS',
    option: 'groups.maxInToken',
    kind: 'integer',
    description:
      'Most group names a token carries (direct groups first); more are left out with a warning. `LDAP_REQUIRED_GROUP` is checked against all of them.',
  },
  {
    name: 'LDAP_GROUP_MAX_DEPTH',
    option: 'groups.maxDepth',
    kind: 'integer',
    description:
      '`nested`: levels of nesting followed above the direct groups; deeper ones are left out with a warning.',
  },
  {
    name: 'LDAP_GROUP_TIME_BUDGET_MS',
    option: 'groups.timeBudgetMs',
    kind: 'integer',
    description:
      '`nested`, and `memberOf` when group names are read from the groups: milliseconds group resolution may take; past it the login or refresh is answered 503, never a token with part of the groups.',
  },
  {
    name: 'LDAP_REQUIRED_GROUP',
    option: 'groups.required',
    kind: 'string',
    description:
      'Only members of this group (its name, or its DN; case ignored) get a token: others get 403 at request-token and 401 at refresh. Unset: anyone in the directory.',
  },
];
