/**
 * Delivery of event-log segments: read a segment by reference, map its messages (the same mapping
 * the gateway checked them with), group and send them with deliverRecords, and write to the
 * delivery ledger before and after every call. A segment the ledger marks done is skipped, and a
 * crashed delivery resumes after its last settled call, so a retry, a restart or a reference that
 * reaches the workflow twice never sends a call again. The one call whose outcome a crash left
 * unknown is asked of the sink when it can tell (`landed`), else sent again (Personalize ignores a
 * repeated eventId; PutUsers/PutItems replace the same record).
 */
import type { DeadLetter, DeliveryLedger, EventLog, EventSink, LedgerEntry, LogRecord, SegmentRef } from '../ports';
import { deliverRecords, groupForDelivery, type DeliveryReport } from './delivery';
import { mapMessage, type DestinationConfig, type PersonalizeRecord } from './mapping';

export interface SegmentDeliveryDeps {
  log: EventLog;
  ledger: DeliveryLedger;
  sink: EventSink;
  destination: DestinationConfig;
  usersItemsPerSecond?: number;
  retries?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Shared PutUsers/PutItems pacing. */
  lastCall?: Map<string, number>;
  /** Called after each settled call (the activity heartbeats). */
  onProgress?: (p: { segment: string; callsDone: number }) => void;
}

export interface SegmentsReport {
  segments: number;
  /** Segments the ledger already had as done (a repeated reference). */
  skipped: number;
  calls: number;
  delivered: number;
  deadLettered: number;
}

/** Pure: log records → mapped records, and dead letters for those that cannot be mapped. */
export function mapSegment(lines: LogRecord[], destination: DestinationConfig, segment: string): { records: PersonalizeRecord[]; origin: Map<PersonalizeRecord, LogRecord>; refused: DeadLetter[] } {
  const records: PersonalizeRecord[] = [];
  const origin = new Map<PersonalizeRecord, LogRecord>();
  const refused: DeadLetter[] = [];
  const at = new Date().toISOString();
  for (const line of lines) {
    const mapped = mapMessage(line, destination);
    if (mapped.ok) {
      records.push(mapped.record);
      origin.set(mapped.record, line);
    } else {
      refused.push({ message: line, reason: `not mappable: ${mapped.errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`, at, segment });
    }
  }
  return { records, origin, refused };
}

async function deliverSegment(ref: SegmentRef, deps: SegmentDeliveryDeps, total: SegmentsReport): Promise<void> {
  let entry = await deps.ledger.get(ref.uri);
  if (entry?.done) {
    total.skipped++;
    return;
  }
  const lines = await deps.log.read(ref);
  const { records, origin, refused } = mapSegment(lines, deps.destination, ref.uri);
  // What earlier attempts settled but never reported (they crashed): counted by this one.
  const settledBefore = { delivered: entry?.delivered ?? 0, deadLettered: entry?.deadLettered ?? 0 };
  if (!entry) {
    // Unmappable records are dead-lettered once, before the first call, and the ledger says so.
    await deps.log.deadLetters.put(refused);
    entry = { callsDone: 0, delivered: 0, deadLettered: refused.length, done: false };
    await deps.ledger.settle(ref.uri, entry);
  }
  const groups = groupForDelivery(records);
  if (entry.inFlight !== undefined && entry.inFlight === entry.callsDone && entry.callsDone < groups.length) {
    const call = groups[entry.callsDone]!;
    if (deps.sink.landed && (await deps.sink.landed(call.records))) {
      entry = { callsDone: entry.callsDone + 1, delivered: entry.delivered + call.records.length, deadLettered: entry.deadLettered, done: false };
      await deps.ledger.settle(ref.uri, entry);
    }
  }
  const base: LedgerEntry = entry;
  const report: DeliveryReport = await deliverRecords(records, {
    sink: deps.sink,
    deadLetters: {
      put: (letters) =>
        deps.log.deadLetters.put(letters.map((l) => ({ ...l, ...(l.record && origin.has(l.record) ? { message: origin.get(l.record) } : {}), segment: ref.uri }))),
    },
    retries: deps.retries,
    baseDelayMs: deps.baseDelayMs,
    usersItemsPerSecond: deps.usersItemsPerSecond,
    sleep: deps.sleep,
    lastCall: deps.lastCall,
    resume: { callsDone: base.callsDone, report: { calls: 0, delivered: base.delivered, deadLettered: base.deadLettered } },
    beforeCall: (call) => deps.ledger.begin(ref.uri, call),
    onProgress: async (p) => {
      await deps.ledger.settle(ref.uri, { callsDone: p.callsDone, delivered: p.report.delivered, deadLettered: p.report.deadLettered, done: false });
      deps.onProgress?.({ segment: ref.uri, callsDone: p.callsDone });
    },
  });
  await deps.ledger.settle(ref.uri, { callsDone: groups.length, delivered: report.delivered, deadLettered: report.deadLettered, done: true });
  total.segments++;
  total.calls += report.calls;
  total.delivered += report.delivered - settledBefore.delivered;
  total.deadLettered += report.deadLettered - settledBefore.deadLettered;
}

/** Delivers segments in the order given. */
export async function deliverSegments(refs: SegmentRef[], deps: SegmentDeliveryDeps): Promise<SegmentsReport> {
  const total: SegmentsReport = { segments: 0, skipped: 0, calls: 0, delivered: 0, deadLettered: 0 };
  for (const ref of refs) await deliverSegment(ref, deps, total);
  return total;
}

/** The arrival time in a segment's name (`<epoch ms>-s<shard>-…`), or undefined. */
export function segmentTime(uri: string): number | undefined {
  const m = /(\d{13})-s\d+-[^/]*$/.exec(uri);
  return m ? Number(m[1]) : undefined;
}

/**
 * Segments of a shard not yet done, oldest first, after the shard's watermark; the watermark moves
 * past the leading run of done segments, so later sweeps list less. `olderThanMs` leaves the
 * newest segments to their own reference (the gateway's signal).
 */
export async function findUndelivered(
  req: { shard: number; limit: number; olderThanMs?: number; now?: number },
  deps: { log: EventLog; ledger: DeliveryLedger }
): Promise<{ segments: SegmentRef[]; more: boolean }> {
  const after = await deps.ledger.watermark(req.shard);
  const page = await deps.log.list({ after, shard: req.shard, limit: req.limit * 4 });
  const cutoff = (req.now ?? Date.now()) - (req.olderThanMs ?? 0);
  const segments: SegmentRef[] = [];
  let leadingDone: string | undefined;
  let prefix = true;
  for (const ref of page) {
    const t = segmentTime(ref.uri);
    if (t !== undefined && t > cutoff) break;
    const done = (await deps.ledger.get(ref.uri))?.done ?? false;
    if (done && prefix) leadingDone = ref.uri;
    if (!done) {
      prefix = false;
      if (segments.length < req.limit) segments.push(ref);
      else return finish(true);
    }
  }
  return finish(page.length === req.limit * 4);

  async function finish(more: boolean) {
    if (leadingDone) await deps.ledger.setWatermark(req.shard, leadingDone);
    return { segments, more };
  }
}
