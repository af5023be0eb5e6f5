/**
 * The local recommender's model, fitted from interactions. Three signals, blended when a user is
 * scored (scorer.ts):
 *
 * - **co-engagement**: two items are similar when the same users engaged with both, the cosine of
 *   their co-occurrence; each engagement weighted by log(1 + EVENT_VALUE) and halved every
 *   `halfLifeDays` before the newest interaction;
 * - **transitions**: what users went on to next, P(j | i) over consecutive engagements of a user at
 *   most `sessionGapSeconds` apart (the sequence inside sessions);
 * - **popularity**: the decayed engagement of all users, also the fallback for unknown users.
 *
 * A user's history keeps their newest engaged items first, so the scorer can weigh the newest most,
 * and the time of their newest engagement, so it can tell a session that goes on from a next one.
 * Zero or negative EVENT_VALUEs (unsubscribes) are negative feedback: they never count as engagement
 * and the item is never recommended back.
 *
 * Everything is indexes and typed arrays: a million interactions fit in about a second.
 */
import type { InteractionTable } from './table';
import { TopK } from './top-k';

export { TopK } from './top-k';
export { recommendFor, recommendPopular, Scorer } from './scorer';

/**
 * How the scorer mixes the signals; each signal is scaled to its best candidate (1) first, so only
 * the ratios between the weights matter.
 */
export interface Blend {
  neighbours: number;
  transitions: number;
  popularity: number;
  /** Weight of a user's k-th newest item: recency^k (1 = all alike). */
  recency: number;
}

export interface ModelOptions {
  /** Half-life of an interaction's weight, in days. */
  halfLifeDays: number;
  /** Most recent items per user that enter the co-occurrence (bounds the cost of heavy users). */
  historyCap: number;
  /** Neighbours (and successors) kept per item. */
  neighbours: number;
  /** Two engagements further apart than this are not a transition. */
  sessionGapSeconds: number;
  /** The user's newest items whose transitions are followed. */
  transitionsFrom: number;
  /** The blend for a user's next session, when none was chosen on validation data (tune.ts chooses per training). */
  blend: Blend;
  /** The blend while the user's session goes on (a request within `sessionGapSeconds` of their last engagement). */
  sessionBlend: Blend;
}

export const DEFAULT_BLEND: Blend = { neighbours: 0.5, transitions: 0.05, popularity: 1, recency: 1 };
export const DEFAULT_SESSION_BLEND: Blend = { neighbours: 0.5, transitions: 0.25, popularity: 1, recency: 0.6 };

export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  halfLifeDays: 30,
  historyCap: 50,
  neighbours: 50,
  sessionGapSeconds: 3_600,
  transitionsFrom: 3,
  blend: DEFAULT_BLEND,
  sessionBlend: DEFAULT_SESSION_BLEND,
};

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
  /** Per item: the items users went on to next, with P(next | item), most likely first. */
  transitions: SparseRows;
  /** Per user: positively engaged items with their decayed weight (newest first, capped). */
  history: SparseRows;
  /** Per user: every item they interacted with, negative feedback included (never recommended). */
  seen: SparseRows;
  /** Per item: decayed engagement of all users. */
  popularity: Float32Array;
  /** Item indexes by decayed popularity, most popular first (items with no engagement left out). */
  popular: Int32Array;
  /** The scorer's blend for a user's next session. */
  blend: Blend;
  /** The scorer's blend while a user's session goes on. */
  sessionBlend: Blend;
  sessionGapSeconds: number;
  /** Per user: time of their newest engagement (epoch seconds; -1 when none). */
  lastActive: Float64Array;
  /** Newest items of a user whose transitions are followed. */
  transitionsFrom: number;
  /** Rows the model was trained on. */
  trainedOn: number;
}

function rows(
  counts: ArrayLike<number>,
  total: number
): { offsets: Int32Array; index: Int32Array; weight: Float32Array } {
  const offsets = new Int32Array(counts.length + 1);
  for (let r = 0; r < counts.length; r++) offsets[r + 1] = offsets[r]! + counts[r]!;
  return { offsets, index: new Int32Array(total), weight: new Float32Array(total) };
}

/** Row indexes grouped by user (counting sort), in time order within a user. */
function rowsByUser(t: InteractionTable, include?: Uint8Array): { offsets: Int32Array; order: Int32Array } {
  const n = t.user.length;
  const offsets = new Int32Array(t.users.length + 1);
  for (let r = 0; r < n; r++) if (!include || include[r]) offsets[t.user[r]! + 1]!++;
  for (let u = 0; u < t.users.length; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, -1);
  const order = new Int32Array(offsets[t.users.length]!);
  let sorted = true;
  for (let r = 0; r < n; r++) {
    if (include && !include[r]) continue;
    const at = fill[t.user[r]!]!++;
    order[at] = r;
    // Files are usually in time order already; sort only the users whose rows are not.
    if (at > offsets[t.user[r]!]! && t.ts[order[at - 1]!]! > t.ts[r]!) sorted = false;
  }
  if (!sorted) {
    const byTime = (a: number, b: number) => t.ts[a]! - t.ts[b]! || a - b;
    for (let u = 0; u < t.users.length; u++) order.subarray(offsets[u]!, offsets[u + 1]!).sort(byTime);
  }
  return { offsets, order };
}

/**
 * Builds per-item rows of the `keep` best targets: `accumulate(i, acc, touched)` adds item i's raw
 * weights into the dense `acc` (listing new targets in `touched`, returning how many), `finish` turns
 * a summed weight into the row's score. The accumulator is reset after each item.
 */
function topPerRow(
  nItems: number,
  keep: number,
  accumulate: (i: number, acc: Float64Array, touched: Int32Array) => number,
  finish: (i: number, j: number, summed: number) => number
): SparseRows {
  const acc = new Float64Array(nItems);
  const touched = new Int32Array(nItems);
  const best = new TopK(keep);
  const out: { item: number[]; w: number[] } = { item: [], w: [] };
  const count = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) {
    const nTouched = accumulate(i, acc, touched);
    for (let n = 0; n < nTouched; n++) {
      const j = touched[n]!;
      best.offer(j, finish(i, j, acc[j]!));
      acc[j] = 0;
    }
    const top = best.drain();
    count[i] = top.length;
    for (const { index, score } of top) {
      out.item.push(index);
      out.w.push(score);
    }
  }
  const r = rows(count, out.item.length);
  r.index.set(out.item);
  r.weight.set(out.w);
  return r;
}

export function train(
  t: InteractionTable,
  opts: ModelOptions = DEFAULT_MODEL_OPTIONS,
  include?: Uint8Array
): ItemModel {
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
  const decayed = (r: number) => Math.log1p(t.value[r]!) * Math.exp(-(maxTs - t.ts[r]!) * decayPerSecond);

  // 1. Per user (rows in time order): summed weight, newest time and negative flag per item, and
  //    the transitions between consecutive engagements.
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
  const lastActive = new Float64Array(nUsers).fill(-1);
  const pairFrom = new Int32Array(byUser.order.length);
  const pairTo = new Int32Array(byUser.order.length);
  const pairW = new Float32Array(byUser.order.length);
  let pairs = 0;
  for (let u = 0; u < nUsers; u++) {
    let nTouched = 0;
    let prev = -1;
    for (let k = byUser.offsets[u]!; k < byUser.offsets[u + 1]!; k++) {
      const r = byUser.order[k]!;
      const i = t.item[r]!;
      if (weight[i] === 0 && newest[i] === 0 && negative[i] === 0) touched[nTouched++] = i;
      if (t.value[r]! > 0) {
        const w = decayed(r);
        weight[i]! += w;
        if (t.ts[r]! + 1 > newest[i]!) newest[i] = t.ts[r]! + 1; // +1 keeps 0 free as "unset"
        if (t.ts[r]! > lastActive[u]!) lastActive[u] = t.ts[r]!;
        if (prev >= 0 && t.item[prev] !== i && t.ts[r]! - t.ts[prev]! <= opts.sessionGapSeconds) {
          pairFrom[pairs] = t.item[prev]!;
          pairTo[pairs] = i;
          pairW[pairs++] = w;
        }
        prev = r;
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

  // 3. Co-occurrence per item, cosine-normalized, best neighbours kept.
  const neighbours = topPerRow(
    nItems,
    opts.neighbours,
    (i, acc, touchedBy) => {
      let nTouched = 0;
      for (let a = engagedBy.offsets[i]!; a < engagedBy.offsets[i + 1]!; a++) {
        const u = engagedBy.index[a]!;
        const wi = engagedBy.weight[a]!;
        for (let k = history.offsets[u]!; k < history.offsets[u + 1]!; k++) {
          const j = history.index[k]!;
          if (j === i) continue;
          if (acc[j] === 0) touchedBy[nTouched++] = j;
          acc[j]! += wi * history.weight[k]!;
        }
      }
      return nTouched;
    },
    (i, j, summed) => summed / Math.sqrt(norm[i]! * norm[j]!)
  );

  // 4. Transitions, grouped by source item (counting sort), as P(next | item).
  const outCount = new Int32Array(nItems + 1);
  for (let p = 0; p < pairs; p++) outCount[pairFrom[p]! + 1]!++;
  for (let i = 0; i < nItems; i++) outCount[i + 1]! += outCount[i]!;
  const cursor = outCount.slice(0, -1);
  const bySource = new Int32Array(pairs);
  for (let p = 0; p < pairs; p++) bySource[cursor[pairFrom[p]!]!++] = p;
  const outWeight = new Float64Array(nItems);
  for (let p = 0; p < pairs; p++) outWeight[pairFrom[p]!]! += pairW[p]!;
  const transitions = topPerRow(
    nItems,
    opts.neighbours,
    (i, acc, touchedBy) => {
      let nTouched = 0;
      for (let q = outCount[i]!; q < outCount[i + 1]!; q++) {
        const p = bySource[q]!;
        const j = pairTo[p]!;
        if (acc[j] === 0) touchedBy[nTouched++] = j;
        acc[j]! += pairW[p]!;
      }
      return nTouched;
    },
    (i, _j, summed) => summed / outWeight[i]!
  );

  const popular = Int32Array.from(
    Array.from({ length: nItems }, (_, i) => i)
      .filter((i) => popularity[i]! > 0)
      .sort((a, b) => popularity[b]! - popularity[a]! || a - b)
  );
  return {
    items: t.items,
    users: t.users,
    neighbours,
    transitions,
    history,
    seen,
    popularity: Float32Array.from(popularity),
    popular,
    blend: { ...opts.blend },
    sessionBlend: { ...opts.sessionBlend },
    sessionGapSeconds: opts.sessionGapSeconds,
    lastActive,
    transitionsFrom: opts.transitionsFrom,
    trainedOn,
  };
}

// ---- persistence: typed arrays as plain JSON arrays ----

type Plain<T> = {
  [K in keyof T]: T[K] extends Int32Array | Float32Array | Float64Array
    ? number[]
    : T[K] extends SparseRows
      ? Plain<SparseRows>
      : T[K];
};

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
    transitions: plainRows(m.transitions),
    history: plainRows(m.history),
    seen: plainRows(m.seen),
    popularity: Array.from(m.popularity),
    popular: Array.from(m.popular),
    lastActive: Array.from(m.lastActive),
  };
  return JSON.stringify(plain);
}

/** What models saved before transitions and blends existed score with: co-engagement alone. */
const CO_ENGAGEMENT_ONLY: Blend = { neighbours: 1, transitions: 0, popularity: 0, recency: 1 };

/** Reads a saved model; one saved by an earlier version (no transitions, no blends) scores as it did then. */
export function deserializeModel(text: string): ItemModel {
  const p = JSON.parse(text) as Partial<Plain<ItemModel>> &
    Pick<Plain<ItemModel>, 'items' | 'users' | 'neighbours' | 'history' | 'seen' | 'popular' | 'trainedOn'>;
  const nItems = p.items.length;
  return {
    items: p.items,
    users: p.users,
    neighbours: typedRows(p.neighbours),
    transitions: p.transitions
      ? typedRows(p.transitions)
      : { offsets: new Int32Array(nItems + 1), index: new Int32Array(0), weight: new Float32Array(0) },
    history: typedRows(p.history),
    seen: typedRows(p.seen),
    // Only the order of the popular items was kept: rank as weight keeps the fallback's order.
    popularity: p.popularity ? Float32Array.from(p.popularity) : popularityFromOrder(p.popular, nItems),
    popular: Int32Array.from(p.popular),
    blend: p.blend ?? CO_ENGAGEMENT_ONLY,
    sessionBlend: p.sessionBlend ?? CO_ENGAGEMENT_ONLY,
    sessionGapSeconds: p.sessionGapSeconds ?? DEFAULT_MODEL_OPTIONS.sessionGapSeconds,
    lastActive: p.lastActive ? Float64Array.from(p.lastActive) : new Float64Array(p.users.length).fill(-1),
    transitionsFrom: p.transitionsFrom ?? 0,
    trainedOn: p.trainedOn,
  };
}

function popularityFromOrder(popular: readonly number[], nItems: number): Float32Array {
  const w = new Float32Array(nItems);
  popular.forEach((i, rank) => (w[i] = popular.length - rank));
  return w;
}
