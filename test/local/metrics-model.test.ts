import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from '../../activities/local/generator/pinpoint';
import { SessionWorld } from '../../activities/local/generator/world';
import { evaluateOnHoldout, evaluateRankings, ndcgAt, precisionAt, reciprocalRankAt, splitAtTime, splitHoldout } from '../../activities/local/recommender/metrics';
import { chooseBlends, fitModel, timeHoldout } from '../../activities/local/recommender/tune';
import { DEFAULT_MODEL_OPTIONS, deserializeModel, recommendFor, recommendPopular, Scorer, serializeModel, TopK, train, type Blend } from '../../activities/local/recommender/model';
import { mergeTables, readInteractionsCsv, rowCount, tableFromRows, type InteractionRow } from '../../activities/local/recommender/table';
import { sessionInteractions, structuredInteractions } from '../bench/training';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

describe('metrics on hand-computed cases', () => {
  const truth = new Set(['b', 'd']);

  test('ndcg', () => {
    // hits at ranks 2 and 4; ideal: hits at ranks 1 and 2
    const expected = (1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3));
    expect(ndcgAt(['a', 'b', 'c', 'd'], truth, 10)).toBeCloseTo(expected, 12);
    expect(ndcgAt(['b', 'd'], truth, 10)).toBe(1);
    expect(ndcgAt(['x'], truth, 10)).toBe(0);
    expect(ndcgAt(['a', 'b'], truth, 1)).toBe(0);
    // k smaller than the truth: the ideal is capped at k
    expect(ndcgAt(['b'], new Set(['b', 'c', 'd']), 1)).toBe(1);
  });

  test('precision divides by k, reciprocal rank takes the first hit', () => {
    expect(precisionAt(['a', 'b', 'c', 'd'], truth, 4)).toBe(0.5);
    expect(precisionAt(['b'], truth, 25)).toBe(1 / 25);
    expect(precisionAt(['a', 'b', 'c', 'd', 'e'], truth, 2)).toBe(0.5);
    expect(reciprocalRankAt(['a', 'c', 'd', 'b'], truth, 25)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAt(['a', 'c', 'd'], truth, 2)).toBe(0);
  });

  test('averages over users; coverage is the share of the catalog in anyone\'s top 25', () => {
    const m = evaluateRankings([{ ranked: ['a', 'b'], truth }, { ranked: ['b', 'c'], truth: new Set(['c']) }], 6);
    expect(m.coverage).toBe(0.5); // a, b, c of 6
    expect(m.mean_reciprocal_rank_at_25).toBe(0.5); // (1/2 + 1/2) / 2
    expect(m.precision_at_5).toBeCloseTo((1 / 5 + 1 / 5) / 2, 6);
    expect(Object.keys(m).sort()).toEqual([
      'coverage',
      'mean_reciprocal_rank_at_25',
      'normalized_discounted_cumulative_gain_at_10',
      'normalized_discounted_cumulative_gain_at_25',
      'normalized_discounted_cumulative_gain_at_5',
      'precision_at_10',
      'precision_at_25',
      'precision_at_5',
    ]);
  });
});

test('TopK keeps the k best, ties to the lower index, like a full sort', () => {
  const r = rng(5);
  const scores = Array.from({ length: 500 }, () => Math.floor(r() * 50));
  const top = new TopK(20);
  scores.forEach((s, i) => top.offer(i, s));
  const expected = scores.map((s, i) => ({ index: i, score: s })).sort((a, b) => b.score - a.score || a.index - b.index).slice(0, 20);
  expect(top.drain()).toEqual(expected);
});

test('the model beats popularity on data with a hidden structure, on the holdout', () => {
  const t = structuredInteractions({ interactions: 20_000, users: 800, items: 300, groups: 6, affinity: 0.85, seed: 3 });
  const h = timeHoldout(t);
  expect(h.users).toBeGreaterThan(300);
  const m = 'normalized_discounted_cumulative_gain_at_10';
  expect(h.model[m]).toBeGreaterThan(1.5 * h.popularity[m]!);
  expect(h.model.precision_at_25).toBeGreaterThan(h.popularity.precision_at_25!);
  expect(h.model.coverage).toBeGreaterThan(h.popularity.coverage!);
  expect(timeHoldout(t)).toEqual(h); // deterministic
});

test('on data without structure the model has no edge to speak of', () => {
  const r = rng(9);
  const t = tableFromRows(Array.from({ length: 12_000 }, (_, n) => ({ user: `u${n % 600}`, item: `i${Math.floor(r() * 200)}`, eventType: 'open', value: 50, ts: 1_700_000_000 + n })));
  const h = timeHoldout(t);
  const m = 'normalized_discounted_cumulative_gain_at_10';
  expect(h.model[m]).toBeLessThan(1.5 * h.popularity[m]! + 0.01);
});

test('the holdout keeps each evaluation user\'s newest positive interactions as truth', () => {
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 5; u++) for (let n = 0; n < 20; n++) rows.push({ user: `u${u}`, item: `i${(u + n) % 30}`, eventType: 'open', value: 1, ts: 1000 + n });
  const t = tableFromRows(rows);
  const split = splitHoldout(t, { userShare: 0.1, minUsers: 5, truthShare: 0.1, seed: 1 });
  expect(split.truth.size).toBe(5);
  for (let r = 0; r < rows.length; r++) expect(split.include[r]).toBe(rows[r]!.ts >= 1018 ? 0 : 1); // newest 2 of 20
  expect([...split.truth.get(0)!].map((i) => t.items[i]).sort()).toEqual(['i18', 'i19']);
});

describe('the model', () => {
  const rows: InteractionRow[] = [
    { user: 'a', item: 'x', eventType: 'open', value: 50, ts: 1 },
    { user: 'a', item: 'y', eventType: 'open', value: 50, ts: 2 },
    { user: 'b', item: 'x', eventType: 'open', value: 50, ts: 1 },
    { user: 'b', item: 'z', eventType: 'unsubscribe', value: -200, ts: 3 },
    { user: 'c', item: 'y', eventType: 'open', value: 50, ts: 1 },
    { user: 'c', item: 'z', eventType: 'click', value: 100, ts: 2 },
    { user: 'c', item: 'w', eventType: 'click', value: 100, ts: 2 },
  ];
  const model = train(tableFromRows(rows));

  test('recommends co-engaged items, never what the user saw (unsubscribes included)', () => {
    const forB = recommendFor(model, 'b', 5).map((s) => s.itemId);
    expect(forB[0]).toBe('y'); // a engaged with x and y
    expect(forB).not.toContain('x');
    expect(forB).not.toContain('z');
  });

  test('unknown users get the popularity ranking', () => {
    expect(recommendFor(model, 'nobody', 2)).toEqual(recommendPopular(model, 'nobody', 2));
    expect(recommendFor(model, 'nobody', 2).map((s) => s.itemId)).toEqual(['y', 'x']); // two engagements each (y's newer), then one click each
  });

  test('survives serialization unchanged', () => {
    const back = deserializeModel(serializeModel(model));
    for (const u of ['a', 'b', 'c', 'nobody']) expect(recommendFor(back, u, 4)).toEqual(recommendFor(model, u, 4));
  });
});

test('INCREMENTAL merge appends and replaces the same interaction', () => {
  const base = tableFromRows([
    { user: 'a', item: 'x', eventType: 'open', value: 1, ts: 1 },
    { user: 'a', item: 'y', eventType: 'open', value: 1, ts: 2 },
  ]);
  const merged = mergeTables(base, tableFromRows([
    { user: 'a', item: 'y', eventType: 'open', value: 7, ts: 2 },
    { user: 'b', item: 'x', eventType: 'open', value: 1, ts: 3 },
  ]));
  expect(rowCount(merged)).toBe(3);
  const values = Array.from({ length: 3 }, (_, r) => `${merged.users[merged.user[r]!]}${merged.items[merged.item[r]!]}=${merged.value[r]}`);
  expect(values.sort()).toEqual(['ax=1', 'ay=7', 'bx=1']);
});

test('the CSV reader takes Personalize\'s header and refuses malformed rows', async () => {
  const dir = scratchDir('po-csv-');
  const good = path.join(dir, 'good.csv');
  fs.writeFileSync(good, 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,open,50,100\n"u,2",i2,click,,101\n');
  const t = await readInteractionsCsv(good);
  expect(t.users).toEqual(['u1', 'u,2']);
  expect(Array.from(t.value)).toEqual([50, 1]);
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,open,50,yesterday\n');
  await expect(readInteractionsCsv(bad)).rejects.toThrow(/line 2/);
});

describe('recency- and sequence-aware scoring', () => {
  const DAY = 86_400;
  const only = (b: Partial<Blend>): Blend => ({ neighbours: 0, transitions: 0, popularity: 0, recency: 1, ...b });

  // x is followed by y within a minute in many sessions; z goes with x too, but days later.
  const rows: InteractionRow[] = [];
  for (let u = 0; u < 20; u++) {
    rows.push({ user: `s${u}`, item: 'x', eventType: 'view', value: 1, ts: 1_000_000 + u * 100 });
    rows.push({ user: `s${u}`, item: 'y', eventType: 'view', value: 1, ts: 1_000_060 + u * 100 });
  }
  for (let u = 0; u < 30; u++) {
    rows.push({ user: `c${u}`, item: 'x', eventType: 'view', value: 1, ts: 1_000_000 });
    rows.push({ user: `c${u}`, item: 'z', eventType: 'view', value: 1, ts: 1_000_000 + 3 * DAY });
  }
  rows.push({ user: 'me', item: 'x', eventType: 'view', value: 1, ts: 1_100_000 });
  const opts = { ...DEFAULT_MODEL_OPTIONS, blend: only({ neighbours: 1 }), sessionBlend: only({ transitions: 1 }) };
  const model = train(tableFromRows(rows), opts);

  test('transitions: P(next | item) from consecutive engagements within the session gap', () => {
    const x = model.items.indexOf('x');
    const row = Array.from({ length: model.transitions.offsets[x + 1]! - model.transitions.offsets[x]! }, (_, k) => ({
      item: model.items[model.transitions.index[model.transitions.offsets[x]! + k]!],
      p: model.transitions.weight[model.transitions.offsets[x]! + k]!,
    }));
    expect(row).toEqual([{ item: 'y', p: 1 }]); // x → z is 3 days apart: not a transition
  });

  test('a request within the session gap follows transitions; a later one the co-engagement', () => {
    const scorer = new Scorer(model);
    expect(scorer.recommendFor('me', 1, { at: 1_100_000 + 120 })[0]!.itemId).toBe('y');
    expect(scorer.recommendFor('me', 1, { at: 1_100_000 + 2 * DAY })[0]!.itemId).toBe('z');
    expect(scorer.recommendFor('me', 1)[0]!.itemId).toBe('z'); // no time: a next session
    expect(scorer.recommendFor('me', 1, { at: 1_100_000 - 60 })[0]!.itemId).toBe('z'); // a clock behind the data
  });

  test("the newest items of a user weigh most (recency)", () => {
    // p2 goes with p (more users) and q2 with q; "me" engaged with p long ago and with q just now.
    const r: InteractionRow[] = [];
    for (let u = 0; u < 12; u++) r.push({ user: `p${u}`, item: 'p', eventType: 'view', value: 1, ts: 100 }, { user: `p${u}`, item: 'p2', eventType: 'view', value: 1, ts: 200 });
    for (let u = 0; u < 8; u++) r.push({ user: `q${u}`, item: 'q', eventType: 'view', value: 1, ts: 100 }, { user: `q${u}`, item: 'q2', eventType: 'view', value: 1, ts: 200 });
    r.push({ user: 'me', item: 'p', eventType: 'view', value: 1, ts: 300 }, { user: 'me', item: 'q', eventType: 'view', value: 1, ts: 400 });
    const t = tableFromRows(r);
    const top = (recency: number) => recommendFor(train(t, { ...DEFAULT_MODEL_OPTIONS, blend: only({ neighbours: 1, recency }) }), 'me', 1)[0]!.itemId;
    expect(top(1)).toBe('p2');
    expect(top(0.5)).toBe('q2');
  });

  test('with neighbour and transition weights at 0 the ranking is exactly popularity', () => {
    const t = structuredInteractions({ interactions: 5000, users: 300, items: 100, groups: 4, affinity: 0.8, seed: 8 });
    const m = train(t, { ...DEFAULT_MODEL_OPTIONS, blend: only({ popularity: 1, recency: 0.6 }) });
    for (const u of ['u1', 'u7', 'u42', 'nobody']) expect(recommendFor(m, u, 15).map((s) => s.itemId)).toEqual(recommendPopular(m, u, 15).map((s) => s.itemId));
  });

  test('survives serialization with its transitions, blends and session times', () => {
    const back = new Scorer(deserializeModel(serializeModel(model)));
    const scorer = new Scorer(model);
    for (const at of [undefined, 1_100_060, 1_100_000 + 5 * DAY]) expect(back.recommendFor('me', 3, { at })).toEqual(scorer.recommendFor('me', 3, { at }));
  });
});

test('a model saved before transitions and blends existed still loads and ranks by co-engagement alone', () => {
  const t = structuredInteractions({ interactions: 8000, users: 400, items: 120, groups: 4, affinity: 0.85, seed: 4 });
  const coEngagementOnly = { neighbours: 1, transitions: 0, popularity: 0, recency: 1 };
  const then = train(t, { ...DEFAULT_MODEL_OPTIONS, blend: coEngagementOnly, sessionBlend: coEngagementOnly });
  // The fields an earlier version did not write:
  const saved = JSON.parse(serializeModel(then)) as Record<string, unknown>;
  for (const k of ['transitions', 'popularity', 'blend', 'sessionBlend', 'sessionGapSeconds', 'lastActive', 'transitionsFrom']) delete saved[k];
  const loaded = deserializeModel(JSON.stringify(saved));
  for (const u of ['u1', 'u2', 'u77', 'nobody']) {
    expect(recommendFor(loaded, u, 20).map((s) => s.itemId)).toEqual(recommendFor(then, u, 20).map((s) => s.itemId));
    expect(new Scorer(loaded).recommendFor(u, 5, { at: 2_000_000_000 }).map((s) => s.itemId)).toEqual(recommendFor(then, u, 5).map((s) => s.itemId));
  }
});

describe('on session-structured data (the generator session mode)', () => {
  const world = new SessionWorld({ startDate: '2026-03-01', seed: 42, users: 1500, items: 600, clusters: 12, days: 10 });
  const t = sessionInteractions(world);
  const m = 'normalized_discounted_cumulative_gain_at_10';

  test('last day held out: never below popularity, where co-engagement alone falls below it', () => {
    const split = splitAtTime(t, Math.floor((world.startMs + 9 * 86_400_000) / 1000));
    expect(split.truth.size).toBeGreaterThan(300);
    const fitted = evaluateOnHoldout(t, split, fitModel(t, split.include).model);
    const coEngagementOnly = { neighbours: 1, transitions: 0, popularity: 0, recency: 1 };
    const plain = evaluateOnHoldout(t, split, train(t, { ...DEFAULT_MODEL_OPTIONS, blend: coEngagementOnly, sessionBlend: coEngagementOnly }, split.include));
    expect(plain.model[m]).toBeLessThan(0.95 * fitted.popularity[m]!); // the data is hard for item-to-item CF …
    // … and the blend of the two is above popularity (not merely popularity itself, which would be 1.0)
    expect(fitted.model[m]).toBeGreaterThan(1.02 * fitted.popularity[m]!);
  });

  test('Personalize-shaped holdout: within sessions the transitions carry it far past popularity', () => {
    const h = timeHoldout(t);
    expect(h.model[m]).toBeGreaterThan(1.5 * h.popularity[m]!);
  });

  test('the blends are chosen on validation data carved from the training data, deterministically', () => {
    const a = chooseBlends(t);
    expect(a.next.users).toBeGreaterThanOrEqual(50);
    expect(a.session.users).toBeGreaterThanOrEqual(50);
    expect(a.next.ndcg).toBeGreaterThanOrEqual(a.next.popularityNdcg);
    expect(a.session.blend.transitions).toBeGreaterThan(0);
    expect(chooseBlends(t)).toEqual(a);
  });
});

test('splitAtTime: input before the cut-off, truth after it for users with input, minus what they saw', () => {
  const t = tableFromRows([
    { user: 'a', item: 'x', eventType: 'v', value: 1, ts: 10 },
    { user: 'a', item: 'y', eventType: 'v', value: 1, ts: 20 },
    { user: 'a', item: 'x', eventType: 'v', value: 1, ts: 30 }, // seen before: no truth
    { user: 'a', item: 'z', eventType: 'v', value: 1, ts: 31 },
    { user: 'a', item: 'w', eventType: 'u', value: -5, ts: 32 }, // negative: no truth
    { user: 'b', item: 'z', eventType: 'v', value: 1, ts: 40 }, // no input: not evaluated
  ]);
  const s = splitAtTime(t, 30);
  expect(Array.from(s.include)).toEqual([1, 1, 0, 0, 0, 0]);
  expect([...s.truth.entries()].map(([u, items]) => [t.users[u], [...items].map((i) => t.items[i])])).toEqual([['a', ['z']]]);
  const based = splitAtTime(t, 30, Uint8Array.from([0, 1, 1, 1, 1, 1]));
  expect(Array.from(based.include)).toEqual([0, 1, 0, 0, 0, 0]);
  expect([...based.truth.get(0)!].map((i) => t.items[i]).sort()).toEqual(['x', 'z']); // x was outside the base
});
