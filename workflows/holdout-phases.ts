/**
 * The holdout steps of RetrainWorkflow. In QUERY: the newest interactions are split off into the
 * holdout file, and the run imports and trains on the rest. In EVALUATE: the candidate, the
 * deployed version and a popularity baseline are scored on that same holdout — directly on the
 * local backend, by batch inference jobs (started idempotently, polled like every long job) on
 * AWS — and the gate decides on those scores. Deterministic workflow code; decisions in gate.ts.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { batchEvaluationCostUsd, type HoldoutEvaluationSet, type HoldoutScores, type HoldoutSettings } from '../common/holdout';
import { mapBatchInferenceJobStatus } from '../common/job-status';
import type { GateDecision, Metrics } from '../common/types';
import { decideOnHoldout, holdoutTooSmall } from './gate';
import { holdoutNames, planAfterHoldout } from './holdout';
import { windowEndMs } from './import-plan';
import { calls, checks, files } from './retrain-activities';
import type { RetrainRun } from './retrain-run';

/** QUERY, after the interactions file is written: hold out its newest interactions. */
export async function holdOut(r: RetrainRun, holdout: HoldoutSettings): Promise<void> {
  const { progress } = r;
  const names = holdoutNames(r.names);
  const split = await files.holdOutRecent({
    pipeline: r.pipeline,
    sourceUri: r.names.interactionsUri,
    trainingUri: names.trainingUri,
    holdoutUri: names.holdoutUri,
    holdout,
    windowEndMs: windowEndMs(progress.runDate),
  });
  progress.holdout = split;
  // What DECIDE, the import and the record see is the file that is imported.
  progress.stats = { ...split.training, invalidRows: progress.stats?.invalidRows ?? 0 };
  if (split.holdoutUri) {
    progress.jobs.trainingUri = split.trainingUri;
    progress.jobs.holdoutUri = split.holdoutUri;
  }
  if (progress.importPlan) progress.importPlan = planAfterHoldout(progress.importPlan, split);
  if (split.note) r.note(split.note);
}

type Which = 'candidate' | 'deployed';

async function scoreByBatch(r: RetrainRun, which: Which, solutionVersionArn: string, set: HoldoutEvaluationSet): Promise<Metrics> {
  const { jobs } = r.progress;
  const names = holdoutNames(r.names);
  const key = which === 'candidate' ? 'candidateEvaluationJobArn' : 'deployedEvaluationJobArn';
  jobs[key] ??= (
    await calls.startHoldoutBatchInference({
      pipeline: r.pipeline,
      jobName: which === 'candidate' ? names.candidateJobName : names.deployedJobName,
      solutionVersionArn,
      inputUri: set.inputUri,
      outputPrefix: `${names.evaluationPrefix}${which}/`,
      numResults: set.numResults,
    })
  ).jobArn;
  const jobArn = jobs[key]!;
  let outputUri: string | undefined;
  await r.wait('evaluate', `batch inference of the ${which} version`, async () => {
    const obs = await checks.describeHoldoutBatchInference({ pipeline: r.pipeline, jobArn });
    outputUri = obs.outputUri;
    return mapBatchInferenceJobStatus(obs);
  });
  if (!outputUri) throw ApplicationFailure.nonRetryable(`batch inference job ${jobArn} succeeded without an output location`, 'BatchOutputMissing');
  return files.scoreHoldoutBatchOutput({ pipeline: r.pipeline, outputUri, truthUri: set.truthUri });
}

/** EVALUATE: the scores on the run's holdout and the gate's decision on them. */
export async function gateOnHoldout(
  r: RetrainRun,
  holdout: HoldoutSettings,
  versions: { candidate: string; deployed: string | null },
  solutionMetrics: { candidate: Metrics; deployed: Metrics | null }
): Promise<GateDecision> {
  const { progress } = r;
  const gate = { ...r.settings.gate, holdout };
  const split = progress.holdout;
  if (!split?.holdoutUri) {
    return decideOnHoldout({ scores: null, missing: split?.note ?? 'nothing was held out', solutionMetrics }, gate);
  }
  const set = await files.prepareHoldoutEvaluation({
    pipeline: r.pipeline,
    trainingUri: split.trainingUri,
    holdoutUri: split.holdoutUri,
    prefix: holdoutNames(r.names).evaluationPrefix,
    cutoffMs: split.cutoffMs,
  });
  const scores: HoldoutScores = { users: set.users, eligibleUsers: set.eligibleUsers, candidate: {}, deployed: null, popularity: set.popularity };
  if (!holdoutTooSmall(set.users, holdout)) {
    const deployed = versions.deployed && versions.deployed !== versions.candidate ? versions.deployed : null;
    const score = (which: Which, arn: string) =>
      set.direct
        ? files.scoreVersionOnHoldout({ pipeline: r.pipeline, solutionVersionArn: arn, truthUri: set.truthUri })
        : scoreByBatch(r, which, arn, set);
    scores.candidate = await score('candidate', versions.candidate);
    scores.deployed = deployed ? await score('deployed', deployed) : null;
    if (!set.direct) {
      const jobs = deployed ? 2 : 1;
      scores.batch = { jobs, recommendations: set.users * jobs, estimatedCostUsd: batchEvaluationCostUsd(set.users, jobs) };
    }
  }
  progress.holdoutScores = scores;
  return decideOnHoldout({ scores, solutionMetrics }, gate);
}
