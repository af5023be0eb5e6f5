import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rng } from '../../activities/local/generator/pinpoint';
import { evaluateRankings, ndcgAt, precisionAt, reciprocalRankAt, splitHoldout, timeHoldout } from '../../activities/local/recommender/metrics';
import { deserializeModel, recommendFor, recommendPopular, serializeModel, TopK, train } from '../../activities/local/recommender/model';
import { mergeTables, readInteractionsCsv, rowCount, tableFromRows, type InteractionRow } from '../../activities/local/recommender/table';
import { structuredInteractions } from '../bench/training';

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
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-csv-'));
  const good = path.join(dir, 'good.csv');
  fs.writeFileSync(good, 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,open,50,100\n"u,2",i2,click,,101\n');
  const t = await readInteractionsCsv(good);
  expect(t.users).toEqual(['u1', 'u,2']);
  expect(Array.from(t.value)).toEqual([50, 1]);
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,open,50,yesterday\n');
  await expect(readInteractionsCsv(bad)).rejects.toThrow(/line 2/);
});
