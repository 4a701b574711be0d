import cluster from 'node:cluster';
import type { Logger } from '../logger.js';

/**
 * Runs `workers` copies of the service with node:cluster, all listening on one port. The
 * primary only supervises: it replaces a worker that dies and, on SIGTERM or SIGINT, passes the
 * signal on and waits for every worker to finish its requests.
 * @returns the exit code for the primary.
 */
export async function superviseWorkers(
  workers: number,
  logger: Logger,
  untilSignal: () => Promise<unknown>,
): Promise<number> {
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error(
      { event: 'worker_exit', pid: worker.process.pid, code, signal },
      'A worker stopped unexpectedly; starting another',
    );
    cluster.fork();
  });
  for (let index = 0; index < workers; index++) cluster.fork();
  logger.info({ event: 'workers_started', workers }, `Started ${workers} workers`);

  await untilSignal();
  stopping = true;
  const running = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
  await Promise.all(
    running.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  );
  return 0;
}
