/**
 * RetrainWorkflow: one run per pipeline per day. export → query → decide → (items, users) →
 * import → train → evaluate → deploy → record; a recommender's pipeline waits for the service's
 * next model instead of train → evaluate → deploy. The phases are in retrain-phases.ts (and
 * dataset-phases.ts, recommender-phases.ts); this file is the run's life:
 *
 * - a long wait continues as new outside any try/catch, once the handlers finished, carrying the
 *   whole progress (jobs, timings, poll counts, the wait's start, hence its deadline, and the
 *   chain's start, hence the duration);
 * - one way out for everything else (success, skip, rejection, failure of any step, a deadline or a
 *   status check that gave up, cancellation): stop a training this run started and that still
 *   runs, record, notify (a notifier's failure never changes the outcome), and end with the outcome.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Outcome, RetrainInput, RetrainProgress, RetrainResult, WaitProgress } from '../common/types';
import { RetrainPipelineKey, statusQuery, TemporalScheduledStartTimeKey } from './defs';
import { registerDecideHandler } from './approval';
import { logicalRunDate, runNames, trainingCleanup } from './plan';
import { calls, lookups, notifications } from './retrain-activities';
import { PHASES } from './retrain-phases';
import { RetrainRun, RunEnded } from './retrain-run';
import { HistoryLimitReached } from './wait-for-job';

type Ending =
  | { kind: 'succeeded' }
  | { kind: 'ended'; outcome: RunEnded['outcome']; reason: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'cancelled'; error: unknown }
  | { kind: 'continue'; wait: WaitProgress };

export async function RetrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const info = workflowInfo();
  const scheduledStart = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  const runDate =
    input.resume?.runDate ??
    logicalRunDate({ runDate: input.runDate, scheduledStart, startedAt: new Date(info.startTime) });
  // A copy: the input stays what the run was started with.
  const progress: RetrainProgress = input.resume
    ? (JSON.parse(JSON.stringify(input.resume)) as RetrainProgress)
    : {
        pipeline: input.pipeline,
        runDate,
        runKey: runNames(input.pipeline, runDate, '', input.rerun).runKey,
        rerun: input.rerun,
        phase: 'STARTING',
        startedAt: Date.now(),
        jobs: {},
        timings: [],
      };
  // Registered before the first await, so a status query never finds the run without an answer.
  setHandler(statusQuery, () => progress);
  registerDecideHandler(progress);

  const settings = await calls.loadPipeline(input.pipeline);
  const run = new RetrainRun(input, settings, progress);
  upsertMemo({ pipeline: input.pipeline, runDate, runKey: progress.runKey });
  if (settings.phaseSearchAttribute) upsertSearchAttributes([{ key: RetrainPipelineKey, value: input.pipeline }]);

  const ending = await runPhases(run);
  if (ending.kind === 'continue') {
    await condition(allHandlersFinished);
    const carried: RetrainProgress = { ...progress, wait: ending.wait, continued: (progress.continued ?? 0) + 1 };
    return continueAsNew<typeof RetrainWorkflow>({ ...input, runDate, resume: carried });
  }
  // The way out runs to its end even when the run is being cancelled: a cancel only says how it ends.
  const result = await CancellationScope.nonCancellable(() => closeRun(run, ending));
  if (ending.kind === 'failed') {
    throw ApplicationFailure.create({
      message: result.reason,
      type: 'RetrainFailed',
      nonRetryable: true,
      details: [result],
      cause: ending.error instanceof Error ? ending.error : undefined,
    });
  }
  // Rethrown, the cancellation ends the workflow as Cancelled (its record says CANCELLED).
  if (ending.kind === 'cancelled') throw ending.error;
  return result;
}

/** Runs the phases left; turns whatever stops them into an Ending (never throws). */
async function runPhases(run: RetrainRun): Promise<Ending> {
  try {
    for (const step of PHASES) {
      if (run.done(step.phase)) continue;
      await step.run(run);
    }
    return { kind: 'succeeded' };
  } catch (err) {
    if (err instanceof HistoryLimitReached) return { kind: 'continue', wait: err.progress };
    if (err instanceof RunEnded) return { kind: 'ended', outcome: err.outcome, reason: err.reason };
    if (isCancellation(err)) return { kind: 'cancelled', error: err };
    return { kind: 'failed', error: err };
  }
}

function outcomeOf(
  run: RetrainRun,
  ending: Exclude<Ending, { kind: 'continue' }>,
  phase: string
): { outcome: Outcome; reason: string } {
  switch (ending.kind) {
    case 'succeeded':
      return { outcome: 'SUCCEEDED', reason: `deployed ${run.progress.jobs.solutionVersionArn}` };
    case 'ended':
      return { outcome: ending.outcome, reason: ending.reason };
    case 'cancelled':
      return { outcome: 'CANCELLED', reason: `cancelled during ${phase}` };
    case 'failed':
      return { outcome: 'FAILED', reason: `${phase} failed: ${errorMessage(ending.error)}` };
  }
}

/** The one way out: stop what still runs, say what cannot be undone, record, notify. */
async function closeRun(run: RetrainRun, ending: Exclude<Ending, { kind: 'continue' }>): Promise<RetrainResult> {
  const phase = run.progress.phase;
  await stopTraining(run);
  if (ending.kind !== 'succeeded') await reportDeployInFlight(run);
  const { outcome, reason } = outcomeOf(run, ending, phase);

  run.enter('RECORD');
  const result = run.result(outcome, reason);
  await calls.recordRun(result);
  upsertMemo({ outcome, reason });
  try {
    await notifications.notifyRun({ result, workflowId: workflowInfo().workflowId });
  } catch (err) {
    log.warn('the run notification failed; the outcome stands', { outcome, error: errorMessage(err) });
  }
  run.enter('DONE');
  log.info('retrain run finished', { outcome, reason, runKey: result.runKey });
  return { ...result, timings: run.progress.timings, durationMs: Date.now() - (run.progress.startedAt ?? Date.now()) };
}

/** A training this run started and that may still run is stopped (a start in flight is found by its name). */
async function stopTraining(run: RetrainRun): Promise<void> {
  const { progress } = run;
  const todo = trainingCleanup(progress.training, progress.jobs.solutionVersionArn, run.names.solutionVersionName);
  if (todo.kind === 'none') return;
  try {
    let arn = todo.kind === 'stop' ? todo.solutionVersionArn : undefined;
    if (todo.kind === 'find-and-stop') {
      const found = await lookups.findSolutionVersion({
        pipeline: run.pipeline,
        name: todo.name,
        createdAfter: run.lookupSince,
      });
      if (!found) {
        progress.training = undefined;
        return;
      }
      arn = progress.jobs.solutionVersionArn = found.solutionVersionArn;
    }
    await calls.stopSolutionVersion({ pipeline: run.pipeline, solutionVersionArn: arn! });
    progress.training = 'stopped';
    run.note(`training ${arn} stopped: the run ended before it finished`);
    log.warn('training stopped', { solutionVersionArn: arn });
  } catch (err) {
    run.note(
      `the training could not be stopped: ${errorMessage(err)}; stop ${progress.jobs.solutionVersionArn ?? run.names.solutionVersionName} by hand`
    );
  }
}

/** A campaign update cannot be withdrawn: a run ending after it asked for one says so, and what the campaign serves. */
async function reportDeployInFlight(run: RetrainRun): Promise<void> {
  if (!run.progress.deployRequestedAt) return;
  try {
    run.campaign = await calls.describeCampaign(run.pipeline);
    const u = run.campaign.latestUpdate;
    run.note(
      `the campaign update to ${run.progress.jobs.solutionVersionArn} had been requested; Personalize cannot withdraw it (latest update ${u?.solutionVersionArn ?? 'none'}: ${u?.status ?? run.campaign.status})`
    );
  } catch (err) {
    run.note(
      `the campaign update to ${run.progress.jobs.solutionVersionArn} had been requested; its state could not be read: ${errorMessage(err)}`
    );
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    // ActivityFailure wraps the real reason in its cause.
    if (err instanceof ActivityFailure && cause instanceof Error) return cause.message;
    return err.message;
  }
  return String(err);
}
