import type { AuthEvents, TokenRequestEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';

/** Longer usernames are cut in logs: no real one is this long, and the line stays bounded. */
const MAX_LOGGED_USERNAME = 64;
/** A compact JWS: a token pasted where a username goes must not land in the logs. */
const LOOKS_LIKE_TOKEN = /^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/;

/** The username as it may appear in a log line. */
export function loggableUsername(username: string | undefined): string | undefined {
  if (username === undefined) return undefined;
  if (LOOKS_LIKE_TOKEN.test(username)) return '[a token]';
  return username.length > MAX_LOGGED_USERNAME
    ? `${username.slice(0, MAX_LOGGED_USERNAME)}…`
    : username;
}

/**
 * Audit lines for token requests: `token_issued`, `token_refused` (with the reason, the error
 * code), `token_rate_limited`. Never a password or a token: the events carry neither, and a
 * username that looks like a token is replaced.
 */
export function auditEvents(logger: Logger): AuthEvents {
  return {
    tokenRequest(event: TokenRequestEvent) {
      const username = loggableUsername(event.username);
      if (event.outcome === 'issued') {
        logger.info(
          {
            event: 'token_issued',
            audit: true,
            username,
            subject: event.subject,
            expiresIn: event.expiresIn,
          },
          'Token issued',
        );
        return;
      }
      const limited = event.code === 'ERR_RATE_LIMITED';
      const fields = {
        event: limited ? 'token_rate_limited' : 'token_refused',
        audit: true,
        username,
        outcome: event.outcome,
        reason: event.code,
        // Why the directory refused the account, whatever the 401 showed the client.
        ...(event.accountState
          ? { accountState: event.accountState, passwordVerified: event.passwordVerified }
          : {}),
      };
      if (event.outcome === 'unavailable')
        logger.warn(fields, 'Token refused: directory unavailable');
      else if (limited) logger.info(fields, 'Token refused: too many attempts');
      else if (event.accountState) logger.info(fields, `Token refused: ${event.accountState}`);
      else logger.info(fields, 'Token refused');
    },
  };
}
