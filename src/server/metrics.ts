import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Auth } from '../core/types.js';
import type { AuthEvents } from '../shared/events.js';

/** Counts the answers of one route by status: a plain map, read only when /metrics is scraped. */
export class RouteCounter {
  readonly byStatus = new Map<number, number>();
  constructor(readonly route: string) {}
  add(status: number): void {
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
}

/**
 * The service's Prometheus metrics (prom-client, on a registry of its own):
 * - `ldap_token_auth_http_requests_total{route,status}`: answers by route and status;
 * - `ldap_token_auth_token_requests_total{outcome,reason}`: token requests by outcome and error code;
 * - `ldap_token_auth_ldap_operation_duration_seconds{operation,outcome}`: LDAP operations;
 * - `ldap_token_auth_ldap_connections{pool,state}`: directory connections open and busy;
 * - Node's default process metrics, unless `processMetrics` is false.
 * Requests are counted in plain maps and turned into the counter at scrape time, so a request
 * costs a map update, not a label hash.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #routes = new Map<string, RouteCounter>();
  #auth: Auth | undefined;

  /** Feed these to `createAuth({ events })`: token outcomes and LDAP latencies. */
  readonly events: AuthEvents;

  constructor(options: { processMetrics?: boolean } = {}) {
    const routes = this.#routes;
    // Every metric here lives on the service's own registry, never prom-client's global one.
    const registered = <Label extends string>(
      name: string,
      help: string,
      labelNames: readonly Label[],
    ) => ({ name, help, labelNames, registers: [this.registry] });
    new Counter({
      ...registered(
        'ldap_token_auth_http_requests_total',
        'HTTP answers of the service, by route and status.',
        ['route', 'status'],
      ),
      collect() {
        this.reset();
        for (const counter of routes.values()) {
          for (const [status, count] of counter.byStatus) {
            this.inc({ route: counter.route, status: String(status) }, count);
          }
        }
      },
    });
    const tokens = new Counter(
      registered(
        'ldap_token_auth_token_requests_total',
        'Token requests by outcome (issued, refused, invalid_parameter, unavailable) and reason (the error code).',
        ['outcome', 'reason'],
      ),
    );
    const operations = new Histogram({
      ...registered(
        'ldap_token_auth_ldap_operation_duration_seconds',
        'LDAP operations (search, bind, serviceBind, ping) by outcome, in seconds.',
        ['operation', 'outcome'],
      ),
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    const metrics = this;
    new Gauge({
      ...registered(
        'ldap_token_auth_ldap_connections',
        'Directory connections by pool (searches, binds) and state (open, busy).',
        ['pool', 'state'],
      ),
      collect() {
        const stats = metrics.#auth?.directoryStats();
        if (!stats) return;
        for (const [pool, { open, busy }] of Object.entries(stats)) {
          this.set({ pool, state: 'open' }, open);
          this.set({ pool, state: 'busy' }, busy);
        }
      },
    });
    // One set per process is enough: they observe GC and the event loop for as long as it runs.
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.events = {
      tokenRequest(event) {
        tokens.inc({ outcome: event.outcome, reason: event.code ?? event.outcome });
      },
      ldapOperation(event) {
        operations.observe(
          { operation: event.operation, outcome: event.outcome },
          event.durationMs / 1000,
        );
      },
    };
  }

  /** The counter for one route; keep it, and call `add(status)` per answer. */
  route(route: string): RouteCounter {
    let counter = this.#routes.get(route);
    if (!counter) {
      counter = new RouteCounter(route);
      this.#routes.set(route, counter);
    }
    return counter;
  }

  /** The core whose directory pools are reported. */
  observe(auth: Auth): void {
    this.#auth = auth;
  }
}

/** Calls every listener of each event, in order. */
export function combineEvents(...all: AuthEvents[]): AuthEvents {
  return {
    tokenRequest(event) {
      for (const events of all) events.tokenRequest?.(event);
    },
    ldapOperation(event) {
      for (const events of all) events.ldapOperation?.(event);
    },
  };
}
