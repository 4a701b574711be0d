import type { Auth } from '../core/types.js';
import { LdapTokenAuthError } from '../errors.js';

/** Logs what is not one of our errors (a fault of ours, answered 503); our errors are answers. */
export function reportUnexpected(auth: Auth, error: unknown): void {
  if (error instanceof LdapTokenAuthError) return;
  auth.logger.error(
    { event: 'unexpected_error', error: error instanceof Error ? error.name : typeof error },
    error instanceof Error ? error.message : 'A non-error value was thrown',
  );
}
