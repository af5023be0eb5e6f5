import { evaluateRankings, ndcgAt, precisionAt, reciprocalRankAt, timeHoldout } from '../../activities/local/recommender/metrics';
import { recommendFor, train, type Interaction } from '../../activities/local/recommender/model';
import { rng } from '../../activities/local/generator/pinpoint';

describe('metrics on hand-computed cases', () => {
  const truth = new Set(['b', 'd']);
  test('ndcg', () => {
    // hits at ranks 2 and 4: (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3))
    expect(ndcgAt(['a', 'b', 'c', 'd'], truth, 10)).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)), 10);
    expect(ndcgAt(['b', 'd'], truth, 10)).toBe(1);
    expect(ndcgAt(['x'], truth, 10)).toBe(0);
    expect(ndcgAt(['a', 'b'], truth, 1)).toBe(0);
  });
  test('precision and reciprocal rank', () => {
    expect(precisionAt(['a', 'b', 'c', 'd'], truth, 4)).toBe(0.5);
    expect(precisionAt(['b'], truth, 25)).toBe(1 / 25);
    expect(reciprocalRankAt(['a', 'c', 'd'], truth, 25)).toBeCloseTo(1 / 3);
    expect(reciprocalRankAt(['a'], truth, 25)).toBe(0);
  });
  test('coverage is the share of the catalog recommended', () => {
    const m = evaluateRankings([{ ranked: ['a', 'b'], truth }, { ranked: ['b', 'c'], truth }], 6);
    expect(m.coverage).toBe(0.5);
    expect(Object.keys(m)).toEqual(expect.arrayContaining(['precision_at_25', 'normalized_discounted_cumulative_gain_at_10', 'mean_reciprocal_rank_at_25', 'coverage']));
  });
});

/** Users in k taste groups engage with items of their group; popularity alone cannot know that. */
function structured(users: number, items: number, k: number, perUser: number, seed = 3): Interaction[] {
  const r = rng(seed);
  const out: Interaction[] = [];
  for (let u = 0; u < users; u++) {
    const g = u % k;
    for (let n = 0; n < perUser; n++) {
      const own = r() < 0.85;
      const group = own ? g : Math.floor(r() * k);
      const i = group + k * Math.floor(Math.pow(r(), 1.5) * (items / k));
      out.push({ user: `u${u}`, item: `i${i}`, value: r() < 0.3 ? 100 : 50, ts: 1_700_000_000 + n * 3600 + Math.floor(r() * 3000) });
    }
  }
  return out;
}

test('the model beats popularity on data with a hidden structure, on a time-based holdout', () => {
  const h = timeHoldout(structured(600, 200, 5, 20));
  expect(h.users).toBeGreaterThan(100);
  expect(h.model.normalized_discounted_cumulative_gain_at_10).toBeGreaterThan(1.5 * h.popularity.normalized_discounted_cumulative_gain_at_10!);
  expect(h.model.coverage).toBeGreaterThan(h.popularity.coverage!);
});

test('on data without structure the model has no edge to speak of', () => {
  const r = rng(9);
  const flat: Interaction[] = Array.from({ length: 12_000 }, (_, n) => ({ user: `u${n % 600}`, item: `i${Math.floor(r() * 200)}`, value: 50, ts: 1_700_000_000 + n }));
  const h = timeHoldout(flat);
  expect(h.model.normalized_discounted_cumulative_gain_at_10).toBeLessThan(1.5 * h.popularity.normalized_discounted_cumulative_gain_at_10! + 0.01);
});

test('recommendations exclude what the user saw, including items they unsubscribed from', () => {
  const data: Interaction[] = [
    { user: 'a', item: 'x', value: 50, ts: 1 },
    { user: 'a', item: 'y', value: 50, ts: 2 },
    { user: 'b', item: 'x', value: 50, ts: 1 },
    { user: 'b', item: 'z', value: -200, ts: 3 },
    { user: 'c', item: 'y', value: 50, ts: 1 },
    { user: 'c', item: 'z', value: 100, ts: 2 },
  ];
  const model = train(data);
  const forB = recommendFor(model, 'b', 5).map((s) => s.itemId);
  expect(forB).not.toContain('x');
  expect(forB).not.toContain('z');
  expect(forB[0]).toBe('y'); // co-engaged with x by user a
  // Unknown users get the popularity fallback.
  expect(recommendFor(model, 'nobody', 2)).toHaveLength(2);
});
