/**
 * waitForJob: the durable polling loop every long AWS job uses. A short status check, then a
 * durable timer (`sleep`), with waits from the pure wait schedule, a deadline, an explicit
 * pending/succeeded/failed mapping, and a history guard for very long waits: when the history grows
 * long it throws HistoryLimitReached with where the wait stands, and the workflow continues as new
 * from there (outside any try/catch, once its handlers finished).
 */
import { ApplicationFailure, sleep, workflowInfo } from '@temporalio/workflow';
import type { JobState } from '../common/job-status';
import type { Duration, PollSettings, Stage, WaitProgress } from '../common/types';
import { formatMs, toMs } from './duration';
import { nextPollDelayMs, toWaitSchedule } from './wait-schedule';

export const JOB_FAILED = 'JobFailed';
export const JOB_DEADLINE_EXCEEDED = 'JobDeadlineExceeded';
export const DEFAULT_HISTORY_LIMIT = 8000;

export type { WaitProgress };

/** The history is long: continue as new and resume this wait with `progress`. Not a failure. */
export class HistoryLimitReached extends Error {
  override name = 'HistoryLimitReached';
  constructor(readonly progress: WaitProgress) {
    super('the workflow history is long: continue as new');
  }
}

export interface WaitForJobOptions {
  /** What is being waited on, for messages: 'training', 'dataset import' … */
  name: string;
  /** One status check (usually a short activity) mapped to pending / succeeded / failed. */
  check: () => Promise<JobState>;
  deadline: Duration;
  poll: PollSettings;
  /** Which stage's first wait applies (see DEFAULT_STAGE_INITIAL). */
  stage: Stage;
  /** Resume a wait that was carried across continue-as-new. */
  progress?: WaitProgress;
  /** Called after every check, e.g. to publish the status. */
  onCheck?: (state: JobState, progress: WaitProgress) => void;
  /**
   * Throw HistoryLimitReached between two checks once the history has this many events (or
   * Temporal suggests continue-as-new). Unset: never.
   */
  historyLimit?: number;
  /** Take the stage's first wait before the first check (a status read right after the request can be stale). */
  waitFirst?: boolean;
}

export interface WaitOutcome {
  status: string;
  polls: number;
  waitedMs: number;
}

export async function waitForJob(opts: WaitForJobOptions): Promise<WaitOutcome> {
  const schedule = toWaitSchedule(opts.poll, opts.stage);
  const deadlineMs = toMs(opts.deadline);
  const progress: WaitProgress = opts.progress ? { ...opts.progress } : { startedAt: Date.now(), polls: 0 };
  if (opts.progress || opts.waitFirst) {
    // A resumed wait: the previous run continued as new just before this sleep, so take it here.
    const elapsed = Date.now() - progress.startedAt;
    await sleep(nextPollDelayMs(elapsed, schedule, Math.max(1, deadlineMs - elapsed)));
  }

  for (;;) {
    const state = await opts.check();
    progress.polls++;
    opts.onCheck?.(state, { ...progress });
    const elapsed = Date.now() - progress.startedAt;

    if (state.state === 'succeeded') return { status: state.status, polls: progress.polls, waitedMs: elapsed };
    if (state.state === 'failed') {
      throw ApplicationFailure.create({
        message: `${opts.name} ended ${state.status}: ${state.reason}`,
        type: JOB_FAILED,
        nonRetryable: true,
        details: [{ status: state.status, reason: state.reason }],
      });
    }
    const remaining = deadlineMs - elapsed;
    if (remaining <= 0) {
      throw ApplicationFailure.create({
        message: `${opts.name} did not finish within ${formatMs(deadlineMs)} (last status ${state.status})`,
        type: JOB_DEADLINE_EXCEEDED,
        nonRetryable: true,
        details: [{ status: state.status, polls: progress.polls }],
      });
    }
    if (opts.historyLimit !== undefined && historyIsLong(opts.historyLimit))
      throw new HistoryLimitReached({ ...progress });
    await sleep(nextPollDelayMs(elapsed, schedule, remaining));
  }
}

export function historyIsLong(historyLimit = DEFAULT_HISTORY_LIMIT): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= historyLimit;
}
