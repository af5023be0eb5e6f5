/**
 * Local training on synthetic interactions with a hidden structure: users belong to taste groups
 * and mostly engage with their group's items, which popularity alone cannot know. Reports the time
 * of a whole training job (read, blend tuning, holdout evaluation, final model, write), of one fit
 * and of the blend tuning, and the model's NDCG@10 against the popularity baseline on the same
 * holdout (higher is better).
 *
 * Then the same on session-structured data (the generator's session mode: item-to-item
 * transitions, long-tail popularity, weak personal taste), with the last day held out:
 * `local_ndcg10_vs_popularity_sessions` (higher is better; goal ≥ 1.0), and on a Personalize-shaped
 * holdout of that data, where requests come within sessions.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rng } from '../../activities/local/generator/pinpoint';
import { FUNNEL_SCORING, SessionWorld, type SessionWorldOptions } from '../../activities/local/generator/world';
import { runTraining } from '../../activities/local/recommender/jobs';
import { evaluateOnHoldout, splitAtTime } from '../../activities/local/recommender/metrics';
import { train } from '../../activities/local/recommender/model';
import { TableBuilder, writeTable, type InteractionTable } from '../../activities/local/recommender/table';
import { chooseBlends, fitModel, timeHoldout } from '../../activities/local/recommender/tune';

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

/** The interactions of a session world's first `days` days, valued by FUNNEL_SCORING (what the events source yields). */
export function sessionInteractions(world: SessionWorld, days = world.days): InteractionTable {
  const b = new TableBuilder();
  for (let d = 0; d < days; d++) {
    for (const e of world.day(d)) {
      b.add({ user: e.userId, item: e.itemId, eventType: e.event, value: FUNNEL_SCORING[e.event as keyof typeof FUNNEL_SCORING] ?? 1, ts: Math.floor(e.at / 1000) });
    }
  }
  return b.build();
}

/** The session bench's data: 5,000 users, 2,000 items, 14 days. */
export const SESSION_BENCH_WORLD: SessionWorldOptions = { startDate: '2026-03-01', seed: 42, users: 5000, items: 2000, clusters: 20, days: 14 };

/** NDCG@10 of the model (blends tuned on the training days) and of popularity, the last day held out. */
export function lastDayHeldOut(world: SessionWorld): { model: number; popularity: number; users: number } {
  const t = sessionInteractions(world);
  const split = splitAtTime(t, Math.floor((world.startMs + (world.days - 1) * 86_400_000) / 1000));
  const h = evaluateOnHoldout(t, split, fitModel(t, split.include).model);
  const m = 'normalized_discounted_cumulative_gain_at_10';
  return { model: h.model[m]!, popularity: h.popularity[m]!, users: h.users };
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
    t = process.hrtime.bigint();
    chooseBlends(table);
    report('local_blend_tuning_s_1m', Number(process.hrtime.bigint() - t) / 1e9);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const world = new SessionWorld(SESSION_BENCH_WORLD);
  const lastDay = lastDayHeldOut(world);
  report('local_ndcg10_sessions', lastDay.model);
  report('local_ndcg10_vs_popularity_sessions', lastDay.model / lastDay.popularity);
  const m = 'normalized_discounted_cumulative_gain_at_10';
  const inSessions = timeHoldout(sessionInteractions(world));
  report('local_ndcg10_vs_popularity_sessions_holdout', inSessions.model[m]! / inSessions.popularity[m]!);
}
