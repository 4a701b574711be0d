// The standalone service's health answers: `/healthz` (alive), `/readyz` (the directory
// answers), `/metrics` (Prometheus).
import type { Auth } from '../core/types.js';
import { errorAnswer, type HttpAnswer } from '../http/answers.js';
import type { ServiceMetrics } from './metrics.js';

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

/** `/healthz`: the process answers. */
export function aliveAnswer(): HttpAnswer {
  return json(200, { status: 'ok' });
}

/** `/readyz`: asks the directory, one probe at a time however many callers wait on it. */
export function readiness(auth: Auth): () => Promise<HttpAnswer> {
  let pending: Promise<HttpAnswer> | undefined;
  return () => {
    pending ??= auth
      .checkDirectory()
      .then(
        () => json(200, { status: 'ready' }),
        (error: unknown) => errorAnswer(error, ''),
      )
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** `/metrics`: the Prometheus text; a 503 if a collector fails. */
export function metricsAnswer(metrics: ServiceMetrics): Promise<HttpAnswer> {
  const { registry } = metrics;
  return registry.metrics().then(
    (text) => ({ status: 200, headers: { 'Content-Type': registry.contentType }, body: text }),
    () => errorAnswer(undefined, ''),
  );
}

function json(status: number, body: Record<string, unknown>): HttpAnswer {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(body) };
}
