/**
 * Run outcome counters (prom-client), fed by the recordRun activity, so a scrape shows how many
 * runs succeeded, were skipped, rejected or failed, per pipeline.
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

  record(r: RetrainResult): void {
    this.runs.inc({ pipeline: r.pipeline, outcome: r.outcome });
    if (r.stats) this.interactions.inc({ pipeline: r.pipeline }, r.stats.rows);
  }
}
