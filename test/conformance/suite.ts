import type { TestDirectory } from '../../src/testing/index.js';
import type { Answer } from '../helpers/conformance-answers.js';
import type { ConformanceOptions, ConformanceServer } from '../helpers/conformance-fixtures.js';

/**
 * What every group of conformance cases shares for one server under test. `directory` and
 * `server` are read inside the cases, once the suite's `before` has started them.
 */
export interface Suite {
  readonly directory: TestDirectory;
  readonly server: ConformanceServer;
  /** Whether the server runs a protected handler of its own: every adapter does, the service not. */
  readonly handler: boolean;
  tokenUrl(): string;
  requestToken(authorization?: string, query?: string): Promise<Answer>;
  /** `GET /`, the protected hello. */
  hello(authorization?: string): Promise<Answer>;
  /** The shared directory's bind and search counts, to prove a refusal never reached it. */
  counters(): { binds: number; searches: number };
  /** Starts another server for one case and always stops it. */
  withServer<T>(
    options: ConformanceOptions,
    use: (other: ConformanceServer) => Promise<T>,
  ): Promise<T>;
}
