/**
 * RecommendWorkflow: recommendations out on request (`personalize-optimizer recommend <pipeline>`),
 * from the version the campaign serves now, for a users file or the users of the last trained run.
 * The same steps as a retrain run's RECOMMEND phase, under the request's own key (its job name,
 * files and recommendation ids), so a retried request adopts its job and rewrites the same files.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { RecommendationsOutcome } from '../common/types';
import { recommendationsOut } from './recommend-phase';
import { adhocFolder, recommendationNames } from './recommend-plan';
import { calls } from './retrain-activities';
import { waitForJob } from './wait-for-job';

export interface RecommendInput {
  pipeline: string;
  /** The request's key (`<pipeline>-adhoc-<UTC time>`): job name, folder and recommendation ids derive from it. */
  key: string;
  /** A users file URI, or `window` (the users of the last trained run); default the pipeline's audience. */
  users?: string;
  numResults?: number;
}

export interface RecommendResult extends RecommendationsOutcome {
  key: string;
}

export async function RecommendWorkflow(input: RecommendInput): Promise<RecommendResult> {
  const settings = await calls.loadPipeline(input.pipeline);
  const campaign = await calls.describeCampaign(input.pipeline);
  if (!campaign.solutionVersionArn) {
    throw ApplicationFailure.nonRetryable(`the campaign of ${input.pipeline} serves no model yet: run a retrain first`, 'NothingDeployed');
  }
  const audience = input.users ?? settings.recommendations?.audience ?? 'window';
  const state: RecommendationsOutcome = {};
  await recommendationsOut({
    pipeline: input.pipeline,
    names: recommendationNames(input.key, adhocFolder(settings.workPrefix, input.key), settings.recommendations ?? {}),
    solutionVersionArn: campaign.solutionVersionArn,
    audience: audience === 'window' ? { kind: 'last-run' } : { kind: 'file', uri: audience },
    ...(input.numResults !== undefined && { numResults: input.numResults }),
    state,
    wait: (check) =>
      waitForJob({ name: 'batch inference', check, deadline: settings.deadlines.recommend ?? '6h', poll: settings.poll, stage: 'recommend' }),
  });
  return { key: input.key, ...state };
}
