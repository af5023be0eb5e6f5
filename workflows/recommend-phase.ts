/**
 * RECOMMEND: after a successful deploy, recommendations for the pipeline's audience from the model
 * just deployed, written for the messaging tools (JSON Lines and CSV, one row per user with a
 * recommendation id). The batch job is started once (its name derives from the run) and polled with
 * durable timers like every long job; a resumed run finds the job in its progress and waits again.
 * The deploy stands whatever happens here: a failure is recorded in the result (and notified like a
 * failed run), it does not undo the model.
 */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { mapBatchInferenceJobStatus, type JobState } from '../common/job-status';
import type { RecommendationsOutcome } from '../common/types';
import { calls, checks, files } from './retrain-activities';
import type { RetrainRun } from './retrain-run';
import { audienceOf, recommendationNames, runFolder, type Audience, type RecommendationNames } from './recommend-plan';
import { HistoryLimitReached } from './wait-for-job';

export interface RecommendationsRequest {
  pipeline: string;
  names: RecommendationNames;
  solutionVersionArn: string;
  audience: Audience | { kind: 'last-run' };
  /** Overrides the pipeline's `recommendations.numResults` (ad hoc requests). */
  numResults?: number;
  /** Mutated as the steps finish: the run's progress carries it across continue-as-new. */
  state: RecommendationsOutcome;
  wait(check: () => Promise<JobState>): Promise<unknown>;
}

/** The steps shared by the retrain run and the ad hoc `recommend` command; each is skipped once done. */
export async function recommendationsOut(req: RecommendationsRequest): Promise<void> {
  const { pipeline, names, state } = req;
  state.solutionVersionArn = req.solutionVersionArn;
  if (state.audience === undefined) {
    state.audience = (await files.prepareRecommendationAudience({ pipeline, audience: req.audience, inputUri: names.inputUri })).users;
    state.inputUri = names.inputUri;
  }
  state.jobArn ??= (
    await calls.startRecommendations({
      pipeline,
      jobName: names.jobName,
      solutionVersionArn: req.solutionVersionArn,
      inputUri: names.inputUri,
      outputPrefix: names.batchOutputPrefix,
      ...(req.numResults !== undefined && { numResults: req.numResults }),
    })
  ).jobArn;
  const jobArn = state.jobArn;
  let outputUri: string | undefined;
  await req.wait(async () => {
    const obs = await checks.describeRecommendations({ pipeline, jobArn });
    outputUri = obs.outputUri;
    return mapBatchInferenceJobStatus(obs);
  });
  if (!outputUri) throw ApplicationFailure.nonRetryable(`batch inference job ${jobArn} finished without an output file`, 'BatchWithoutOutput');
  state.batchOutputUri = outputUri;
  const counts = await files.convertRecommendations({ pipeline, key: names.key, batchOutputUri: outputUri, jsonlUri: names.jsonlUri, csvUri: names.csvUri });
  Object.assign(state, { jsonlUri: names.jsonlUri, csvUri: names.csvUri, users: counts.users, errors: counts.errors, unreadable: counts.unreadable });
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The retrain run's phase: only for pipelines with `recommendations:`, only after the deploy. */
export async function recommend(r: RetrainRun): Promise<void> {
  const settings = r.settings.recommendations;
  if (!settings) return;
  r.enter('RECOMMEND');
  const { progress } = r;
  const state = (progress.recommendations ??= {});
  try {
    await recommendationsOut({
      pipeline: r.pipeline,
      names: recommendationNames(r.names.runKey, runFolder(r.settings.workPrefix, progress.runDate, progress.rerun), settings),
      solutionVersionArn: progress.jobs.solutionVersionArn!,
      audience: audienceOf(settings.audience, progress.jobs.interactionsUri),
      state,
      wait: (check) => r.wait('recommend', 'batch inference', check),
    });
  } catch (err) {
    // A long wait continues as new, a cancel ends the run: neither is a failure of this phase.
    if (err instanceof HistoryLimitReached || isCancellation(err)) throw err;
    state.failed = messageOf(err);
    r.note(`no recommendations out: ${state.failed} (the new model stays deployed)`);
  }
}
