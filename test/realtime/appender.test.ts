/**
 * Group commit on a real local event log whose appends are held until the test lets them go (a
 * slow disk): never more than one append in flight per shard, what arrives meanwhile gathers into
 * the next segment and is written the moment the shard is free, a failed append fails only its
 * own requests, and drain writes everything.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MicroBatchAppender } from '../../client/gateway/appender';
import { LocalEventLog } from '../../activities/local/event-log';
import type { EventLog, LogRecord, SegmentRef } from '../../activities/ports';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The real log; each append waits for `release()` (in order), and one may be made to fail. */
function slowLog() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-appender-'));
  dirs.push(dir);
  const real = new LocalEventLog(dir);
  const held: { go: () => void; shard: number; count: number }[] = [];
  let failNext = false;
  const log: EventLog = Object.assign(Object.create(real) as EventLog, {
    append: async (records: LogRecord[], opts?: { shard?: number }) => {
      const fail = failNext;
      failNext = false;
      await new Promise<void>((go) => held.push({ go, shard: opts?.shard ?? 0, count: records.length }));
      if (fail) throw new Error('disk full');
      return real.append(records, opts);
    },
  });
  return { real, log, held, failNext: () => (failNext = true) };
}

const rec = (id: string): LogRecord => ({ messageId: id, type: 'track', receivedAt: '2026-12-02T10:00:00.000Z' });
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

async function allIds(real: LocalEventLog): Promise<string[]> {
  const out: string[] = [];
  for (const ref of await real.list({ limit: 1000 })) out.push(...(await real.read(ref)).map((r) => r.messageId));
  return out.sort();
}

test('one append in flight per shard; what arrives meanwhile is the next segment, written as soon as the shard is free', async () => {
  const { real, log, held } = slowLog();
  const segments: SegmentRef[] = [];
  const a = new MicroBatchAppender({ log, windowMs: 1, onSegment: (ref) => segments.push(ref) });
  const first = a.append([rec('a')], 10);
  await tick(20);
  expect(held).toHaveLength(1); // the window passed: the first segment is being written
  const later = ['b', 'c', 'd'].map((id) => a.append([rec(id)], 10));
  await tick(20);
  expect(held).toHaveLength(1); // still one in flight: b, c and d gather
  held[0]!.go();
  await first;
  await tick(5);
  expect(held).toHaveLength(2); // written at once, no window
  expect(held[1]!.count).toBe(3);
  held[1]!.go();
  await Promise.all(later);
  expect(a.stats).toEqual({ segments: 2, maxInFlight: 1 });
  expect(segments.map((s) => s.count)).toEqual([1, 3]);
  expect(await allIds(real)).toEqual(['a', 'b', 'c', 'd']);
});

test('with two shards, two appends in flight, on different shards', async () => {
  const { log, held } = slowLog();
  const a = new MicroBatchAppender({ log, windowMs: 1, shards: 2 });
  const p1 = a.append([rec('a')], 10);
  await tick(20);
  const p2 = a.append([rec('b')], 10);
  await tick(20);
  const p3 = a.append([rec('c')], 10);
  await tick(20);
  expect(held.map((h) => h.shard)).toEqual([0, 1]);
  held[1]!.go();
  await p2;
  await tick(5);
  expect(held.map((h) => h.shard)).toEqual([0, 1, 1]); // c goes to the shard that is free
  held[0]!.go();
  held[2]!.go();
  await Promise.all([p1, p3]);
  expect(a.stats.maxInFlight).toBe(2);
});

test('a failed append rejects only its own requests; the next segment is written; drain writes what is gathered', async () => {
  const { real, log, held, failNext } = slowLog();
  const a = new MicroBatchAppender({ log, windowMs: 1 });
  failNext();
  const failed = a.append([rec('x')], 10);
  await tick(20);
  const ok = a.append([rec('y')], 10);
  held[0]!.go();
  await expect(failed).rejects.toThrow('disk full');
  await tick(5);
  held[1]!.go();
  await ok;
  const last = a.append([rec('z')], 10);
  const drained = a.drain();
  await tick(5);
  held[2]!.go();
  await drained;
  await last;
  expect(await allIds(real)).toEqual(['y', 'z']);
});
