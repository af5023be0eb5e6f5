/** The delivery workflow's pure decisions: references bounded by bytes, batches per activity, hand-over. */
import { MAX_PENDING_REF_BYTES, PendingRefs, refBytes, shouldHandOver, SIGNAL_LIMIT, wellFormedRefs } from '../../workflows/realtime-plan';
import type { SegmentRef } from '../../activities/ports';

const ref = (n: number, bytes = 1000): SegmentRef => ({ uri: `/log/events/2026/11/23/10/${String(1795000000000 + n)}-s0-w-${String(n).padStart(4, "0")}.jsonl`, count: 10, bytes });

test('references are kept once each, in order, up to the byte bound; the rest are counted as dropped', () => {
  const q = new PendingRefs([], 10 * refBytes(ref(0)));
  expect(q.add([ref(1), ref(2), ref(1)])).toBe(0);
  expect(q.size).toBe(2);
  expect(q.add(Array.from({ length: 12 }, (_, n) => ref(n + 3)))).toBe(4);
  expect(q.size).toBe(10);
  expect(q.toArray()[0]).toEqual(ref(1));
  expect(new PendingRefs().add(Array.from({ length: 5000 }, (_, n) => ref(n)))).toBe(5000 - Math.floor(MAX_PENDING_REF_BYTES / refBytes(ref(0))));
});

test('one delivery takes at most 64 segments and about 8 MB, but always at least one', () => {
  const q = new PendingRefs(Array.from({ length: 100 }, (_, n) => ref(n, 1000)));
  expect(q.take()).toHaveLength(64);
  expect(q.take()).toHaveLength(36);
  const big = new PendingRefs([ref(1, 20 * 1024 * 1024), ref(2, 5 * 1024 * 1024), ref(3, 5 * 1024 * 1024)]);
  expect(big.take().map((r) => r.uri)).toEqual([ref(1).uri]);
  expect(big.take()).toHaveLength(1);
  expect(big.size).toBe(1);
});

test('malformed signal payloads are ignored, not fatal', () => {
  expect(wellFormedRefs([ref(1), null, { uri: 3 }, { uri: '' }, 'x', { uri: '/a', count: 'many' }])).toEqual([ref(1), { uri: '/a', count: 0, bytes: 0 }]);
  expect(wellFormedRefs({ not: 'a list' })).toEqual([]);
});

test('hand over when suggested, when history is long, or after many signals', () => {
  const base = { historyLength: 10, suggested: false, signals: 0 };
  expect(shouldHandOver(base)).toBe(false);
  expect(shouldHandOver({ ...base, suggested: true })).toBe(true);
  expect(shouldHandOver({ ...base, historyLength: 4001 })).toBe(true);
  expect(shouldHandOver({ ...base, signals: SIGNAL_LIMIT })).toBe(true);
});
