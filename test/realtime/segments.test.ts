/**
 * Segment delivery against a real local log and ledger: a crash mid-segment resumes after the last
 * settled call, the call in flight at the crash is asked of the sink, a repeated reference sends
 * nothing, unmappable records are dead-lettered once with their reason, and the sweep finds what
 * is not done and moves its watermark.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalDeliveryLedger, LocalEventLog } from '../../activities/local/event-log';
import { deliverSegments, findUndelivered } from '../../activities/realtime/segments';
import type { EventSink, LogRecord } from '../../activities/ports';
import type { DestinationConfig } from '../../activities/realtime/mapping';

const destination: DestinationConfig = { eventChoice: 'PutEvents', trackingId: 't-1', customMappings: [{ from: 'ITEM_ID', to: 'product_id' }] };
let dir: string;
let log: LocalEventLog;
let ledger: LocalDeliveryLedger;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-segments-'));
  log = new LocalEventLog(dir);
  ledger = new LocalDeliveryLedger(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const msg = (n: number, session = `s${n % 3}`): LogRecord => ({ type: 'track', messageId: `m${n}`, event: 'View', anonymousId: session, timestamp: '2026-11-23T10:00:00Z', receivedAt: '2026-11-23T10:00:01Z', properties: { product_id: `i${n}` } });

/** Counts every call; throws (a crash) once `crashAt` calls were sent, after or before the call lands. */
function sink(opts: { crashAfter?: number; landedAnswer?: boolean } = {}) {
  const sent: string[] = [];
  let calls = 0;
  const s: EventSink = {
    async putEvents(req) {
      calls++;
      sent.push(...req.events.map((e) => e.eventId!));
      if (opts.crashAfter !== undefined && calls === opts.crashAfter) throw Object.assign(new Error('killed'), { crash: true });
    },
    putItems: async () => undefined,
    putUsers: async () => undefined,
    ...(opts.landedAnswer !== undefined && { landed: async () => opts.landedAnswer! }),
  };
  return { s, sent };
}

test('a crash mid-segment resumes after the last settled call; the call in flight is asked of the sink', async () => {
  const ref = await log.append(Array.from({ length: 30 }, (_, n) => msg(n, 'one-session')));
  const first = sink({ crashAfter: 2 });
  // The second call reached the sink, then the process "died" before the ledger settled it.
  await expect(deliverSegments([ref], { log, ledger, sink: first.s, destination, retries: 0, sleep: async () => undefined })).rejects.toThrow();
  expect(first.sent).toHaveLength(20);
  expect(await ledger.get(ref.uri)).toMatchObject({ callsDone: 1, inFlight: 1, done: false });

  const second = sink({ landedAnswer: true });
  const report = await deliverSegments([ref], { log, ledger, sink: second.s, destination });
  expect(second.sent).toEqual(Array.from({ length: 10 }, (_, n) => `m${n + 20}`));
  expect(report).toMatchObject({ segments: 1, delivered: 20, deadLettered: 0 });
  expect(await ledger.get(ref.uri)).toMatchObject({ callsDone: 3, delivered: 30, done: true });

  // A repeated reference (signal and sweep both handed it over) sends nothing.
  const third = sink();
  expect(await deliverSegments([ref], { log, ledger, sink: third.s, destination })).toMatchObject({ segments: 0, skipped: 1 });
  expect(third.sent).toEqual([]);
});

test('without a sink that can tell, the call in flight is sent again (Personalize drops the repeated eventIds)', async () => {
  const ref = await log.append(Array.from({ length: 20 }, (_, n) => msg(n, 'one-session')));
  await expect(deliverSegments([ref], { log, ledger, sink: sink({ crashAfter: 2 }).s, destination, retries: 0, sleep: async () => undefined })).rejects.toThrow();
  const again = sink();
  await deliverSegments([ref], { log, ledger, sink: again.s, destination });
  expect(again.sent).toEqual(Array.from({ length: 10 }, (_, n) => `m${n + 10}`));
});

test('unmappable records are dead-lettered once, with the reason and the message as accepted', async () => {
  const ref = await log.append([msg(1), { ...msg(2), event: '' }, msg(3)]);
  const out = sink();
  expect(await deliverSegments([ref], { log, ledger, sink: out.s, destination })).toMatchObject({ delivered: 2, deadLettered: 1 });
  const letters = (await Promise.all((await log.listDeadLetters()).map((f) => log.readDeadLetters(f)))).flat();
  expect(letters).toEqual([{ message: { ...msg(2), event: '' }, reason: 'not mappable: event: a track call needs an event name', at: expect.any(String), segment: ref.uri }]);
  await deliverSegments([ref], { log, ledger, sink: out.s, destination });
  expect(await log.listDeadLetters()).toHaveLength(1);
});

test('a torn or foreign line in a segment is dead-lettered, not retried forever', async () => {
  const ref = await log.append([msg(1)]);
  fs.appendFileSync(ref.uri, '{"half a rec\n');
  const out = sink();
  expect(await deliverSegments([ref], { log, ledger, sink: out.s, destination })).toMatchObject({ delivered: 1, deadLettered: 1 });
});

test('the sweep lists segments not done, oldest first, by shard, and moves the watermark past the done ones', async () => {
  const a = await log.append([msg(1)], { shard: 0 });
  const b = await log.append([msg(2)], { shard: 1 });
  const c = await log.append([msg(3)], { shard: 0 });
  const d = await log.append([msg(4)], { shard: 0 });
  await deliverSegments([a, c], { log, ledger, sink: sink().s, destination });
  expect((await findUndelivered({ shard: 0, limit: 10 }, { log, ledger })).segments.map((s) => s.uri)).toEqual([d.uri]);
  expect(await ledger.watermark(0)).toBe(c.uri);
  expect((await findUndelivered({ shard: 1, limit: 10 }, { log, ledger })).segments.map((s) => s.uri)).toEqual([b.uri]);
  // Segments newer than the cut-off are left to their own reference.
  expect((await findUndelivered({ shard: 0, limit: 10, olderThanMs: 60_000 }, { log, ledger })).segments).toEqual([]);
  expect((await log.list({ after: a.uri, limit: 10 })).map((s) => s.uri)).toEqual([b.uri, c.uri, d.uri]);
  expect((await log.list({ since: Date.now() + 1000, limit: 10 })).map((s) => s.uri)).toEqual([]);
  expect((await log.list({ since: Date.now() - 60_000, limit: 2 })).map((s) => s.uri)).toEqual([a.uri, b.uri]);
});

test('the ledger keeps a bounded number of files open and closes each segment once it is done', async () => {
  const openFds = () => fs.readdirSync('/proc/self/fd').length;
  const before = openFds();
  // Settled but never done: the files stay open up to the bound, the oldest closed beyond it.
  for (let i = 0; i < 300; i++) await ledger.begin(path.join(dir, `seg-${i}.jsonl`), 0);
  expect(openFds() - before).toBeLessThanOrEqual(128);
  for (let i = 0; i < 300; i++) await ledger.settle(path.join(dir, `seg-${i}.jsonl`), { callsDone: 1, delivered: 1, deadLettered: 0, done: i % 2 === 0 });
  // Every line landed, through kept and reopened files alike.
  expect(await ledger.get(path.join(dir, 'seg-0.jsonl'))).toMatchObject({ callsDone: 1, done: true });
  expect(await ledger.get(path.join(dir, 'seg-299.jsonl'))).toMatchObject({ callsDone: 1, done: false });
  // Delivered segments leave nothing open (a ledger of its own, so no earlier file is open).
  const own = new LocalDeliveryLedger(dir);
  const refs = await Promise.all(Array.from({ length: 40 }, (_, i) => log.append([msg(i)])));
  const atStart = openFds();
  await deliverSegments(refs, { log, ledger: own, sink: sink().s, destination });
  expect(openFds()).toBeLessThanOrEqual(atStart);
});
