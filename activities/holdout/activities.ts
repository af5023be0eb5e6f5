/**
 * The holdout's activities: split off the newest interactions, pick the evaluation users and score
 * the popularity baseline, then score each version — directly where the backend can rank with a
 * version (local), or through a batch inference job (AWS) whose output is read back. Payloads stay
 * small: URIs, ARNs, counts and metrics.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { HoldoutEvaluationSet, HoldoutSettings, HoldoutSplitFacts } from '../../common/holdout';
import type { JobObservation } from '../../common/job-status';
import type { Metrics, PipelineSettings } from '../../common/types';
import type { PipelinePorts } from '../ports';
import { prepareHoldoutEvaluation, readTruth, scoreAgainstTruth, scoreBatchOutput } from './evaluate';
import { holdOutRecent } from './split';

export interface HoldoutActivityContext {
  settingsOf(pipeline: string): PipelineSettings;
  portsOf(pipeline: string): PipelinePorts;
}

export function holdoutActivities({ settingsOf, portsOf }: HoldoutActivityContext) {
  function batchOf(pipeline: string) {
    const { batchInference } = portsOf(pipeline);
    if (!batchInference) {
      throw ApplicationFailure.nonRetryable(`pipeline "${pipeline}" scores its holdout with batch inference, but its backend has none`, 'ConfigError');
    }
    return batchInference;
  }
  return {
    async holdOutRecent(req: {
      pipeline: string;
      sourceUri: string;
      trainingUri: string;
      holdoutUri: string;
      holdout: HoldoutSettings;
      windowEndMs: number;
    }): Promise<HoldoutSplitFacts> {
      const { pipeline, ...split } = req;
      return holdOutRecent(portsOf(pipeline).store, split);
    },

    /** `direct`: the backend ranks with a version itself; otherwise each version is scored by a batch job. */
    async prepareHoldoutEvaluation(req: {
      pipeline: string;
      trainingUri: string;
      holdoutUri: string;
      prefix: string;
      cutoffMs: number | null;
    }): Promise<HoldoutEvaluationSet & { direct: boolean }> {
      const { pipeline, ...rest } = req;
      const sampleUsers = settingsOf(pipeline).gate.holdout?.sampleUsers ?? 1000;
      const set = await prepareHoldoutEvaluation(portsOf(pipeline).store, { ...rest, sampleUsers });
      return { ...set, direct: portsOf(pipeline).holdoutRanker !== undefined };
    },

    /** The local backend: the version ranks the sampled users as of the holdout's start. */
    async scoreVersionOnHoldout(req: { pipeline: string; solutionVersionArn: string; truthUri: string }): Promise<Metrics> {
      const { store, holdoutRanker } = portsOf(req.pipeline);
      if (!holdoutRanker) throw ApplicationFailure.nonRetryable(`pipeline "${req.pipeline}" has no direct ranker: score with batch inference`, 'ConfigError');
      const truth = await readTruth(store, req.truthUri);
      const users = truth.users.map((u) => u.userId);
      const ranked = users.length
        ? await holdoutRanker.recommendWithVersion(req.solutionVersionArn, users, truth.numResults, (truth.atSeconds ?? 0) * 1000)
        : [];
      const recs = users.map((userId, k) => ({ userId, itemIds: ranked[k]!.map((s) => s.itemId), scores: ranked[k]!.map((s) => s.score) }));
      return scoreAgainstTruth(truth, recs).metrics;
    },

    /** Idempotent by job name (the port adopts a job of that name). */
    async startHoldoutBatchInference(req: {
      pipeline: string;
      jobName: string;
      solutionVersionArn: string;
      inputUri: string;
      outputPrefix: string;
      numResults: number;
    }): Promise<{ jobArn: string }> {
      const { pipeline, ...job } = req;
      return batchOf(pipeline).startBatchInference(job);
    },
    async describeHoldoutBatchInference(req: { pipeline: string; jobArn: string }): Promise<JobObservation & { outputUri?: string }> {
      return batchOf(req.pipeline).describeBatchInference(req.jobArn);
    },
    async scoreHoldoutBatchOutput(req: { pipeline: string; outputUri: string; truthUri: string }): Promise<Metrics> {
      return scoreBatchOutput(portsOf(req.pipeline).store, req.outputUri, req.truthUri);
    },
  };
}
