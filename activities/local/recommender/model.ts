/**
 * The local recommender's model: item-to-item collaborative filtering. Two items are similar when
 * the same users engaged with both: the cosine of their co-occurrence, each engagement weighted by
 * log(1 + EVENT_VALUE) and halved every `halfLifeDays` before the newest interaction. A user's score
 * for an item sums the similarities to the items in their history. Zero or negative EVENT_VALUEs
 * (unsubscribes) are negative feedback: they never count as engagement and the item is never
 * recommended back. Users without history get the popularity fallback.
 *
 * Everything is indexes and typed arrays: a million interactions train in seconds.
 */
import type { InteractionTable } from './table';

export interface ModelOptions {
  /** Half-life of an interaction's weight, in days. */
  halfLifeDays: number;
  /** Most recent items per user that enter the co-occurrence (bounds the cost of heavy users). */
  historyCap: number;
  /** Neighbours kept per item. */
  neighbours: number;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = { halfLifeDays: 30, historyCap: 50, neighbours: 50 };

/** Compressed rows: entries of row r are offsets[r] … offsets[r + 1] - 1. */
export interface SparseRows {
  offsets: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

export interface ItemModel {
  items: string[];
  users: string[];
  /** Per item: its most similar items, most similar first. */
  neighbours: SparseRows;
  /** Per user: positively engaged items with their decayed weight (newest first, capped). */
  history: SparseRows;
  /** Per user: every item they interacted with, negative feedback included (never recommended). */
  seen: SparseRows;
  /** Item indexes by decayed popularity, most popular first (items with no engagement left out). */
  popular: Int32Array;
  /** Rows the model was trained on. */
  trainedOn: number;
}

export interface Scored {
  itemId: string;
  score: number;
}

function rows(counts: ArrayLike<number>, total: number): { offsets: Int32Array; index: Int32Array; weight: Float32Array } {
  const offsets = new Int32Array(counts.length + 1);
  for (let r = 0; r < counts.length; r++) offsets[r + 1] = offsets[r]! + counts[r]!;
  return { offsets, index: new Int32Array(total), weight: new Float32Array(total) };
}

/** Row indexes grouped by user (counting sort), keeping file order within a user. */
function rowsByUser(t: InteractionTable, include?: Uint8Array): { offsets: Int32Array; order: Int32Array } {
  const n = t.user.length;
  const offsets = new Int32Array(t.users.length + 1);
  for (let r = 0; r < n; r++) if (!include || include[r]) offsets[t.user[r]! + 1]!++;
  for (let u = 0; u < t.users.length; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, -1);
  const order = new Int32Array(offsets[t.users.length]!);
  for (let r = 0; r < n; r++) if (!include || include[r]) order[fill[t.user[r]!]!++] = r;
  return { offsets, order };
}

/**
 * Keeps the k best (highest score, then lowest index) of the candidates it is offered. A binary
 * min-heap: offering m candidates costs O(m log k).
 */
export class TopK {
  private readonly idx: Int32Array;
  private readonly score: Float64Array;
  size = 0;

  constructor(private readonly k: number) {
    this.idx = new Int32Array(k);
    this.score = new Float64Array(k);
  }

  /** a is worse than b. */
  private worse(ai: number, as: number, bi: number, bs: number): boolean {
    return as < bs || (as === bs && ai > bi);
  }

  offer(i: number, s: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(i, s, this.idx[p]!, this.score[p]!)) break;
        this.idx[c] = this.idx[p]!;
        this.score[c] = this.score[p]!;
        c = p;
      }
      this.idx[c] = i;
      this.score[c] = s;
      return;
    }
    if (!this.worse(this.idx[0]!, this.score[0]!, i, s)) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const m = r < this.size && this.worse(this.idx[r]!, this.score[r]!, this.idx[l]!, this.score[l]!) ? r : l;
      if (!this.worse(this.idx[m]!, this.score[m]!, i, s)) break;
      this.idx[c] = this.idx[m]!;
      this.score[c] = this.score[m]!;
      c = m;
    }
    this.idx[c] = i;
    this.score[c] = s;
  }

  /** Best first; empties the heap. */
  drain(): { index: number; score: number }[] {
    const out = Array.from({ length: this.size }, (_, n) => ({ index: this.idx[n]!, score: this.score[n]! }));
    this.size = 0;
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}

export function train(t: InteractionTable, opts: ModelOptions = DEFAULT_MODEL_OPTIONS, include?: Uint8Array): ItemModel {
  const nItems = t.items.length;
  const nUsers = t.users.length;
  let maxTs = -Infinity;
  let trainedOn = 0;
  for (let r = 0; r < t.ts.length; r++) {
    if (include && !include[r]) continue;
    trainedOn++;
    if (t.ts[r]! > maxTs) maxTs = t.ts[r]!;
  }
  const decayPerSecond = Math.LN2 / (opts.halfLifeDays * 86_400);

  // 1. Per user: summed weight, newest time and negative flag per item (scratch arrays by item).
  const byUser = rowsByUser(t, include);
  const weight = new Float64Array(nItems);
  const newest = new Float64Array(nItems);
  const negative = new Uint8Array(nItems);
  const touched = new Int32Array(nItems);
  const popularity = new Float64Array(nItems);
  const histCount = new Int32Array(nUsers);
  const seenCount = new Int32Array(nUsers);
  const hist: { item: number[]; w: number[] } = { item: [], w: [] };
  const seenItems: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    let nTouched = 0;
    for (let k = byUser.offsets[u]!; k < byUser.offsets[u + 1]!; k++) {
      const r = byUser.order[k]!;
      const i = t.item[r]!;
      if (weight[i] === 0 && newest[i] === 0 && negative[i] === 0) touched[nTouched++] = i;
      const v = t.value[r]!;
      if (v > 0) {
        weight[i]! += Math.log1p(v) * Math.exp(-(maxTs - t.ts[r]!) * decayPerSecond);
        if (t.ts[r]! + 1 > newest[i]!) newest[i] = t.ts[r]! + 1; // +1 keeps 0 free as "unset"
      } else negative[i] = 1;
    }
    const engaged: number[] = [];
    for (let n = 0; n < nTouched; n++) {
      const i = touched[n]!;
      seenItems.push(i);
      if (!negative[i] && weight[i]! > 0) {
        engaged.push(i);
        popularity[i]! += weight[i]!;
      }
    }
    engaged.sort((a, b) => newest[b]! - newest[a]! || a - b);
    const kept = engaged.slice(0, opts.historyCap);
    for (const i of kept) {
      hist.item.push(i);
      hist.w.push(weight[i]!);
    }
    histCount[u] = kept.length;
    seenCount[u] = nTouched;
    for (let n = 0; n < nTouched; n++) {
      const i = touched[n]!;
      weight[i] = 0;
      newest[i] = 0;
      negative[i] = 0;
    }
  }
  const history = rows(histCount, hist.item.length);
  history.index.set(hist.item);
  history.weight.set(hist.w);
  const seen = rows(seenCount, seenItems.length);
  seen.index.set(seenItems);
  seen.weight.fill(1);

  // 2. The transpose: per item, the users who engaged with it (and how much).
  const itemCount = new Int32Array(nItems);
  const norm = new Float64Array(nItems);
  for (let k = 0; k < history.index.length; k++) {
    itemCount[history.index[k]!]!++;
    norm[history.index[k]!]! += history.weight[k]! * history.weight[k]!;
  }
  const engagedBy = rows(itemCount, history.index.length);
  const fill = engagedBy.offsets.slice(0, -1);
  for (let u = 0; u < nUsers; u++) {
    for (let k = history.offsets[u]!; k < history.offsets[u + 1]!; k++) {
      const at = fill[history.index[k]!]!++;
      engagedBy.index[at] = u;
      engagedBy.weight[at] = history.weight[k]!;
    }
  }

  // 3. Co-occurrence per item into a dense accumulator, cosine-normalized, best neighbours kept.
  const acc = new Float64Array(nItems);
  const best = new TopK(opts.neighbours);
  const nbr: { item: number[]; w: number[] } = { item: [], w: [] };
  const nbrCount = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let nTouched = 0;
    for (let a = engagedBy.offsets[i]!; a < engagedBy.offsets[i + 1]!; a++) {
      const u = engagedBy.index[a]!;
      const wi = engagedBy.weight[a]!;
      for (let k = history.offsets[u]!; k < history.offsets[u + 1]!; k++) {
        const j = history.index[k]!;
        if (j === i) continue;
        if (acc[j] === 0) touched[nTouched++] = j;
        acc[j]! += wi * history.weight[k]!;
      }
    }
    for (let n = 0; n < nTouched; n++) {
      const j = touched[n]!;
      best.offer(j, acc[j]! / Math.sqrt(norm[i]! * norm[j]!));
      acc[j] = 0;
    }
    const top = best.drain();
    nbrCount[i] = top.length;
    for (const { index, score } of top) {
      nbr.item.push(index);
      nbr.w.push(score);
    }
  }
  const neighbours = rows(nbrCount, nbr.item.length);
  neighbours.index.set(nbr.item);
  neighbours.weight.set(nbr.w);

  const popular = Int32Array.from(
    Array.from({ length: nItems }, (_, i) => i)
      .filter((i) => popularity[i]! > 0)
      .sort((a, b) => popularity[b]! - popularity[a]! || a - b)
  );
  return { items: t.items, users: t.users, neighbours, history, seen, popular, trainedOn };
}

/** Reusable scratch space for scoring (one per model, so scoring many users allocates nothing). */
export class Scorer {
  private readonly acc: Float64Array;
  private readonly excluded: Uint8Array;
  private readonly touched: Int32Array;
  private readonly userIndex: Map<string, number>;

  constructor(readonly model: ItemModel) {
    this.acc = new Float64Array(model.items.length);
    this.excluded = new Uint8Array(model.items.length);
    this.touched = new Int32Array(model.items.length);
    this.userIndex = new Map(model.users.map((u, n) => [u, n]));
  }

  userOf(userId: string): number {
    return this.userIndex.get(userId) ?? -1;
  }

  /** Top-n item indexes for a user: collaborative scores, topped up with popularity; seen items never. */
  recommend(user: number, n: number, popularityOnly = false): { index: number; score: number }[] {
    const m = this.model;
    const seen = user >= 0 ? m.seen.index.subarray(m.seen.offsets[user]!, m.seen.offsets[user + 1]!) : new Int32Array(0);
    for (const i of seen) this.excluded[i] = 1;
    const out: { index: number; score: number }[] = [];
    if (user >= 0 && !popularityOnly) {
      let nTouched = 0;
      for (let k = m.history.offsets[user]!; k < m.history.offsets[user + 1]!; k++) {
        const i = m.history.index[k]!;
        const w = m.history.weight[k]!;
        for (let q = m.neighbours.offsets[i]!; q < m.neighbours.offsets[i + 1]!; q++) {
          const j = m.neighbours.index[q]!;
          if (this.excluded[j]) continue;
          if (this.acc[j] === 0) this.touched[nTouched++] = j;
          this.acc[j]! += w * m.neighbours.weight[q]!;
        }
      }
      const best = new TopK(n);
      for (let q = 0; q < nTouched; q++) {
        const j = this.touched[q]!;
        best.offer(j, this.acc[j]!);
        this.acc[j] = 0;
      }
      for (const s of best.drain()) {
        out.push(s);
        this.excluded[s.index] = 1;
      }
    }
    for (let q = 0; q < m.popular.length && out.length < n; q++) {
      const j = m.popular[q]!;
      if (!this.excluded[j]) out.push({ index: j, score: 0 });
    }
    for (const i of seen) this.excluded[i] = 0;
    for (const s of out) this.excluded[s.index] = 0;
    return out;
  }

  recommendFor(userId: string, n: number, popularityOnly = false): Scored[] {
    return this.recommend(this.userOf(userId), n, popularityOnly).map((s) => ({ itemId: this.model.items[s.index]!, score: Number(s.score.toFixed(6)) }));
  }
}

/** Top-n items for a user (collaborative filtering with the popularity fallback). */
export function recommendFor(model: ItemModel, userId: string, n: number): Scored[] {
  return new Scorer(model).recommendFor(userId, n);
}

/** The popularity baseline: the most popular items the user has not seen. */
export function recommendPopular(model: ItemModel, userId: string, n: number): Scored[] {
  return new Scorer(model).recommendFor(userId, n, true);
}

// ---- persistence: typed arrays as plain JSON arrays ----

type Plain<T> = { [K in keyof T]: T[K] extends Int32Array | Float32Array ? number[] : T[K] extends SparseRows ? Plain<SparseRows> : T[K] };

function plainRows(r: SparseRows): Plain<SparseRows> {
  return { offsets: Array.from(r.offsets), index: Array.from(r.index), weight: Array.from(r.weight) };
}

function typedRows(r: Plain<SparseRows>): SparseRows {
  return { offsets: Int32Array.from(r.offsets), index: Int32Array.from(r.index), weight: Float32Array.from(r.weight) };
}

export function serializeModel(m: ItemModel): string {
  const plain: Plain<ItemModel> = {
    ...m,
    neighbours: plainRows(m.neighbours),
    history: plainRows(m.history),
    seen: plainRows(m.seen),
    popular: Array.from(m.popular),
  };
  return JSON.stringify(plain);
}

export function deserializeModel(text: string): ItemModel {
  const p = JSON.parse(text) as Plain<ItemModel>;
  return {
    ...p,
    neighbours: typedRows(p.neighbours),
    history: typedRows(p.history),
    seen: typedRows(p.seen),
    popular: Int32Array.from(p.popular),
  };
}
