// The checks of a token request's parameters (flask-ldap-auth's query parameters) against what
// the configuration allows: one place, for request-token and refresh.

import { InvalidParameterError } from '../errors.js';
import type { ResolvedOptions } from '../options/resolve.js';

/**
 * The lifetime a token request asks for, checked against the configured default and cap, and
 * shortened to the longest a session lasts (`maxSessionSeconds`): no token outlives its login's
 * session, whatever `maxDuration` allows.
 */
export function checkDuration(
  requested: number | undefined,
  limits: ResolvedOptions['token'],
): number {
  return Math.min(requestedDuration(requested, limits), limits.maxSessionSeconds);
}

function requestedDuration(requested: number | undefined, limits: ResolvedOptions['token']) {
  if (requested === undefined) return limits.defaultDuration;
  if (!Number.isSafeInteger(requested) || requested <= 0) {
    throw new InvalidParameterError(
      'token_duration',
      'token_duration must be a positive whole number of seconds',
    );
  }
  if (requested > limits.maxDuration) {
    throw new InvalidParameterError(
      'token_duration',
      `token_duration must be at most ${limits.maxDuration} seconds`,
    );
  }
  return requested;
}

/** The attribute a token request names (`search_criteria`), as the allow-list spells it. */
export function checkCriteria(
  requested: string | undefined,
  criteria: ResolvedOptions['searchCriteria'],
): string {
  if (requested === undefined) return criteria.default;
  const allowed = criteria.allowed.find((name) => name.toLowerCase() === requested.toLowerCase());
  if (!allowed) {
    throw new InvalidParameterError(
      'search_criteria',
      `search_criteria must be one of: ${criteria.allowed.join(', ')}`,
    );
  }
  return allowed;
}
