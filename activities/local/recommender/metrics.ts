/**
 * Offline metrics, named as Personalize names them, on a time-based holdout: the model is trained
 * on interactions before a cut-off time and asked to rank, for each user who has history before it,
 * the items that user engaged with after it. The popularity baseline is measured on the same split.
 */
import { recommendFor, recommendPopular, train, type Interaction, type ModelOptions, type Scored, DEFAULT_MODEL_OPTIONS, type TrainedModel } from './model';

export function ndcgAt(ranked: string[], truth: Set<string>, k: number): number {
  let dcg = 0;
  ranked.slice(0, k).forEach((item, i) => {
    if (truth.has(item)) dcg += 1 / Math.log2(i + 2);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, truth.size); i++) idcg += 1 / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function precisionAt(ranked: string[], truth: Set<string>, k: number): number {
  return ranked.slice(0, k).filter((i) => truth.has(i)).length / k;
}

export function reciprocalRankAt(ranked: string[], truth: Set<string>, k: number): number {
  const i = ranked.slice(0, k).findIndex((x) => truth.has(x));
  return i < 0 ? 0 : 1 / (i + 1);
}

export type MetricSet = Record<string, number>;

/** Averages Personalize's metrics over users; coverage = share of the catalog recommended at 25. */
export function evaluateRankings(rankings: { ranked: string[]; truth: Set<string> }[], catalogSize: number): MetricSet {
  const n = rankings.length || 1;
  const sum = (f: (r: { ranked: string[]; truth: Set<string> }) => number) => rankings.reduce((s, r) => s + f(r), 0) / n;
  const recommended = new Set<string>();
  for (const r of rankings) r.ranked.slice(0, 25).forEach((i) => recommended.add(i));
  const round = (x: number) => Number(x.toFixed(4));
  return {
    coverage: round(catalogSize ? recommended.size / catalogSize : 0),
    mean_reciprocal_rank_at_25: round(sum((r) => reciprocalRankAt(r.ranked, r.truth, 25))),
    normalized_discounted_cumulative_gain_at_5: round(sum((r) => ndcgAt(r.ranked, r.truth, 5))),
    normalized_discounted_cumulative_gain_at_10: round(sum((r) => ndcgAt(r.ranked, r.truth, 10))),
    normalized_discounted_cumulative_gain_at_25: round(sum((r) => ndcgAt(r.ranked, r.truth, 25))),
    precision_at_5: round(sum((r) => precisionAt(r.ranked, r.truth, 5))),
    precision_at_10: round(sum((r) => precisionAt(r.ranked, r.truth, 10))),
    precision_at_25: round(sum((r) => precisionAt(r.ranked, r.truth, 25))),
  };
}

export interface HoldoutResult {
  model: MetricSet;
  popularity: MetricSet;
  users: number;
  cutoff: number;
}

/** Splits at the time below which `trainShare` of the positive interactions lie. */
export function timeHoldout(data: Interaction[], trainShare = 0.9, opts: ModelOptions = DEFAULT_MODEL_OPTIONS): HoldoutResult {
  const times = data.filter((d) => d.value > 0).map((d) => d.ts).sort((a, b) => a - b);
  const cutoff = times[Math.min(times.length - 1, Math.floor(times.length * trainShare))] ?? 0;
  const trainPart = data.filter((d) => d.ts < cutoff);
  const model = train(trainPart, opts);
  const truthByUser = new Map<string, Set<string>>();
  for (const d of data) {
    if (d.ts < cutoff || !(d.value > 0)) continue;
    const known = model.users[d.user];
    if (!known || known.h.length === 0) continue; // cold users measure the fallback, not the model
    if (known.seen.some((i) => model.items[i] === d.item)) continue; // only new items count
    let t = truthByUser.get(d.user);
    if (!t) truthByUser.set(d.user, (t = new Set()));
    t.add(d.item);
  }
  const ids = (s: Scored[]) => s.map((x) => x.itemId);
  const users = [...truthByUser.keys()].sort();
  const evalWith = (rank: (m: TrainedModel, u: string) => Scored[]) =>
    evaluateRankings(users.map((u) => ({ ranked: ids(rank(model, u)), truth: truthByUser.get(u)! })), model.items.length);
  return {
    model: evalWith((m, u) => recommendFor(m, u, 25)),
    popularity: evalWith((m, u) => recommendPopular(m, u, 25)),
    users: users.length,
    cutoff,
  };
}
