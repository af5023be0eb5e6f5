/** Worker-thread entry: runs one job task and posts its outcome (or its error message) back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runTask, type JobTask } from './jobs';

runTask(workerData as JobTask).then(
  (value) => parentPort!.postMessage({ ok: true, value }),
  (err: unknown) => parentPort!.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) })
);
