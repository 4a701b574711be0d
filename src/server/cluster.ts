import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../shared/logger.js';

/**
 * After the grace period, what a worker may still take to close its directory connections and
 * its Redis client before the primary stops waiting for it.
 */
const CLOSING_MARGIN_MS = 5000;

export interface WorkerSupervision {
  workers: number;
  /** The workers' own grace period for requests in flight (`SHUTDOWN_GRACE_MS`). */
  graceMs: number;
  logger: Logger;
  untilSignal: () => Promise<unknown>;
}

/**
 * Runs `workers` copies of the service with node:cluster, all listening on one port. The
 * primary only supervises: it replaces a worker that dies while serving and, on SIGTERM or
 * SIGINT, passes the signal on once and waits for every worker to finish its requests. A worker
 * still running `graceMs` plus a closing margin later is killed.
 * @returns the exit code for the primary: 0 when every worker stopped by itself, 1 when one had
 * to be killed or one failed before it listened (a port in use, say: replacing it would loop).
 */
export async function superviseWorkers(supervision: WorkerSupervision): Promise<number> {
  const { workers, graceMs, logger } = supervision;
  let stopping = false;
  let failedToStart: (() => void) | undefined;
  const startFailure = new Promise<void>((resolve) => {
    failedToStart = resolve;
  });
  const listening = new WeakSet<Worker>();
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    if (!listening.has(worker)) {
      logger.error(
        { event: 'worker_failed_to_start', workerPid: worker.process.pid, code, signal },
        'A worker stopped before it listened; stopping the others',
      );
      failedToStart?.();
      return;
    }
    logger.error(
      { event: 'worker_exit', workerPid: worker.process.pid, code, signal },
      'A worker stopped unexpectedly; starting another',
    );
    cluster.fork();
  });
  for (let index = 0; index < workers; index++) cluster.fork();
  logger.info({ event: 'workers_started', workers }, `Started ${workers} workers`);

  const failed = await Promise.race([
    supervision.untilSignal().then(() => false),
    startFailure.then(() => true),
  ]);
  stopping = true;
  const stoppedByThemselves = await stopWorkers(graceMs + CLOSING_MARGIN_MS, logger);
  return failed || !stoppedByThemselves ? 1 : 0;
}

/** SIGTERM to every worker; SIGKILL to those still there after `deadlineMs`. */
async function stopWorkers(deadlineMs: number, logger: Logger): Promise<boolean> {
  const running = Object.values(cluster.workers ?? {}).filter(
    (worker): worker is Worker => worker !== undefined && !worker.isDead(),
  );
  const exits = running.map(
    (worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())),
  );
  for (const worker of running) worker.process.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs);
  });
  const allExited = await Promise.race([Promise.all(exits).then(() => true), deadline]);
  clearTimeout(timer);
  if (allExited) return true;
  const stuck = running.filter((worker) => !worker.isDead());
  logger.error(
    { event: 'workers_killed', workerPids: stuck.map((worker) => worker.process.pid), deadlineMs },
    'Workers still running after the grace period; killing them',
  );
  for (const worker of stuck) worker.process.kill('SIGKILL');
  await Promise.all(exits);
  return false;
}
