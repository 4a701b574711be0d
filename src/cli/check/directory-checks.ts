// `check`'s LDAP steps, on one connection to a server that passed the connection steps: the
// service-account bind, a search of LDAP_TOP_DN, the user search of a login, and the password
// bind. The filter, the login normalisation and the failure descriptions are the library's own.
import {
  InsufficientAccessError,
  InvalidCredentialsError as LdapInvalidCredentials,
  NoSuchObjectError,
  ResultCodeError,
} from 'ldapts';
import { Connection } from '../../ldap/connection.js';
import { describeFailure, ServiceAccountBindError } from '../../ldap/failures.js';
import type { FoundEntry } from '../../ldap/groups.js';
import { PasswordPolicyControl } from '../../ldap/password-policy-control.js';
import type { ServerAddress } from '../../ldap/urls.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { checkGroupBase, searchesGroupBase } from './group-checks.js';
import { passwordStep } from './password-verdict.js';
import { resultText } from './result-codes.js';
import { failed, passed, type StepResult, skipped } from './steps.js';
import { checkUser, searchIdentity } from './user-step.js';

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
  user?: FoundEntry;
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
    const found = await checkUser(connection.client, options, input.username, criteria);
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
  const who = searchIdentity(ldap);
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
    if (error instanceof NoSuchObjectError) {
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
    if (error instanceof InsufficientAccessError && !ldap.serviceAccount) {
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
