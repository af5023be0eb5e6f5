/**
 * Run outcome counters (prom-client), counted where runs are recorded, so a scrape shows how many
 * runs succeeded, were skipped, rejected or failed, per pipeline.
 */
import { Counter, Registry as PromRegistry } from 'prom-client';
import type { PipelineRegistry } from '../activities';
import type { RetrainResult } from '../common/types';
import type { Registry } from './backends';

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

/** Wraps each pipeline's store so that writing a run record counts the run. */
export function instrumentRegistry<T extends PipelineRegistry | Registry>(registry: T, metrics: RunMetrics): T {
  const ports = registry.ports.bind(registry);
  return {
    ...registry,
    ports: (name: string) => {
      const p = ports(name);
      if (!p) return p;
      return {
        ...p,
        store: {
          ...p.store,
          getText: p.store.getText.bind(p.store),
          openRead: p.store.openRead.bind(p.store),
          write: p.store.write.bind(p.store),
          exists: p.store.exists.bind(p.store),
          putText: async (uri: string, body: string) => {
            await p.store.putText(uri, body);
            if (/\/runs\/[^/]+\.json$/.test(uri) && !uri.endsWith('/last-trained.json')) metrics.record(JSON.parse(body) as RetrainResult);
          },
        },
      };
    },
  };
}
