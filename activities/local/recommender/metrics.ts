/**
 * Offline metrics, named as Personalize names them, on a time-based holdout shaped like
 * Personalize's: a sample of users is set aside for evaluation; for each of them the newest 10 % of
 * their positive interactions are the ground truth and everything older is model input. The model
 * is trained on all other users plus the evaluation users' older interactions, then asked to rank.
 * The popularity baseline is measured on the same split, so the two can be compared side by side.
 */
import type { ItemModel } from './model';
import { Scorer } from './scorer';
import type { InteractionTable } from './table';

export function ndcgAt<T>(ranked: readonly T[], truth: ReadonlySet<T>, k: number): number {
  let dcg = 0;
  const top = Math.min(k, ranked.length);
  for (let n = 0; n < top; n++) if (truth.has(ranked[n]!)) dcg += 1 / Math.log2(n + 2);
  let idcg = 0;
  for (let n = 0; n < Math.min(k, truth.size); n++) idcg += 1 / Math.log2(n + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

/** Relevant items among the top k, divided by k (Personalize's definition, also when fewer are returned). */
export function precisionAt<T>(ranked: readonly T[], truth: ReadonlySet<T>, k: number): number {
  let hits = 0;
  for (let n = 0; n < Math.min(k, ranked.length); n++) if (truth.has(ranked[n]!)) hits++;
  return hits / k;
}

export function reciprocalRankAt<T>(ranked: readonly T[], truth: ReadonlySet<T>, k: number): number {
  for (let n = 0; n < Math.min(k, ranked.length); n++) if (truth.has(ranked[n]!)) return 1 / (n + 1);
  return 0;
}

export type MetricSet = Record<string, number>;

export interface Ranking<T> {
  ranked: readonly T[];
  truth: ReadonlySet<T>;
}

/** Averages the metrics over users; coverage = share of the catalog found in anyone's top 25. */
export function evaluateRankings<T>(rankings: readonly Ranking<T>[], catalogSize: number): MetricSet {
  const n = rankings.length || 1;
  const mean = (f: (r: Ranking<T>) => number) => rankings.reduce((s, r) => s + f(r), 0) / n;
  const recommended = new Set<T>();
  for (const r of rankings) r.ranked.slice(0, 25).forEach((i) => recommended.add(i));
  const round = (x: number) => Number(x.toFixed(6));
  return {
    coverage: round(catalogSize ? recommended.size / catalogSize : 0),
    mean_reciprocal_rank_at_25: round(mean((r) => reciprocalRankAt(r.ranked, r.truth, 25))),
    normalized_discounted_cumulative_gain_at_5: round(mean((r) => ndcgAt(r.ranked, r.truth, 5))),
    normalized_discounted_cumulative_gain_at_10: round(mean((r) => ndcgAt(r.ranked, r.truth, 10))),
    normalized_discounted_cumulative_gain_at_25: round(mean((r) => ndcgAt(r.ranked, r.truth, 25))),
    precision_at_5: round(mean((r) => precisionAt(r.ranked, r.truth, 5))),
    precision_at_10: round(mean((r) => precisionAt(r.ranked, r.truth, 10))),
    precision_at_25: round(mean((r) => precisionAt(r.ranked, r.truth, 25))),
  };
}

export interface HoldoutOptions {
  /** Share of eligible users evaluated (Personalize: 10 %). */
  userShare: number;
  /** Evaluate at least this many users when there are enough (small datasets would be too noisy). */
  minUsers: number;
  /** Share of each evaluation user's newest positive interactions held out (Personalize: 10 %). */
  truthShare: number;
  /** Picks the evaluation users; fixed, so the same data always gives the same metrics. */
  seed: number;
}

export const DEFAULT_HOLDOUT: HoldoutOptions = { userShare: 0.1, minUsers: 1000, truthShare: 0.1, seed: 0x5eed };

export interface HoldoutSplit {
  /** 1 = the row is model input, 0 = held out. */
  include: Uint8Array;
  /** Evaluation user → items they engaged with only in the held-out part. */
  truth: Map<number, Set<number>>;
}

/** FNV-1a of the seed and a string: a stable, well-spread order of users. */
export function stableHash(seed: number, s: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let n = 0; n < s.length; n++) h = Math.imul(h ^ s.charCodeAt(n), 0x01000193) >>> 0;
  return h;
}

/** With `base`, only its rows take part: rows outside it are neither input nor truth. */
export function splitHoldout(t: InteractionTable, opts: HoldoutOptions = DEFAULT_HOLDOUT, base?: Uint8Array): HoldoutSplit {
  const n = t.user.length;
  const positives: number[][] = t.users.map(() => []);
  for (let r = 0; r < n; r++) if (t.value[r]! > 0 && (!base || base[r])) positives[t.user[r]!]!.push(r);
  // Eligible: at least two positive interactions, so there is input and truth.
  const eligible = t.users.map((_, u) => u).filter((u) => positives[u]!.length >= 2);
  const want = Math.min(eligible.length, Math.max(Math.ceil(eligible.length * opts.userShare), opts.minUsers));
  const chosen = eligible
    .map((u) => ({ u, h: stableHash(opts.seed, t.users[u]!) }))
    .sort((a, b) => a.h - b.h || a.u - b.u)
    .slice(0, want)
    .map((x) => x.u);

  const include = base ? base.slice() : new Uint8Array(n).fill(1);
  const cutoff = new Map<number, { ts: number; row: number }>();
  for (const u of chosen) {
    const rows = positives[u]!.sort((a, b) => t.ts[a]! - t.ts[b]! || a - b);
    const held = Math.max(1, Math.round(rows.length * opts.truthShare));
    const first = rows[rows.length - held]!;
    cutoff.set(u, { ts: t.ts[first]!, row: first });
  }
  // Everything of an evaluation user at or after their cut-off is held out (negative feedback too).
  const after = (r: number, c: { ts: number; row: number }) => t.ts[r]! > c.ts || (t.ts[r]! === c.ts && r >= c.row);
  for (let r = 0; r < n; r++) {
    const c = cutoff.get(t.user[r]!);
    if (c && after(r, c)) include[r] = 0;
  }
  const inputItems = new Map<number, Set<number>>();
  for (let r = 0; r < n; r++) {
    const u = t.user[r]!;
    if (!cutoff.has(u) || !include[r]) continue;
    let s = inputItems.get(u);
    if (!s) inputItems.set(u, (s = new Set()));
    s.add(t.item[r]!);
  }
  const truth = new Map<number, Set<number>>();
  for (let r = 0; r < n; r++) {
    const u = t.user[r]!;
    if (include[r] || (base && !base[r]) || !(t.value[r]! > 0) || !inputItems.has(u)) continue;
    if (inputItems.get(u)!.has(t.item[r]!)) continue; // seen items are never recommended: not a fair target
    let s = truth.get(u);
    if (!s) truth.set(u, (s = new Set()));
    s.add(t.item[r]!);
  }
  return { include, truth };
}

/**
 * A forward-looking split: everything before `cutoffTs` (epoch seconds) is model input, and each
 * user who has input gets as truth the items they engaged with from the cut-off on that they had not
 * interacted with before (seen items are never recommended). "Last day held out" is
 * `splitAtTime(t, lastDayStart)`. With `base`, rows outside it are left out of both parts.
 */
export function splitAtTime(t: InteractionTable, cutoffTs: number, base?: Uint8Array): HoldoutSplit {
  const n = t.user.length;
  const include = new Uint8Array(n);
  // Rows grouped by user (counting sort), so each user's input items can be marked in one array.
  const start = new Int32Array(t.users.length + 1);
  for (let r = 0; r < n; r++) if (!base || base[r]) start[t.user[r]! + 1]!++;
  for (let u = 0; u < t.users.length; u++) start[u + 1]! += start[u]!;
  const fill = start.slice(0, -1);
  const order = new Int32Array(start[t.users.length]!);
  for (let r = 0; r < n; r++) if (!base || base[r]) order[fill[t.user[r]!]!++] = r;
  const markedBy = new Int32Array(t.items.length).fill(-1);
  const truth = new Map<number, Set<number>>();
  for (let u = 0; u < t.users.length; u++) {
    let hasInput = false;
    for (let k = start[u]!; k < start[u + 1]!; k++) {
      const r = order[k]!;
      if (t.ts[r]! >= cutoffTs) continue;
      include[r] = 1;
      markedBy[t.item[r]!] = u;
      hasInput = true;
    }
    if (!hasInput) continue;
    for (let k = start[u]!; k < start[u + 1]!; k++) {
      const r = order[k]!;
      if (include[r] || !(t.value[r]! > 0) || markedBy[t.item[r]!] === u) continue;
      let s = truth.get(u);
      if (!s) truth.set(u, (s = new Set()));
      s.add(t.item[r]!);
    }
  }
  return { include, truth };
}

export interface HoldoutResult {
  model: MetricSet;
  popularity: MetricSet;
  /** Users evaluated. */
  users: number;
}

/**
 * When each evaluation user's next interaction came: their first held-out engagement with a truth
 * item (epoch seconds). The model is asked for recommendations at that moment, as a live request
 * would be; `base` as in the split.
 */
export function requestTimes(t: InteractionTable, split: HoldoutSplit, base?: Uint8Array): Map<number, number> {
  const at = new Map<number, number>();
  for (let r = 0; r < t.user.length; r++) {
    if (split.include[r] || (base && !base[r]) || !(t.value[r]! > 0)) continue;
    const u = t.user[r]!;
    if (!split.truth.get(u)?.has(t.item[r]!)) continue;
    if (!(at.get(u)! <= t.ts[r]!)) at.set(u, t.ts[r]!);
  }
  return at;
}

/** Ranks every evaluation user's items with the model and with popularity, and scores both. */
export function evaluateOnHoldout(t: InteractionTable, split: HoldoutSplit, model: ItemModel): HoldoutResult {
  const scorer = new Scorer(model);
  const users = [...split.truth.keys()].sort((a, b) => a - b);
  const at = requestTimes(t, split);
  const rank = (u: number, popularityOnly: boolean) => scorer.recommend(u, 25, { popularityOnly, at: at.get(u) }).map((s) => s.index);
  let catalog = 0;
  const inCatalog = new Uint8Array(t.items.length);
  for (let r = 0; r < t.item.length; r++) {
    if (split.include[r] && !inCatalog[t.item[r]!]) {
      inCatalog[t.item[r]!] = 1;
      catalog++;
    }
  }
  const rankings = (popularityOnly: boolean) => users.map((u) => ({ ranked: rank(u, popularityOnly), truth: split.truth.get(u)! }));
  return { model: evaluateRankings(rankings(false), catalog), popularity: evaluateRankings(rankings(true), catalog), users: users.length };
}
