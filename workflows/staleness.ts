/**
 * StalenessWorkflow: the staleness watchdog of one pipeline, started daily by its schedule
 * (`retrain-<pipeline>-staleness`). It alerts through the pipeline's notifiers when no run has
 * SUCCEEDED for `maxAgeDays`, or the model the campaign serves is older than that.
 */
import { ActivityFailure, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { FreshnessActivities } from '../activities/freshness';
import { assessFreshness, type FreshnessVerdict } from './freshness';

export interface StalenessInput {
  pipeline: string;
  maxAgeDays: number;
}

export interface StalenessResult extends FreshnessVerdict {
  pipeline: string;
  checkedAt: string;
  alerted: boolean;
}

const act = proxyActivities<FreshnessActivities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '20 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2 minutes' },
});

export async function StalenessWorkflow(input: StalenessInput): Promise<StalenessResult> {
  const now = Date.now();
  const checkedAt = new Date(now).toISOString();
  let verdict: FreshnessVerdict;
  try {
    verdict = assessFreshness(await act.readFreshness(input.pipeline), now, input.maxAgeDays);
  } catch (err) {
    if (isCancellation(err)) throw err;
    // A check that cannot look is itself worth an alert: nothing else would say the pipeline is unwatched.
    const cause = err instanceof ActivityFailure && err.cause ? err.cause.message : (err as Error).message;
    verdict = {
      stale: true,
      reasons: [`the staleness check could not read the run records or the campaign: ${cause}`],
      lastSuccessAgeMs: null,
      modelAgeMs: null,
      maxAgeDays: input.maxAgeDays,
    };
  }
  if (verdict.stale) {
    await act.notifyStale({
      pipeline: input.pipeline,
      checkDate: checkedAt.slice(0, 10),
      verdict,
      workflowId: workflowInfo().workflowId,
    });
  }
  return { ...verdict, pipeline: input.pipeline, checkedAt, alerted: verdict.stale };
}
