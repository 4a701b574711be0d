// What a caller of the directory sees when an LDAP operation fails: the library's own error (a
// refused login, or the directory unavailable), never an ldapts class; the operator gets the
// log line that says why.
import { InvalidCredentialsError as LdapInvalidCredentials } from 'ldapts';
import { DirectoryUnavailableError, InvalidCredentialsError } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import { refusalOf } from './account-state.js';
import { describeFailure, isRefusal } from './failures.js';
import type { PasswordPolicyResponse } from './password-policy-control.js';
import type { DirectorySettings } from './settings.js';

/**
 * A refused bind is a failed login (with the account state, when the directory says it); any
 * other failure makes the directory unavailable.
 * @param policy the password-policy response that came with a refused bind.
 */
export function directoryError(
  error: unknown,
  operation: 'search' | 'bind',
  settings: Pick<DirectorySettings, 'url' | 'timeoutMs'>,
  logger: Logger,
  policy?: PasswordPolicyResponse,
): Error {
  if (operation === 'bind' && isRefusal(error)) {
    // A wrong password is routine; any other refusal (unwillingToPerform...) is worth a look.
    if (!(error instanceof LdapInvalidCredentials)) {
      logger.warn(
        { event: 'login_refused_by_directory', resultCode: error.code },
        `The directory refused the bind: ${error.message}`,
      );
    }
    return new InvalidCredentialsError('Invalid username or password', {
      cause: error,
      ...refusalOf(error, policy),
    });
  }
  const { event, level, message, fields } = describeFailure(error, operation, settings);
  logger[level]({ event, operation, url: settings.url, ...fields }, message);
  return new DirectoryUnavailableError('The directory is unavailable', { cause: error });
}
