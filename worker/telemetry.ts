/**
 * Run outcome counters (prom-client), fed by the recordRun activity, so a scrape shows how many
 * runs succeeded, were skipped, rejected, failed or were cancelled, per pipeline; and the
 * notifications that failed (the run's outcome stands regardless).
 */
import { Counter, Registry as PromRegistry } from 'prom-client';
import type { RetrainResult } from '../common/types';

export class RunMetrics {
  readonly registry = new PromRegistry();
  readonly runs = new Counter({
    name: 'personalize_optimizer_runs_total',
    help: 'Retrain runs recorded, by pipeline and outcome',
    labelNames: ['pipeline', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly interactions = new Counter({
    name: 'personalize_optimizer_interactions_total',
    help: 'Interactions prepared for import, by pipeline',
    labelNames: ['pipeline'] as const,
    registers: [this.registry],
  });

  readonly notifyFailures = new Counter({
    name: 'personalize_optimizer_notify_failures_total',
    help: 'Failed attempts to notify a run outcome, by pipeline and outcome',
    labelNames: ['pipeline', 'outcome'] as const,
    registers: [this.registry],
  });

  notifyFailed(pipeline: string, outcome: string): void {
    this.notifyFailures.inc({ pipeline, outcome });
  }

  record(r: RetrainResult): void {
    this.runs.inc({ pipeline: r.pipeline, outcome: r.outcome });
    if (r.stats) this.interactions.inc({ pipeline: r.pipeline }, r.stats.rows);
  }
}
