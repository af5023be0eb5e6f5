/**
 * RollbackWorkflow: puts a pipeline's campaign back on its previous promoted version (or a named
 * one) through the same deploy wait as a run's DEPLOY, and records the promotion. It runs under the
 * pipeline's workflow id `retrain-<pipeline>`, so it holds the pipeline's lock like a run does:
 * never at the same time as a run of that pipeline (see scheduled.ts).
 */
import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import { mapCampaignUpdateStatus, normalizePersonalizeStatus } from '../common/job-status';
import type { RetrainProgress, RollbackInput, RollbackResult } from '../common/types';
import { statusQuery } from './defs';
import { calls, checks } from './retrain-activities';
import { chooseRollback } from './rollback-plan';
import { JOB_DEADLINE_EXCEEDED, JOB_FAILED, waitForJob } from './wait-for-job';

export async function RollbackWorkflow(input: RollbackInput): Promise<RollbackResult> {
  const { pipeline } = input;
  const started = new Date(workflowInfo().startTime);
  const progress: RetrainProgress = {
    pipeline,
    runDate: started.toISOString().slice(0, 10),
    runKey: `${pipeline}-rollback-${started.toISOString().slice(0, 10)}`,
    phase: 'STARTING',
    startedAt: Date.now(),
    jobs: {},
    timings: [{ phase: 'STARTING', startedAt: started.toISOString() }],
  };
  setHandler(statusQuery, () => progress);
  const settings = await calls.loadPipeline(pipeline);
  const history = await calls.readPromotions(pipeline);
  const campaign = await calls.describeCampaign(pipeline);
  const from = campaign.solutionVersionArn;
  const end = (outcome: RollbackResult['outcome'], reason: string, to?: string): RollbackResult => {
    const open = progress.timings.at(-1);
    if (open && !open.endedAt) open.endedAt = new Date().toISOString();
    progress.phase = 'DONE';
    progress.lastStatus = `${outcome}: ${reason}`;
    return { outcome, reason, pipeline, from, ...(to && { to }) };
  };

  const choice = chooseRollback({ history, campaign, to: input.toSolutionVersionArn });
  if (choice.action === 'refuse') return end('REFUSED', `not rolled back: ${choice.reason}`);
  const target = choice.target;
  const version = await calls.describeSolutionVersion({ pipeline, solutionVersionArn: target });
  if (normalizePersonalizeStatus(version.status) !== 'ACTIVE')
    return end('REFUSED', `not rolled back: ${target} is ${version.status}, not ACTIVE`, target);

  progress.timings.at(-1)!.endedAt = new Date().toISOString();
  progress.timings.push({ phase: 'DEPLOY', startedAt: new Date().toISOString() });
  progress.phase = 'DEPLOY';
  progress.jobs = { solutionVersionArn: target, previousSolutionVersionArn: from };
  const requestedAt = new Date().toISOString();
  // The campaign keeps its own capacity and config, as on DEPLOY.
  await calls.updateCampaign({
    pipeline,
    solutionVersionArn: target,
    minProvisionedTPS: campaign.minProvisionedTPS,
    campaignConfig: campaign.campaignConfig,
  });
  try {
    await waitForJob({
      name: 'campaign update',
      check: async () => {
        const c = await checks.describeCampaign(pipeline);
        const u = c.latestUpdate ?? { status: c.status, solutionVersionArn: c.solutionVersionArn ?? undefined };
        return mapCampaignUpdateStatus({ ...u, reason: c.latestUpdate?.failureReason }, target, requestedAt);
      },
      deadline: settings.deadlines.deploy,
      poll: settings.poll,
      stage: 'deploy',
      waitFirst: true,
      onCheck: (state, p) => {
        progress.lastStatus = state.status;
        progress.timings.at(-1)!.polls = p.polls;
      },
    });
  } catch (err) {
    if (err instanceof ApplicationFailure && (err.type === JOB_FAILED || err.type === JOB_DEADLINE_EXCEEDED))
      return end('FAILED', `the rollback to ${target} failed: ${err.message}`, target);
    throw err;
  }
  const promotion = {
    solutionVersionArn: target,
    promotedAt: new Date().toISOString(),
    by: 'rollback' as const,
    previous: from,
    ...(input.note || input.by ? { note: [input.by, input.note].filter(Boolean).join(': ') } : {}),
  };
  await calls.recordPromotion({ pipeline, promotion });
  return { ...end('SUCCEEDED', `the campaign serves ${target} again (${choice.reason}); it served ${from ?? 'nothing'}`, target), promotion };
}
