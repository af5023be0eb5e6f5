/**
 * ScheduledRetrainWorkflow: what a pipeline's schedule starts. One run per pipeline, whoever starts
 * it: the run that does the work always has the workflow id `retrain-<pipeline>` (ad hoc runs are
 * started under it too), and Temporal never lets two open workflows share an id, so holding that id
 * is holding the pipeline's lock. A scheduled run starts RetrainWorkflow as its child under that id
 * and follows it to the end; while another run holds it, the scheduled run waits (status WAITING),
 * is skipped, or asks the other to cancel first, as the schedule's overlap policy says.
 *
 * The lock needs no release: it ends with the run holding it, however that ends (continue-as-new
 * keeps the id, so a long run keeps its lock).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { RetrainProgress, RetrainResult, ScheduledRetrainInput } from '../common/types';
import { retrainWorkflowId, statusQuery, TemporalScheduledStartTimeKey } from './defs';
import { logicalRunDate, runNames } from './plan';
import { RetrainWorkflow } from './retrain';
import { historyIsLong } from './wait-for-job';
import { nextPollDelayMs } from './wait-schedule';

/** Checks for the lock often at first, then every five minutes at most (a 48-hour wait costs about 6,000 events). */
const LOCK_POLL = { initialMs: 5_000, fraction: 0.2, maxMs: 300_000 };

export async function ScheduledRetrainWorkflow(input: ScheduledRetrainInput): Promise<RetrainResult> {
  const info = workflowInfo();
  const { whenBusy = 'skip', waitingSince: carriedSince, ...retrain } = input;
  const scheduledStart = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  const runDate = logicalRunDate({ runDate: input.runDate, scheduledStart, startedAt: new Date(info.startTime) });
  const lockId = retrainWorkflowId(input.pipeline);
  const since = carriedSince ?? Date.now();
  const progress: RetrainProgress = {
    pipeline: input.pipeline,
    runDate,
    runKey: runNames(input.pipeline, runDate, '', input.rerun).runKey,
    phase: 'STARTING',
    startedAt: since,
    jobs: {},
    timings: [],
  };
  setHandler(statusQuery, () => progress);

  let askedToCancel = false;
  for (;;) {
    const child = await startUnderLock(input.pipeline, lockId, { ...retrain, runDate }, info.workflowId);
    if (child) {
      const waited = progress.timings.at(-1);
      if (waited && !waited.endedAt) waited.endedAt = new Date().toISOString();
      progress.phase = 'STARTING';
      progress.lastStatus = `running as ${lockId}`;
      return followChild(child, progress, lockId);
    }
    if (whenBusy === 'skip') {
      return skipped(
        progress,
        `another run of pipeline ${input.pipeline} is going (${lockId}); the schedule's overlap policy skips this one`
      );
    }
    if (whenBusy === 'cancel-other' && !askedToCancel) {
      await getExternalWorkflowHandle(lockId).cancel();
      askedToCancel = true;
    }
    if (progress.phase !== 'WAITING') progress.timings.push({ phase: 'WAITING', startedAt: new Date().toISOString() });
    progress.phase = 'WAITING';
    progress.lastStatus = `for ${lockId} to end`;
    if (historyIsLong()) break;
    await sleep(nextPollDelayMs(Date.now() - since, LOCK_POLL));
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof ScheduledRetrainWorkflow>({ ...input, runDate, waitingSince: since });
}

/** Starts RetrainWorkflow under the pipeline's id, or returns undefined while another run holds it. */
async function startUnderLock(
  pipeline: string,
  lockId: string,
  args: Parameters<typeof RetrainWorkflow>[0],
  scheduledBy: string
): Promise<ChildWorkflowHandle<typeof RetrainWorkflow> | undefined> {
  try {
    return await startChild(RetrainWorkflow, {
      workflowId: lockId,
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // Cancelling or terminating the scheduled run cancels the run it started, which then cleans up.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      memo: { pipeline, runDate: args.runDate, scheduledBy },
      staticSummary: `Scheduled retrain of ${pipeline} for ${args.runDate} (started by ${scheduledBy})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}

/** The child's result is this run's; its failure fails this run with the same details. */
async function followChild(
  child: ChildWorkflowHandle<typeof RetrainWorkflow>,
  progress: RetrainProgress,
  lockId: string
): Promise<RetrainResult> {
  try {
    const result = await child.result();
    progress.phase = 'DONE';
    return result;
  } catch (err) {
    progress.phase = 'DONE';
    const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
    // The run failed: this one fails the same way, with the run's result in the details.
    if (cause instanceof ApplicationFailure) throw cause;
    if (isCancellation(err)) {
      // Cancelled through this run: end cancelled too. Cancelled on its own: say so.
      if (CancellationScope.current().consideredCancelled) throw err;
      return { ...skipped(progress, `${lockId} was cancelled`), outcome: 'CANCELLED' };
    }
    throw err;
  }
}

function skipped(progress: RetrainProgress, reason: string): RetrainResult {
  progress.phase = 'DONE';
  return {
    outcome: 'SKIPPED',
    reason,
    pipeline: progress.pipeline,
    runDate: progress.runDate,
    runKey: progress.runKey,
    jobs: {},
    timings: progress.timings,
    durationMs: Date.now() - (progress.startedAt ?? Date.now()),
  };
}
