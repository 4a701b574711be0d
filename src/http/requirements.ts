import type { Auth, AuthenticatedUser } from '../core/types.js';
import { DirectoryUnavailableError, StoreUnavailableError } from '../errors.js';
import { errorAnswer, type HttpAnswer, problem } from './answers.js';

/**
 * What a protected route asks of a user beyond a valid token. Every condition given must hold.
 * Groups are the names in the token's `groups` claim (read from the directory at login and at
 * refresh), compared ignoring case, as LDAP compares them; a token without the claim is in no group: a requirement never
 * fails open.
 */
export interface Requirements {
  /** Admit members of any of these groups. Empty or absent: no condition. */
  groups?: readonly string[];
  /** Admit members of every one of these groups. Empty or absent: no condition. */
  allGroups?: readonly string[];
  /**
   * Admit when this returns (or resolves to) `true`; anything else is a 403. A predicate that
   * throws or rejects is a 403 too, with the error logged, unless it throws one of the library's
   * "unavailable" errors (`DirectoryUnavailableError`, `StoreUnavailableError`), which is a 503.
   */
  check?: (user: AuthenticatedUser) => boolean | Promise<boolean>;
}

/** The groups a user's token says they belong to. */
export function groupsOf(user: AuthenticatedUser): readonly string[] {
  return user.groups;
}

/** True when `user` meets the group conditions of `requirements` (the predicate aside). */
export function meetsGroups(
  user: AuthenticatedUser,
  requirements: Requirements | undefined,
): boolean {
  const held = user.groups;
  const has = (group: string) => held.includes(group) || held.some((name) => sameName(name, group));
  const any = requirements?.groups;
  if (any && any.length > 0 && !any.some(has)) return false;
  const all = requirements?.allGroups;
  return !all || all.every(has);
}

/** Group names compare ignoring case, as LDAP compares them (and as the required group does). */
function sameName(held: string, wanted: string): boolean {
  return held.toLowerCase() === wanted.toLowerCase();
}

/** Authenticated, but not allowed here: a 403 in the seed's error shape. */
export function forbiddenAnswer(): HttpAnswer {
  return problem(403, 'forbidden', 'You are not allowed to access this resource');
}

/**
 * The refusal when `user` does not meet `requirements`, else `undefined`; a promise only when a
 * `check` predicate answers with one. Never rejects.
 */
export function authorize(
  auth: Auth,
  user: AuthenticatedUser,
  requirements: Requirements | undefined,
): HttpAnswer | undefined | Promise<HttpAnswer | undefined> {
  if (!meetsGroups(user, requirements)) return forbiddenAnswer();
  const check = requirements?.check;
  if (!check) return undefined;
  let verdict: boolean | Promise<boolean>;
  try {
    verdict = check(user);
  } catch (error) {
    return checkFailed(auth, error);
  }
  if (verdict instanceof Promise) {
    return verdict.then(
      (allowed) => (allowed === true ? undefined : forbiddenAnswer()),
      (error: unknown) => checkFailed(auth, error),
    );
  }
  return verdict === true ? undefined : forbiddenAnswer();
}

/**
 * {@link authorize} for a route under several sets of requirements (a NestJS controller's and
 * its method's): the first refusal, checked in order, else `undefined`. Never rejects.
 */
export function authorizeAll(
  auth: Auth,
  user: AuthenticatedUser,
  requirements: Requirements | readonly Requirements[],
  from = 0,
): HttpAnswer | undefined | Promise<HttpAnswer | undefined> {
  if (!isList(requirements)) return authorize(auth, user, requirements);
  for (let index = from; index < requirements.length; index++) {
    const refusal = authorize(auth, user, requirements[index]);
    if (refusal instanceof Promise) {
      return refusal.then((answer) => answer ?? authorizeAll(auth, user, requirements, index + 1));
    }
    if (refusal) return refusal;
  }
  return undefined;
}

function isList(
  requirements: Requirements | readonly Requirements[],
): requirements is readonly Requirements[] {
  return Array.isArray(requirements);
}

/** A predicate that failed: 503 when it says something is unavailable, else 403 and a log line. */
function checkFailed(auth: Auth, error: unknown): HttpAnswer {
  if (error instanceof DirectoryUnavailableError || error instanceof StoreUnavailableError) {
    return errorAnswer(error, '');
  }
  auth.logger.error(
    {
      event: 'requirement_check_failed',
      error: error instanceof Error ? error.name : typeof error,
    },
    `A loginRequired check threw (${error instanceof Error ? error.message : 'a non-error value'}); refusing with 403`,
  );
  return forbiddenAnswer();
}
