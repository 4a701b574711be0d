import { ResultCodeError } from 'ldapts';
import type { AuthEvents, LdapOperationEvent } from '../shared/events.js';

/** Runs LDAP operations, each reported (how long it took, how it ended) to the events. */
export type TimedOperation = <T>(
  operation: LdapOperationEvent['operation'],
  run: () => Promise<T>,
) => Promise<T>;

/**
 * The reporter for `events.ldapOperation`. Durations come from `performance.now()`: a stopwatch,
 * steady when the wall clock is set, and never the time of day (that is the injected clock's).
 */
export function timedOperations(events: AuthEvents): TimedOperation {
  return async (operation, run) => {
    const report = events.ldapOperation;
    if (!report) return run();
    const started = performance.now();
    try {
      const result = await run();
      report({ operation, durationMs: performance.now() - started, outcome: 'success' });
      return result;
    } catch (error) {
      // An LDAP result is the directory refusing; anything else is it not answering.
      const outcome = error instanceof ResultCodeError ? 'refused' : 'unavailable';
      report({ operation, durationMs: performance.now() - started, outcome });
      throw error;
    }
  };
}
