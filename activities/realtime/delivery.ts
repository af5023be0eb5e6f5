/**
 * Delivery of mapped records to Personalize Events: up to 10 records per call (PutEvents grouped by
 * tracking id, session and user), PutUsers/PutItems paced to their request-rate quota, throttling
 * and 5xx retried with backoff, and a call AWS refuses for good split record by record so each bad
 * record lands in the dead-letter store with its reason. Nothing is dropped, and progress is
 * reported call by call so a retried delivery does not send again what AWS already acknowledged.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { classifyAwsError } from '../aws/errors';
import type { DeadLetter, DeadLetterStore, EventSink } from '../ports';
import { LIMITS, type EventRecord, type ItemRecord, type PersonalizeRecord, type UserRecord } from './mapping';

export type { DeadLetter, DeadLetterStore, EventSink };

export type Batch =
  | { kind: 'event'; key: string; records: EventRecord[] }
  | { kind: 'item'; key: string; records: ItemRecord[] }
  | { kind: 'user'; key: string; records: UserRecord[] };

/** Pure: records → calls of at most 10, events grouped by (trackingId, sessionId, userId), in arrival order. */
export function groupForDelivery(records: PersonalizeRecord[], max: number = LIMITS.recordsPerCall): Batch[] {
  const open = new Map<string, Batch>();
  const out: Batch[] = [];
  for (const r of records) {
    const key = r.kind === 'event' ? `event|${r.trackingId}|${r.sessionId}|${r.userId ?? ''}` : `${r.kind}|${r.datasetArn}`;
    let b = open.get(key);
    if (!b || b.records.length >= max) {
      b = { kind: r.kind, key, records: [] } as Batch;
      open.set(key, b);
      out.push(b);
    }
    (b.records as PersonalizeRecord[]).push(r);
  }
  return out;
}

export interface DeliveryOptions {
  sink: EventSink;
  deadLetters: DeadLetterStore;
  /** Retries of throttling and 5xx inside one delivery before giving the batch back to Temporal. */
  retries?: number;
  baseDelayMs?: number;
  /** PutUsers/PutItems requests per second per dataset (Personalize's quota: 10). */
  usersItemsPerSecond?: number;
  /** Time of the last PutUsers/PutItems call per dataset, shared across deliveries so pacing holds between segments. */
  lastCall?: Map<string, number>;
  sleep?: (ms: number) => Promise<void>;
  /** Where a previous attempt of the same delivery stopped (its last heartbeat): those calls are not sent again. */
  resume?: DeliveryProgress;
  /** Called before each call is sent (the ledger notes it as in flight). */
  beforeCall?: (call: number) => void | Promise<void>;
  /** Called after each call's outcome (and its dead letters) is settled; the activity heartbeats it. */
  onProgress?: (progress: DeliveryProgress) => void | Promise<void>;
}

/** How far a delivery got: the first `callsDone` groups are settled. */
export interface DeliveryProgress {
  callsDone: number;
  report: DeliveryReport;
}

export interface DeliveryReport {
  calls: number;
  delivered: number;
  deadLettered: number;
}

export class RetryableDeliveryError extends Error {
  override name = 'RetryableDeliveryError';
}

function send(sink: EventSink, b: Batch): Promise<void> {
  if (b.kind === 'event') {
    const first = b.records[0]!;
    return sink.putEvents({ trackingId: first.trackingId, sessionId: first.sessionId, userId: first.userId, events: b.records.map((r) => r.event) });
  }
  if (b.kind === 'item') return sink.putItems({ datasetArn: b.records[0]!.datasetArn, items: b.records.map((r) => r.item) });
  return sink.putUsers({ datasetArn: b.records[0]!.datasetArn, users: b.records.map((r) => r.user) });
}

/** Delivers all records; throws RetryableDeliveryError only when AWS stays throttled or down. */
export async function deliverRecords(records: PersonalizeRecord[], opts: DeliveryOptions): Promise<DeliveryReport> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retries = opts.retries ?? 4;
  const base = opts.baseDelayMs ?? 200;
  const minGap = 1000 / (opts.usersItemsPerSecond ?? 10);
  const lastCall = opts.lastCall ?? new Map<string, number>();
  const report: DeliveryReport = { ...(opts.resume?.report ?? { calls: 0, delivered: 0, deadLettered: 0 }) };
  const dead: DeadLetter[] = [];

  const attempt = async (b: Batch): Promise<void> => {
    for (let n = 0; ; n++) {
      if (b.kind !== 'event') {
        const wait = (lastCall.get(b.key) ?? -Infinity) + minGap - Date.now();
        if (wait > 0) await sleep(wait);
        lastCall.set(b.key, Date.now());
      }
      try {
        report.calls++;
        await send(opts.sink, b);
        report.delivered += b.records.length;
        return;
      } catch (err) {
        const kind = classifyAwsError(err);
        const transient = kind === 'throttling' || kind === 'server' || kind === 'network' || kind === 'busy' || kind === 'unknown';
        if (transient) {
          if (n >= retries) throw new RetryableDeliveryError(`${b.kind} delivery still failing after ${n + 1} tries: ${(err as Error).message}`);
          await sleep(base * 2 ** n);
          continue;
        }
        // Refused for good: find the bad records one by one; the others still go through.
        if (b.records.length > 1) {
          for (const r of b.records) await attempt({ kind: b.kind, key: b.key, records: [r] } as Batch);
          return;
        }
        dead.push({ record: b.records[0]!, reason: `${(err as Error).name}: ${(err as Error).message}`, at: new Date().toISOString() });
        report.deadLettered++;
        return;
      }
    }
  };

  // Grouping is deterministic, so a retried activity sees the same groups and skips the settled ones.
  const groups = groupForDelivery(records);
  for (let i = opts.resume?.callsDone ?? 0; i < groups.length; i++) {
    await opts.beforeCall?.(i);
    try {
      await attempt(groups[i]!);
    } finally {
      await opts.deadLetters.put(dead.splice(0));
    }
    await opts.onProgress?.({ callsDone: i + 1, report: { ...report } });
  }
  return report;
}

/**
 * deliverRecords inside a Temporal activity: resumes from the last heartbeat of a previous attempt,
 * heartbeats after every call, and hands persistent throttling back to Temporal as a retryable failure.
 */
export async function deliverAsActivity(records: PersonalizeRecord[], opts: Pick<DeliveryOptions, 'sink' | 'deadLetters' | 'usersItemsPerSecond' | 'retries' | 'baseDelayMs'>): Promise<DeliveryReport> {
  const ctx = Context.current();
  const resume = ctx.info.heartbeatDetails as DeliveryProgress | undefined;
  try {
    return await deliverRecords(records, { ...opts, resume, onProgress: (p) => ctx.heartbeat(p), sleep: (ms) => ctx.sleep(ms) });
  } catch (err) {
    if (err instanceof RetryableDeliveryError) throw ApplicationFailure.retryable(err.message, 'DeliveryThrottled');
    throw err;
  }
}
