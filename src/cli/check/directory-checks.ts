// `check`'s LDAP steps, on one connection to a server that passed the connection steps: the
// service-account bind, a search of LDAP_TOP_DN, the user search of a login, and the password
// bind. The filter, the login normalisation and the failure descriptions are the library's own.
import { InvalidCredentialsError as LdapInvalidCredentials, ResultCodeError } from 'ldapts';
import { ForbiddenError, InvalidCredentialsError } from '../../errors.js';
import { Connection } from '../../ldap/connection.js';
import { userFilter } from '../../ldap/escape.js';
import { describeFailure, ServiceAccountBindError } from '../../ldap/failures.js';
import { PasswordPolicyControl } from '../../ldap/password-policy-control.js';
import type { ServerAddress } from '../../ldap/urls.js';
import { normaliseLogin } from '../../ldap/usernames.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { checkGroupBase, noMemberOfNote, searchesGroupBase } from './group-checks.js';
import { passwordStep } from './password-verdict.js';
import { resultText } from './result-codes.js';
import { failed, passed, type StepResult, skipped } from './steps.js';
import {
  type FoundUser,
  NotInRequiredGroup,
  tokenContents,
  userSearchAttributes,
} from './user-entry.js';

type Ldap = ResolvedOptions['ldap'];

export interface DirectoryCheckInput {
  options: ResolvedOptions;
  server: ServerAddress;
  /** `--user`: the login to look for. */
  username?: string;
  /** `--criteria`: the attribute to match it against; default the configured default. */
  criteria?: string;
  /** From `--password-prompt`: checked by a bind as the user found. Never printed. */
  password?: string;
}

export interface DirectoryCheckResult {
  steps: StepResult[];
  /** The user's entry, when `--user` found exactly one. */
  user?: FoundUser;
}

/** Runs the LDAP steps in order; a step whose prerequisite failed is reported as skipped. */
export async function checkDirectory(input: DirectoryCheckInput): Promise<DirectoryCheckResult> {
  const { options, server } = input;
  const ldap = options.ldap;
  const steps: StepResult[] = [];
  const timeouts = { connectMs: ldap.connectTimeoutMs, operationMs: ldap.timeoutMs };
  let connection: Connection;
  try {
    connection = await Connection.open(server, ldap.tls, timeouts);
  } catch (error) {
    const { message } = describeFailure(error, 'search', ldap);
    steps.push(
      failed('connect', `connect ${server.url}`, message, 'see the reach and TLS steps above', [
        'LDAP_AUTH_SERVER',
      ]),
    );
    return { steps };
  }
  try {
    const bind = await checkServiceBind(connection, ldap);
    steps.push(bind);
    if (bind.status === 'fail') {
      steps.push(
        skipped('search', 'search LDAP_TOP_DN', 'not run: the service account bind failed'),
      );
      if (input.username) steps.push(skipped('user', `user ${input.username}`, 'not run'));
      return { steps };
    }
    const search = await checkSearch(connection, ldap);
    steps.push(search);
    if (search.status !== 'fail' && searchesGroupBase(options)) {
      steps.push(await checkGroupBase(connection.client, options));
    }
    if (!input.username) {
      steps.push(skipped('user', 'user search', 'not run: give --user <name> to look one up'));
      return { steps };
    }
    if (search.status === 'fail') {
      steps.push(skipped('user', `user ${input.username}`, 'not run: the search failed'));
      return { steps };
    }
    const criteria = input.criteria ?? options.searchCriteria.default;
    const found = await findUser(connection, options, input.username, criteria);
    steps.push(found.step);
    if (found.user && input.password !== undefined) {
      steps.push(await checkPassword(server, ldap, found.user.dn, input.password));
    } else if (input.password !== undefined) {
      steps.push(skipped('password', 'password', 'not run: no user entry to check it against'));
    }
    return { steps, ...(found.user ? { user: found.user } : {}) };
  } finally {
    await connection.close();
  }
}

function identity(ldap: Ldap): string {
  return ldap.serviceAccount ? ldap.serviceAccount.dn : 'anonymous';
}

async function checkServiceBind(connection: Connection, ldap: Ldap): Promise<StepResult> {
  const account = ldap.serviceAccount;
  const title = 'service account bind';
  if (!account) {
    return skipped('service-bind', title, 'no LDAP_USERNAME: the user search is anonymous');
  }
  try {
    await connection.client.bind(account.dn, account.password);
    return passed('service-bind', title, `bound as ${account.dn}`, { dn: account.dn });
  } catch (error) {
    const { message } = describeFailure(new ServiceAccountBindError(error), 'search', ldap);
    const code = error instanceof ResultCodeError ? error.code : undefined;
    // Active Directory says why in the message ("data 52e": wrong password, "533": disabled...).
    const cause =
      error instanceof LdapInvalidCredentials
        ? `${resultText(error)}; LDAP_PASSWORD is wrong for this DN, or no entry has this DN ` +
          '(a bare LDAP_USERNAME is expanded with LDAP_SEARCH_CRITERIA and LDAP_TOP_DN)'
        : resultText(error);
    return failed(
      'service-bind',
      title,
      `the directory refused the bind as ${account.dn}: ${cause}`,
      message,
      ['LDAP_USERNAME', 'LDAP_PASSWORD'],
      { dn: account.dn, ...(code === undefined ? {} : { resultCode: code }) },
    );
  }
}

async function checkSearch(connection: Connection, ldap: Ldap): Promise<StepResult> {
  const title = 'search LDAP_TOP_DN';
  const who = identity(ldap);
  try {
    await connection.client.search(ldap.topDn, {
      scope: 'base',
      attributes: ['1.1'],
      sizeLimit: 1,
    });
    return passed('search', title, `${ldap.topDn} can be searched as ${who}`, {
      topDn: ldap.topDn,
      as: who,
    });
  } catch (error) {
    const code = error instanceof ResultCodeError ? error.code : undefined;
    const details = {
      topDn: ldap.topDn,
      as: who,
      ...(code === undefined ? {} : { resultCode: code }),
    };
    const summary = `the directory refused a search of ${ldap.topDn} as ${who}: ${resultText(error)}`;
    if (code === 32) {
      return failed(
        'search',
        title,
        summary,
        `noSuchObject (32): no entry ${ldap.topDn} on this server${ldap.serviceAccount ? '' : ', or the ACL hides it from anonymous'}; ` +
          "check LDAP_TOP_DN (the base DN under which users are, e.g. ou=people,dc=example,dc=org; the server's namingContexts list its suffixes)" +
          (ldap.serviceAccount
            ? ''
            : ', or set LDAP_USERNAME and LDAP_PASSWORD to a service account the ACL lets read it'),
        ldap.serviceAccount ? ['LDAP_TOP_DN'] : ['LDAP_TOP_DN', 'LDAP_USERNAME', 'LDAP_PASSWORD'],
        details,
      );
    }
    if (code === 50 && !ldap.serviceAccount) {
      return failed(
        'search',
        title,
        summary,
        'insufficientAccessRights (50): the directory refuses anonymous search; set ' +
          'LDAP_USERNAME and LDAP_PASSWORD to a service account that may search',
        ['LDAP_USERNAME', 'LDAP_PASSWORD'],
        details,
      );
    }
    return failed(
      'search',
      title,
      summary,
      describeFailure(error, 'search', ldap).message,
      ['LDAP_TOP_DN', 'LDAP_USERNAME', 'LDAP_PASSWORD'],
      details,
    );
  }
}

async function findUser(
  connection: Connection,
  options: ResolvedOptions,
  username: string,
  criteria: string,
): Promise<{ step: StepResult; user?: FoundUser }> {
  const ldap = options.ldap;
  const title = `user ${username}`;
  const { attribute, value } = normaliseLogin(ldap.preset, criteria, username);
  const filter = userFilter(attribute, value, ldap.preset.userConditions);
  const where = `under ${ldap.topDn} (scope ${ldap.scope}) as ${identity(ldap)}`;
  const details = { filter: filter.toString(), topDn: ldap.topDn, scope: ldap.scope };
  let entries: FoundUser[];
  try {
    const result = await connection.client.search(ldap.topDn, {
      scope: ldap.scope,
      filter,
      ...userSearchAttributes(options),
      sizeLimit: 2,
    });
    entries = result.searchEntries;
  } catch (error) {
    if (!(error instanceof ResultCodeError && error.code === 4)) {
      const step = failed(
        'user',
        title,
        `the user search failed: ${resultText(error)}`,
        describeFailure(error, 'search', ldap).message,
        ['LDAP_TOP_DN', 'LDAP_USERNAME', 'LDAP_PASSWORD'],
        details,
      );
      return { step };
    }
    entries = [{ dn: '' }, { dn: '' }]; // sizeLimitExceeded: more than one
  }
  if (entries.length === 0) {
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
  if (entries.length > 1) {
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
  const user = entries[0]!;
  let contents: Record<string, unknown>;
  try {
    contents = await tokenContents(user, options, connection.client);
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
  if (error instanceof ResultCodeError && error.code === 4) {
    return failed(
      'user',
      title,
      `found ${dn}, but its groups are more than the search identity may read at once ` +
        '(sizeLimitExceeded): a login would get a 503',
      'raise the search identity’s size limit (slapd: limits dn.exact="<LDAP_USERNAME’s DN>" ' +
        'size=unlimited; Active Directory: MaxPageSize), or narrow LDAP_GROUP_BASE_DN',
      ['LDAP_USERNAME', 'LDAP_GROUP_BASE_DN', 'LDAP_GROUP_STRATEGY'],
      { ...details, dn, resultCode: 4 },
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

async function checkPassword(
  server: ServerAddress,
  ldap: Ldap,
  dn: string,
  password: string,
): Promise<StepResult> {
  const title = 'password';
  if (!password) {
    return failed(
      'password',
      title,
      'the password given is empty',
      'an empty password is refused before any bind (RFC 4513, 5.1.2)',
      [],
    );
  }
  const timeouts = { connectMs: ldap.connectTimeoutMs, operationMs: ldap.timeoutMs };
  let connection: Connection | undefined;
  // The login's bind: with the password-policy request control, read the same way.
  const policy = new PasswordPolicyControl();
  try {
    connection = await Connection.open(server, ldap.tls, timeouts);
    await connection.client.bind(dn, password, policy);
  } catch (error) {
    await connection?.close();
    return passwordStep(dn, ldap, policy.response, error);
  }
  await connection.close();
  return passwordStep(dn, ldap, policy.response);
}
