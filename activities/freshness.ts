/**
 * Activities of the staleness watchdog (StalenessWorkflow): read what the run records and the
 * campaign say about a pipeline's model, and alert through the pipeline's notifiers.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { FreshnessFacts, FreshnessVerdict } from '../workflows/freshness';
import type { PipelineRegistry } from './index';
import type { ObjectStore } from './ports';
import { findSucceededRuns, runsPrefix } from './run-records';

/** The facts from the run records alone (the CLI's `status`), and with the campaign when given. */
export async function readFreshnessFacts(
  store: ObjectStore,
  workPrefix: string,
  pipeline: string,
  serving?: string | null
): Promise<FreshnessFacts> {
  const found = await findSucceededRuns(store, workPrefix, pipeline, serving);
  return {
    lastSucceeded: found.latest,
    ...(serving !== undefined && { serving }),
    ...(found.servingRun && { servingRun: found.servingRun }),
    recordsPrefix: runsPrefix(workPrefix),
  };
}

export function createFreshnessActivities({ pipelines }: { pipelines: PipelineRegistry }) {
  function of(pipeline: string) {
    const settings = pipelines.settings(pipeline);
    const ports = pipelines.ports(pipeline);
    if (!settings || !ports) {
      throw ApplicationFailure.nonRetryable(
        `unknown pipeline "${pipeline}"; this worker knows: ${pipelines.list().join(', ') || 'none'}`,
        'UnknownPipeline'
      );
    }
    return { settings, ports };
  }
  return {
    async readFreshness(pipeline: string): Promise<FreshnessFacts> {
      const { settings, ports } = of(pipeline);
      const campaign = await ports.recommender.describeCampaign(settings.campaignArn);
      return readFreshnessFacts(ports.store, settings.workPrefix, pipeline, campaign.solutionVersionArn);
    },

    /** One alert per stale check, to every notifier of the pipeline (not filtered by `notifications.on`). */
    async notifyStale(req: {
      pipeline: string;
      checkDate: string;
      verdict: FreshnessVerdict;
      workflowId: string;
    }): Promise<void> {
      const { ports } = of(req.pipeline);
      if (!ports.notifier) return;
      await ports.notifier.notify({
        pipeline: req.pipeline,
        outcome: 'STALE',
        reason: req.verdict.reasons.join('; '),
        runDate: req.checkDate,
        workflowId: req.workflowId,
        summary: {
          maxAgeDays: req.verdict.maxAgeDays,
          ...(req.verdict.lastSuccessAgeMs !== null && {
            lastSuccessAgeHours: Math.round(req.verdict.lastSuccessAgeMs / 3_600_000),
          }),
          ...(req.verdict.modelAgeMs !== null && { modelAgeHours: Math.round(req.verdict.modelAgeMs / 3_600_000) }),
        },
      });
    },
  };
}

export type FreshnessActivities = ReturnType<typeof createFreshnessActivities>;
