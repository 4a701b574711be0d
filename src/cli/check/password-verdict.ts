// The verdict of check's password step, from the bind's outcome and the password-policy answer.
import { InvalidCredentialsError as LdapInvalidCredentials, ResultCodeError } from 'ldapts';
import { refusalAfterSuccess, refusalOf } from '../../ldap/account-state.js';
import { describeFailure } from '../../ldap/failures.js';
import type { PasswordPolicyResponse } from '../../ldap/password-policy-control.js';
import type { ResolvedOptions } from '../../options/resolve.js';
import { resultText } from './result-codes.js';
import { failed, passed, type StepResult } from './steps.js';

/**
 * The password step's verdict, as a login would see the bind: refused, accepted but restricted
 * (must change the password: a login gets no token), or accepted. Internal; exported for its test.
 * @param error the bind's error; absent when the bind succeeded.
 */
export function passwordStep(
  dn: string,
  ldap: ResolvedOptions['ldap'],
  policy: PasswordPolicyResponse | undefined,
  error?: unknown,
): StepResult {
  const title = 'password';
  if (error === undefined) {
    const refusal = refusalAfterSuccess(policy);
    if (refusal?.reason) {
      return failed(
        'password',
        title,
        `the directory accepted the password of ${dn}, but restricts the session ` +
          `(${refusal.reason}): a login would be refused with a 401`,
        'the user must set a new password first (or an administrator clears pwdReset)',
        [],
        { dn, accountState: refusal.reason, passwordVerified: true },
      );
    }
    return passed('password', title, `the directory accepted the password of ${dn}`, { dn });
  }
  const code = error instanceof ResultCodeError ? error.code : undefined;
  const refusal = code === undefined ? undefined : refusalOf(error, policy);
  const state = refusal?.reason;
  return failed(
    'password',
    title,
    `the directory refused the password of ${dn}: ${resultText(error)}` +
      (state ? ` (account state: ${state})` : ''),
    state
      ? `the account is refused for its state (${state}), ` +
          (refusal?.passwordVerified ? 'though the password is right' : 'whatever the password')
      : error instanceof LdapInvalidCredentials
        ? 'wrong password, or the account is locked, disabled or expired (the directory says ' +
          'which in its log; Active Directory in the "data" code of the message)'
        : describeFailure(error, 'bind', ldap).message,
    [],
    {
      dn,
      ...(code === undefined ? {} : { resultCode: code }),
      ...(state ? { accountState: state, passwordVerified: refusal?.passwordVerified } : {}),
    },
  );
}
