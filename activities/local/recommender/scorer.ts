/**
 * Scores items for a user with a fitted model: the blend of co-engagement with the user's history
 * (newest items weigh most), transitions from their newest items, and popularity. Each signal is
 * scaled so its best candidate scores 1, then mixed by one of the model's two blends: the session
 * blend when the request comes within the session gap of the user's last engagement (what they do
 * next in this session), else the blend for a next session. With the neighbour and transition
 * weights at 0 the ranking is exactly the popularity fallback, which is how a blend chosen on
 * validation data never does worse there than popularity (tune.ts).
 */
import type { Blend, ItemModel } from './model';
import { TopK } from './top-k';

export interface Scored {
  itemId: string;
  score: number;
}

/** The per-user signals before blending: candidates touched by neighbours or transitions. */
export interface Signals {
  /** Candidate item indexes (seen and excluded items left out). */
  items: Int32Array;
  neighbours: Float64Array;
  transitions: Float64Array;
}

/**
 * Whether a request at `at` (epoch seconds) comes while the user's session goes on: within the
 * session gap after their last engagement. A request from before it (a clock behind the data) does not.
 */
export function inSession(m: ItemModel, user: number, at?: number): boolean {
  if (at === undefined || user < 0 || !(m.lastActive[user]! >= 0)) return false;
  const since = at - m.lastActive[user]!;
  return since >= 0 && since <= m.sessionGapSeconds;
}

/** Pure popularity: the fallback's ranking. */
export const POPULARITY: Blend = { neighbours: 0, transitions: 0, popularity: 1, recency: 1 };
const NO_SIGNALS: Signals = {
  items: new Int32Array(0),
  neighbours: new Float64Array(0),
  transitions: new Float64Array(0),
};

/** Reusable scratch space for scoring (one per model, so scoring many users allocates little). */
export class Scorer {
  private readonly cf: Float64Array;
  private readonly tr: Float64Array;
  private readonly excluded: Uint8Array;
  private readonly touched: Int32Array;
  private readonly userIndex: Map<string, number>;
  private readonly itemIndex: Map<string, number>;
  private readonly maxPopularity: number;

  constructor(readonly model: ItemModel) {
    const n = model.items.length;
    this.cf = new Float64Array(n);
    this.tr = new Float64Array(n);
    this.excluded = new Uint8Array(n);
    this.touched = new Int32Array(n);
    this.userIndex = new Map(model.users.map((u, k) => [u, k]));
    this.itemIndex = new Map(model.items.map((i, k) => [i, k]));
    this.maxPopularity = model.popular.length ? model.popularity[model.popular[0]!]! : 1;
  }

  userOf(userId: string): number {
    return this.userIndex.get(userId) ?? -1;
  }

  itemOf(itemId: string): number {
    return this.itemIndex.get(itemId) ?? -1;
  }

  private seenOf(user: number): Int32Array {
    const m = this.model;
    return user >= 0 ? m.seen.index.subarray(m.seen.offsets[user]!, m.seen.offsets[user + 1]!) : new Int32Array(0);
  }

  /**
   * The user's neighbour and transition signals at a recency, each scaled to its best candidate.
   * Items the user has seen, and `exclude`, are no candidates.
   */
  signals(user: number, recency: number, exclude: ArrayLike<number> = []): Signals {
    const m = this.model;
    const seen = this.seenOf(user);
    for (const i of seen) this.excluded[i] = 1;
    for (let k = 0; k < exclude.length; k++) this.excluded[exclude[k]!] = 1;
    let nTouched = 0;
    if (user >= 0) {
      let rw = 1;
      for (let k = m.history.offsets[user]!, rank = 0; k < m.history.offsets[user + 1]!; k++, rank++, rw *= recency) {
        const i = m.history.index[k]!;
        const w = rw * m.history.weight[k]!;
        for (let q = m.neighbours.offsets[i]!; q < m.neighbours.offsets[i + 1]!; q++) {
          const j = m.neighbours.index[q]!;
          if (this.excluded[j]) continue;
          if (this.cf[j] === 0 && this.tr[j] === 0) this.touched[nTouched++] = j;
          this.cf[j]! += w * m.neighbours.weight[q]!;
        }
        if (rank < m.transitionsFrom) {
          for (let q = m.transitions.offsets[i]!; q < m.transitions.offsets[i + 1]!; q++) {
            const j = m.transitions.index[q]!;
            if (this.excluded[j]) continue;
            if (this.cf[j] === 0 && this.tr[j] === 0) this.touched[nTouched++] = j;
            this.tr[j]! += rw * m.transitions.weight[q]!;
          }
        }
      }
    }
    const items = this.touched.slice(0, nTouched);
    const neighbours = new Float64Array(nTouched);
    const transitions = new Float64Array(nTouched);
    let maxCf = 0;
    let maxTr = 0;
    for (let q = 0; q < nTouched; q++) {
      const j = items[q]!;
      neighbours[q] = this.cf[j]!;
      transitions[q] = this.tr[j]!;
      if (this.cf[j]! > maxCf) maxCf = this.cf[j]!;
      if (this.tr[j]! > maxTr) maxTr = this.tr[j]!;
      this.cf[j] = 0;
      this.tr[j] = 0;
    }
    for (let q = 0; q < nTouched; q++) {
      if (maxCf > 0) neighbours[q]! /= maxCf;
      if (maxTr > 0) transitions[q]! /= maxTr;
    }
    for (const i of seen) this.excluded[i] = 0;
    for (let k = 0; k < exclude.length; k++) this.excluded[exclude[k]!] = 0;
    return { items, neighbours, transitions };
  }

  /**
   * Top-n item indexes from a user's signals under a blend: candidates are the touched items and
   * the most popular unseen ones; any shortfall is topped up with popularity (score 0).
   */
  rank(
    user: number,
    s: Signals,
    blend: Blend,
    n: number,
    exclude: ArrayLike<number> = []
  ): { index: number; score: number }[] {
    const m = this.model;
    const seen = this.seenOf(user);
    for (const i of seen) this.excluded[i] = 1;
    for (let k = 0; k < exclude.length; k++) this.excluded[exclude[k]!] = 1;
    const out: { index: number; score: number }[] = [];
    const personal = blend.neighbours > 0 || blend.transitions > 0;
    if (personal && s.items.length > 0) {
      const best = new TopK(n);
      const pop = blend.popularity / this.maxPopularity;
      for (let q = 0; q < s.items.length; q++) {
        const j = s.items[q]!;
        if (this.excluded[j]) continue;
        this.excluded[j] = 2; // offered
        best.offer(
          j,
          blend.neighbours * s.neighbours[q]! + blend.transitions * s.transitions[q]! + pop * m.popularity[j]!
        );
      }
      if (pop > 0) {
        // Popular items nobody's signal touched still compete on their popularity share.
        for (let q = 0, taken = 0; q < m.popular.length && taken < n; q++) {
          const j = m.popular[q]!;
          if (this.excluded[j]) continue;
          taken++;
          best.offer(j, pop * m.popularity[j]!);
        }
      }
      for (let q = 0; q < s.items.length; q++) if (this.excluded[s.items[q]!] === 2) this.excluded[s.items[q]!] = 0;
      for (const x of best.drain()) {
        out.push(x);
        this.excluded[x.index] = 1;
      }
    }
    for (let q = 0; q < m.popular.length && out.length < n; q++) {
      const j = m.popular[q]!;
      if (!this.excluded[j]) {
        out.push({ index: j, score: 0 });
        this.excluded[j] = 1;
      }
    }
    for (const i of seen) this.excluded[i] = 0;
    for (let k = 0; k < exclude.length; k++) this.excluded[exclude[k]!] = 0;
    for (const x of out) this.excluded[x.index] = 0;
    return out;
  }

  /** The blend for a request at `at` (epoch seconds; unknown = a next session). */
  blendFor(user: number, at?: number): Blend {
    return inSession(this.model, user, at) ? this.model.sessionBlend : this.model.blend;
  }

  /**
   * Top-n item indexes for a user, for a request at `at` (epoch seconds, optional); `popularityOnly`
   * gives the fallback's ranking.
   */
  recommend(
    user: number,
    n: number,
    opts: { popularityOnly?: boolean; exclude?: ArrayLike<number>; at?: number } = {}
  ): { index: number; score: number }[] {
    const exclude = opts.exclude ?? [];
    if (opts.popularityOnly || user < 0) return this.rank(user, NO_SIGNALS, POPULARITY, n, exclude);
    const blend = this.blendFor(user, opts.at);
    return this.rank(user, this.signals(user, blend.recency, exclude), blend, n, exclude);
  }

  /** Top-n items for a user; `exclude` names items not to recommend besides those the user has seen. */
  recommendFor(
    userId: string,
    n: number,
    opts: { popularityOnly?: boolean; exclude?: Iterable<string>; at?: number } = {}
  ): Scored[] {
    const exclude: number[] = [];
    for (const id of opts.exclude ?? []) {
      const i = this.itemOf(id);
      if (i >= 0) exclude.push(i);
    }
    return this.recommend(this.userOf(userId), n, { popularityOnly: opts.popularityOnly, exclude, at: opts.at }).map(
      (s) => ({
        itemId: this.model.items[s.index]!,
        score: Number(s.score.toFixed(6)),
      })
    );
  }
}

/** Top-n items for a user (the blended model, popularity for unknown users). */
export function recommendFor(model: ItemModel, userId: string, n: number): Scored[] {
  return new Scorer(model).recommendFor(userId, n);
}

/** The popularity baseline: the most popular items the user has not seen. */
export function recommendPopular(model: ItemModel, userId: string, n: number): Scored[] {
  return new Scorer(model).recommendFor(userId, n, { popularityOnly: true });
}
