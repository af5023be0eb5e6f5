/**
 * The local recommender's model: item-to-item collaborative filtering. Two items are similar when
 * the same users engaged with both (cosine of their co-occurrence, weighted by EVENT_VALUE with a
 * time decay); a user's score for an item sums the similarities to what they engaged with.
 * Negative EVENT_VALUEs (unsubscribes) are negative feedback: excluded from similarity, and the
 * item is never recommended back. Unknown users get the popularity fallback.
 */

export interface Interaction {
  user: string;
  item: string;
  value: number;
  /** Epoch seconds. */
  ts: number;
}

export interface ModelOptions {
  /** Half-life of an interaction's weight, in days. */
  halfLifeDays: number;
  /** Most recent items per user used for co-occurrence (bounds the cost). */
  historyCap: number;
  /** Neighbours kept per item. */
  neighbours: number;
}

export const DEFAULT_MODEL_OPTIONS: ModelOptions = { halfLifeDays: 30, historyCap: 50, neighbours: 50 };

export interface TrainedModel {
  items: string[];
  /** neighbours[i] = [[j, similarity], …], most similar first. */
  neighbours: [number, number][][];
  /** Item indexes by decayed popularity, most popular first. */
  popular: number[];
  /** Per user: [item, weight] pairs (positive) and items to exclude. */
  users: Record<string, { h: [number, number][]; seen: number[] }>;
  trainedOn: number;
}

export function train(data: Interaction[], opts: ModelOptions = DEFAULT_MODEL_OPTIONS): TrainedModel {
  const itemIndex = new Map<string, number>();
  const items: string[] = [];
  const idx = (item: string) => {
    let i = itemIndex.get(item);
    if (i === undefined) {
      i = items.length;
      itemIndex.set(item, i);
      items.push(item);
    }
    return i;
  };
  const maxTs = data.reduce((m, d) => (d.ts > m ? d.ts : m), 0);
  const decay = (ts: number) => Math.pow(0.5, (maxTs - ts) / (opts.halfLifeDays * 86_400));

  // Per user: summed positive weight per item, newest time, and everything seen.
  const perUser = new Map<string, Map<number, { w: number; ts: number }>>();
  const seen = new Map<string, Set<number>>();
  const popularity: number[] = [];
  for (const d of data) {
    const i = idx(d.item);
    let s = seen.get(d.user);
    if (!s) seen.set(d.user, (s = new Set()));
    s.add(i);
    if (!(d.value > 0)) continue;
    const w = (Math.log1p(d.value) || 1) * decay(d.ts);
    let m = perUser.get(d.user);
    if (!m) perUser.set(d.user, (m = new Map()));
    const cur = m.get(i);
    if (cur) {
      cur.w += w;
      cur.ts = Math.max(cur.ts, d.ts);
    } else m.set(i, { w, ts: d.ts });
    popularity[i] = (popularity[i] ?? 0) + w;
  }

  // Co-occurrence over each user's most recent items.
  const co: Map<number, number>[] = items.map(() => new Map());
  const norm = new Float64Array(items.length);
  const users: TrainedModel['users'] = {};
  for (const [user, m] of perUser) {
    const hist = [...m.entries()].sort((a, b) => b[1].ts - a[1].ts).slice(0, opts.historyCap);
    users[user] = { h: hist.map(([i, v]) => [i, Number(v.w.toFixed(4))]), seen: [...(seen.get(user) ?? [])] };
    for (let a = 0; a < hist.length; a++) {
      const [i, vi] = hist[a]!;
      norm[i] += vi.w * vi.w;
      const row = co[i]!;
      for (let b = 0; b < hist.length; b++) {
        if (a === b) continue;
        const [j, vj] = hist[b]!;
        row.set(j, (row.get(j) ?? 0) + vi.w * vj.w);
      }
    }
  }
  for (const [user, s] of seen) if (!users[user]) users[user] = { h: [], seen: [...s] };

  const neighbours = co.map((row, i) =>
    [...row.entries()]
      .map(([j, c]) => [j, c / Math.sqrt(norm[i]! * norm[j]! || 1)] as [number, number])
      .sort((a, b) => b[1] - a[1])
      .slice(0, opts.neighbours)
      .map(([j, s]) => [j, Number(s.toFixed(5))] as [number, number])
  );
  const popular = items.map((_, i) => i).sort((a, b) => (popularity[b] ?? 0) - (popularity[a] ?? 0));
  return { items, neighbours, popular, users, trainedOn: data.length };
}

export interface Scored {
  itemId: string;
  score: number;
}

/** Top-n items for a user: CF scores, topped up with popularity; never an item they already saw. */
export function recommendFor(model: TrainedModel, user: string, n: number): Scored[] {
  const u = model.users[user];
  const exclude = new Set(u?.seen ?? []);
  const scores = new Map<number, number>();
  for (const [i, w] of u?.h ?? []) {
    for (const [j, s] of model.neighbours[i] ?? []) {
      if (!exclude.has(j)) scores.set(j, (scores.get(j) ?? 0) + w * s);
    }
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, n);
  const out: Scored[] = ranked.map(([j, s]) => ({ itemId: model.items[j]!, score: Number(s.toFixed(5)) }));
  if (out.length < n) {
    const have = new Set(ranked.map(([j]) => j));
    for (const j of model.popular) {
      if (out.length >= n) break;
      if (exclude.has(j) || have.has(j)) continue;
      out.push({ itemId: model.items[j]!, score: 0 });
    }
  }
  return out;
}

/** The popularity baseline: the most popular items the user has not seen. */
export function recommendPopular(model: TrainedModel, user: string, n: number): Scored[] {
  const exclude = new Set(model.users[user]?.seen ?? []);
  const out: Scored[] = [];
  for (const j of model.popular) {
    if (out.length >= n) break;
    if (!exclude.has(j)) out.push({ itemId: model.items[j]!, score: 0 });
  }
  return out;
}
