/**
 * Runs a job task on a worker thread: the Temporal worker shares this process's event loop, so a
 * training must not run on it. From TypeScript sources (tests, tsx) the thread registers tsx first.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportOutcome, JobTask, TrainingOutcome } from './jobs';

export interface RunningTask<T> {
  result: Promise<T>;
  /** Ends the thread; `result` then rejects with a TaskTerminated error. */
  terminate(): Promise<void>;
}

export class TaskTerminated extends Error {
  constructor() {
    super('the job was terminated');
    this.name = 'TaskTerminated';
  }
}

function entrySource(): string {
  const entry = path.join(__dirname, `job-thread${path.extname(__filename)}`);
  const loader = entry.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});` : '';
  return `${loader}require(${JSON.stringify(entry)});`;
}

export function runInThread<T extends ImportOutcome | TrainingOutcome>(task: JobTask): RunningTask<T> {
  const worker = new Worker(entrySource(), { eval: true, workerData: task });
  let terminated = false;
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: { ok: true; value: T } | { ok: false; message: string }) => {
      settled = true;
      if (m.ok) resolve(m.value);
      else reject(new Error(m.message));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (settled) return;
      reject(terminated ? new TaskTerminated() : new Error(`the job thread exited with code ${code}`));
    });
  });
  return {
    result,
    terminate: async () => {
      terminated = true;
      await worker.terminate();
    },
  };
}
