import type { TokenRequestParams } from '../core/types.js';
import { InvalidParameterError } from '../errors.js';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);
const WHOLE_NUMBER = /^\d{1,12}$/;

/**
 * Reads the token request's query string (`token_duration`, `search_criteria`,
 * `authenticated_search`) into typed parameters. Range and allow-list checks belong to the core;
 * this only insists that each value has the right form.
 * @param query the raw query string, with or without its leading `?`.
 * @throws {InvalidParameterError}
 */
export function parseTokenRequestParams(query: string): TokenRequestParams {
  const search = new URLSearchParams(query);
  const params: TokenRequestParams = {};

  const duration = single(search, 'token_duration');
  if (duration !== undefined) {
    if (!WHOLE_NUMBER.test(duration)) {
      throw new InvalidParameterError(
        'token_duration',
        'token_duration must be a positive whole number of seconds',
      );
    }
    params.tokenDuration = Number(duration);
  }

  const criteria = single(search, 'search_criteria');
  if (criteria !== undefined) params.searchCriteria = criteria;

  const authenticated = single(search, 'authenticated_search');
  if (authenticated !== undefined) {
    const normalised = authenticated.trim().toLowerCase();
    if (TRUE.has(normalised)) params.authenticatedSearch = true;
    else if (FALSE.has(normalised)) params.authenticatedSearch = false;
    else {
      throw new InvalidParameterError(
        'authenticated_search',
        'authenticated_search must be true or false',
      );
    }
  }
  return params;
}

/** A parameter given twice is refused: which of the two was meant cannot be known. */
function single(search: URLSearchParams, name: string): string | undefined {
  const values = search.getAll(name);
  if (values.length > 1) throw new InvalidParameterError(name, `${name} must be given once`);
  return values[0];
}
