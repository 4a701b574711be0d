import type { AuthenticatedUser } from '../auth.js';
import { type HttpAnswer, problem } from './answers.js';

/**
 * What a protected route asks of a user beyond a valid token. Group membership arrives with
 * issue 5 (groups read from the directory into the token's `groups` claim); until then a
 * requirement is checked against whatever `groups` claim a token carries, and a token without
 * one is refused: a requirement never fails open.
 */
export interface Requirements {
  /** Admit members of any of these groups. Empty or absent: any valid token. */
  groups?: readonly string[];
}

/** The groups a token says its holder belongs to; none when the claim is absent or malformed. */
export function groupsOf(user: AuthenticatedUser): readonly string[] {
  const groups = (user.claims as { groups?: unknown }).groups;
  return Array.isArray(groups) ? groups.filter((group) => typeof group === 'string') : [];
}

/** True when `user` meets `requirements`. */
export function meets(user: AuthenticatedUser, requirements: Requirements | undefined): boolean {
  const wanted = requirements?.groups;
  if (!wanted || wanted.length === 0) return true;
  const held = groupsOf(user);
  return wanted.some((group) => held.includes(group));
}

/** Authenticated, but not allowed here: a 403 in the seed's error shape. */
export function forbiddenAnswer(): HttpAnswer {
  return problem(403, 'forbidden', 'You are not allowed to access this resource');
}

/** The 403 when `user` does not meet `requirements`, else `undefined`. */
export function authorize(
  user: AuthenticatedUser,
  requirements: Requirements | undefined,
): HttpAnswer | undefined {
  return meets(user, requirements) ? undefined : forbiddenAnswer();
}
