// What the sign-in page says when a sign-in fails: the token endpoint's answer for the same
// error, in words for a person.
import { DirectoryUnavailableError } from '../../errors.js';
import type { RevealReason } from '../../options/resolve.js';
import { ACCOUNT_STATE_MESSAGES, errorAnswer, shownReason } from '../answers.js';

const WRONG_PASSWORD = 'The username or password is incorrect.';

/**
 * The page's status and message for a failed sign-in; never the error's own text. The status
 * (and `Retry-After`) are those the token endpoint answers for the same error (`errorAnswer`,
 * the one table), and an account state is named exactly as there (`shownReason`, under
 * `passwordPolicy.revealReason`), so that the page tells no more about an account than the
 * token endpoint does, and a new error or reason cannot pass for a wrong password.
 */
export function failureOf(
  error: unknown,
  revealReason: RevealReason = 'verified',
): { status: number; message: string; headers?: Record<string, string> } {
  const answer = errorAnswer(error, '', revealReason);
  const retryAfter = answer.headers['Retry-After'];
  return {
    status: answer.status,
    message: failureMessage(error, answer.status, revealReason, Number(retryAfter)),
    ...(retryAfter ? { headers: { 'Retry-After': retryAfter } } : {}),
  };
}

function failureMessage(
  error: unknown,
  status: number,
  revealReason: RevealReason,
  retryAfterSeconds: number,
): string {
  const reason = shownReason(error, revealReason);
  if (reason) return ACCOUNT_STATE_MESSAGES[reason] ?? WRONG_PASSWORD;
  switch (status) {
    case 400:
      return 'This sign-in request is not valid.';
    case 401:
      return WRONG_PASSWORD;
    case 403:
      return 'This account may not sign in here. Ask your administrator for access.';
    case 429: {
      const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
      return `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
    }
    default:
      return error instanceof DirectoryUnavailableError
        ? 'The directory cannot be reached right now. Try again in a moment.'
        : 'Signing in is not possible right now. Try again in a moment.';
  }
}
