/**
 * Local training on synthetic interactions with a hidden structure: users belong to taste groups
 * and mostly engage with their group's items, which popularity alone cannot know. Reports the time
 * of a whole training job (read, holdout evaluation, final model, write) and the model's NDCG@10
 * against the popularity baseline on the same holdout.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rng } from '../../activities/local/generator/pinpoint';
import { runTraining } from '../../activities/local/recommender/jobs';
import { train } from '../../activities/local/recommender/model';
import { TableBuilder, writeTable, type InteractionTable } from '../../activities/local/recommender/table';

type Report = (name: string, value: number) => void;

export interface StructureSpec {
  interactions: number;
  users: number;
  items: number;
  groups: number;
  /** Share of a user's interactions inside their own group. */
  affinity: number;
  seed: number;
}

/** Seeded synthetic interactions: group-affine users, skewed item popularity, 90 days, some unsubscribes. */
export function structuredInteractions(spec: StructureSpec): InteractionTable {
  const r = rng(spec.seed);
  const b = new TableBuilder();
  const perGroup = Math.floor(spec.items / spec.groups);
  const start = 1_790_000_000;
  for (let k = 0; k < spec.interactions; k++) {
    const u = Math.floor(r() * spec.users);
    const group = r() < spec.affinity ? u % spec.groups : Math.floor(r() * spec.groups);
    const item = group + spec.groups * Math.floor(Math.pow(r(), 1.6) * perGroup);
    const p = r();
    const [eventType, value] = p < 0.02 ? ['_email.unsubscribe', -200] : p < 0.3 ? ['_email.click', 100] : ['_email.open', 50];
    b.add({ user: `u${u}`, item: `i${item}`, eventType, value, ts: start + Math.floor((k / spec.interactions) * 90 * 86_400) });
  }
  return b.build();
}

export async function benchTraining(report: Report, opts: { interactions: number }): Promise<void> {
  const table = structuredInteractions({ interactions: opts.interactions, users: Math.round(opts.interactions / 20), items: 5000, groups: 25, affinity: 0.8, seed: 17 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-bench-training-'));
  try {
    const tableFile = path.join(dir, 'table.json');
    writeTable(tableFile, table);
    let t = process.hrtime.bigint();
    const outcome = await runTraining({ kind: 'train', tableFile, events: [], modelFile: path.join(dir, 'model.json') });
    report('local_training_s_1m', Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    train(table);
    report('local_model_fit_s_1m', Number(process.hrtime.bigint() - t) / 1e9);
    const m = 'normalized_discounted_cumulative_gain_at_10';
    report('local_ndcg10_1m', outcome.metrics[m]!);
    report('local_ndcg10_vs_popularity_1m', outcome.metrics[m]! / outcome.metrics[`popularity_baseline.${m}`]!);
    report('local_coverage_1m', outcome.metrics.coverage!);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
