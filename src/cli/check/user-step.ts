// check's user step: the user search a login makes (the library's own findUserEntry, on check's
// connection), and what a token issued to the entry found would carry, or why a login would be
// refused.
import { type Client, type Filter, SizeLimitExceededError } from 'ldapts';
import { ForbiddenError, InvalidCredentialsError } from '../../errors.js';
import { describeFailure } from '../../ldap/failures.js';
import {
  findUserEntry,
  type UserEntryResult,
  userSearchFilter,
} from '../../ldap/find-user-entry.js';
import type { FoundEntry } from '../../ldap/groups.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { noMemberOfNote } from './group-checks.js';
import { resultText } from './result-codes.js';
import { failed, passed, type StepResult } from './steps.js';
import { NotInRequiredGroup, tokenContents, userSearchAttributes } from './user-entry.js';

type Ldap = ResolvedOptions['ldap'];

/** Who searches: the service account, or anonymous. */
export function searchIdentity(ldap: Ldap): string {
  return ldap.serviceAccount ? ldap.serviceAccount.dn : 'anonymous';
}

function searchDetails(ldap: Ldap, filter: Filter): Record<string, unknown> {
  return { filter: filter.toString(), topDn: ldap.topDn, scope: ldap.scope };
}

/**
 * The user search of a login, on check's connection, and what a token issued to the entry found
 * would carry; or why a login would be refused.
 */
export async function checkUser(
  client: Client,
  options: ResolvedOptions,
  username: string,
  criteria: string,
): Promise<{ step: StepResult; user?: FoundEntry }> {
  const ldap = options.ldap;
  const title = `user ${username}`;
  let found: UserEntryResult;
  try {
    found = await findUserEntry((base, search) => client.search(base, search), ldap, {
      username,
      criteria,
      attributes: userSearchAttributes(options),
    });
  } catch (error) {
    const { filter } = userSearchFilter(ldap, { username, criteria });
    const step = failed(
      'user',
      title,
      `the user search failed: ${resultText(error)}`,
      describeFailure(error, 'search', ldap).message,
      ['LDAP_TOP_DN', 'LDAP_USERNAME', 'LDAP_PASSWORD'],
      searchDetails(ldap, filter),
    );
    return { step };
  }
  const details = searchDetails(ldap, found.filter);
  const where = `under ${ldap.topDn} (scope ${ldap.scope}) as ${searchIdentity(ldap)}`;
  const filter = found.filter;
  if (found.outcome === 'none') {
    const step = failed(
      'user',
      title,
      `no entry matches ${filter.toString()} ${where}`,
      `check the name, and which attribute it is matched against (LDAP_SEARCH_CRITERIA, now ${criteria}); ` +
        'check LDAP_TOP_DN and LDAP_SEARCH_SCOPE, and that the search identity may read users ' +
        '(an ACL can hide them: LDAP_USERNAME)',
      ['LDAP_SEARCH_CRITERIA', 'LDAP_TOP_DN', 'LDAP_SEARCH_SCOPE', 'LDAP_USERNAME', 'LDAP_PRESET'],
      details,
    );
    return { step };
  }
  if (found.outcome === 'ambiguous') {
    const step = failed(
      'user',
      title,
      `more than one entry matches ${filter.toString()} ${where}: a login would be refused`,
      'match against an attribute that is unique (LDAP_SEARCH_CRITERIA), or narrow LDAP_TOP_DN',
      ['LDAP_SEARCH_CRITERIA', 'LDAP_TOP_DN'],
      details,
    );
    return { step };
  }
  const user = found.entry;
  let contents: Record<string, unknown>;
  try {
    contents = await tokenContents(user, options, client);
  } catch (error) {
    return { step: identityFailure(error, user.dn, title, options, details) };
  }
  const step = passed('user', title, `found ${user.dn}`, { ...details, ...contents });
  step.lines = [
    'a token would carry:',
    ...Object.entries(contents).map(([key, value]) => `  ${key}: ${shown(value)}`),
  ];
  const note = noMemberOfNote(options, contents.groups);
  if (note) step.lines.push(`  (${note})`);
  return { step, user };
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * The user was found, but a login would still be refused: the required group, or the groups.
 * Internal; exported for its test.
 */
export function identityFailure(
  error: unknown,
  dn: string,
  title: string,
  options: ResolvedOptions,
  details: Record<string, unknown>,
): StepResult {
  const groups = options.groups;
  if (error instanceof InvalidCredentialsError) {
    const { subjectAttribute, loginAttribute } = options.user;
    return failed(
      'user',
      title,
      `found ${dn}, but it lacks ${subjectAttribute} or ${loginAttribute} (or has several values its DN names none of): a login would get a 401`,
      'give the entry the attribute, or name another with LDAP_SUBJECT_ATTRIBUTE / LDAP_SEARCH_CRITERIA',
      ['LDAP_SUBJECT_ATTRIBUTE', 'LDAP_SEARCH_CRITERIA'],
      { ...details, dn },
    );
  }
  if (error instanceof ForbiddenError) {
    const why = error instanceof NotInRequiredGroup ? error : undefined;
    return failed(
      'user',
      title,
      `found ${dn}, but it is not in the required group ${groups.required}: a login would get a ` +
        `403${why ? `; ${why.why}` : ''}`,
      why?.hint ??
        `add the user to the group, or check LDAP_REQUIRED_GROUP and how groups are found ` +
          `(LDAP_GROUP_STRATEGY, now ${groups.strategy})`,
      ['LDAP_REQUIRED_GROUP', 'LDAP_GROUP_STRATEGY', 'LDAP_GROUP_BASE_DN', 'LDAP_GROUP_FILTER'],
      { ...details, dn, ...why?.details },
    );
  }
  if (error instanceof SizeLimitExceededError) {
    return failed(
      'user',
      title,
      `found ${dn}, but its groups are more than the search identity may read at once ` +
        '(sizeLimitExceeded): a login would get a 503',
      'raise the search identity’s size limit (slapd: limits dn.exact="<LDAP_USERNAME’s DN>" ' +
        'size=unlimited; Active Directory: MaxPageSize), or narrow LDAP_GROUP_BASE_DN',
      ['LDAP_USERNAME', 'LDAP_GROUP_BASE_DN', 'LDAP_GROUP_STRATEGY'],
      { ...details, dn, resultCode: error.code },
    );
  }
  return failed(
    'user',
    title,
    `found ${dn}, but its groups could not be read: ${resultText(error)}`,
    'check LDAP_GROUP_BASE_DN and LDAP_GROUP_FILTER, and that the search identity may read the ' +
      'groups (LDAP_USERNAME)',
    ['LDAP_GROUP_STRATEGY', 'LDAP_GROUP_BASE_DN', 'LDAP_GROUP_FILTER', 'LDAP_USERNAME'],
    { ...details, dn },
  );
}
