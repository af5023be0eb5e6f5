/**
 * The gateway's memory of accepted messageIds: what it remembers and forgets once full, repeats of
 * an append in flight, and the cost per id staying flat once it is full (it used to grow with the
 * ids deleted before the oldest, ~100 µs per accepted event).
 */
import { RecentIds } from '../../client/gateway/recent-ids';

test('remembers at least the newest half of its capacity and forgets ids older than its capacity', () => {
  const r = new RecentIds(1_000);
  for (let i = 0; i < 5_000; i++) r.add(`m${i}`);
  for (let i = 4_500; i < 5_000; i++) expect(r.lookup(`m${i}`)).toBe('accepted');
  for (let i = 0; i < 4_000; i++) expect(r.lookup(`m${i}`)).toBeUndefined();
  expect(r.size).toBeLessThanOrEqual(1_000);
});

test('a repeat of an id whose append is in flight waits for it, then the id is accepted; a failed append forgets it', async () => {
  const r = new RecentIds(100);
  let resolve!: () => void;
  const durable = new Promise<void>((res) => (resolve = res));
  r.track(['a', 'b'], durable);
  expect(r.lookup('a')).toBe(durable);
  resolve();
  await durable;
  await Promise.resolve();
  expect(r.lookup('a')).toBe('accepted');
  const failed = Promise.reject(new Error('disk full'));
  r.track(['c'], failed);
  await failed.catch(() => undefined);
  await Promise.resolve();
  expect(r.lookup('c')).toBeUndefined();
});

test('once full, adding an id costs no more than while filling (no scan past forgotten ids)', () => {
  const r = new RecentIds(200_000);
  const time = (from: number, n: number) => {
    const t = process.hrtime.bigint();
    for (let i = from; i < from + n; i++) r.add(`m-${i}`);
    return Number(process.hrtime.bigint() - t) / n;
  };
  const filling = time(0, 200_000);
  const full = time(200_000, 200_000);
  // Generous: the old structure was ~1,000× slower once full; noise is far below 10×.
  expect(full).toBeLessThan(filling * 10 + 2_000);
});
