/**
 * IngestWorkflow: holds real-time events durably between the HTTP gateway and Personalize Events.
 * The gateway hands over a batch with the `acceptEvents` signal (signal-with-start); once the
 * server has recorded it, the records are in this workflow's history, so the gateway can
 * acknowledge, even while no worker runs. The workflow drops repeated messageIds (a bounded set
 * carried across continue-as-new) and delivers in arrival order through the deliverRealtime
 * activity, which Temporal retries while AWS throttles.
 *
 * A signal rather than an Update: a signal is durable as soon as the server records it, so the
 * gateway keeps accepting events while workers are down or being deployed; an Update would need a
 * running worker to accept each batch.
 */
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import type { PersonalizeRecord } from '../activities/realtime/mapping';

export const INGEST_WORKFLOW_TYPE = 'IngestWorkflow';

export interface IngestItem {
  messageId: string;
  record: PersonalizeRecord;
}

export interface IngestStatus {
  pending: number;
  delivered: number;
  deadLettered: number;
  duplicates: number;
}

export interface IngestInput {
  pipeline: string;
  /** Continue-as-new after this many delivered events in one run (default 10,000). */
  maxEventsPerRun?: number;
  /** How many recent messageIds are remembered for de-duplication (default 10,000). */
  recentIdsLimit?: number;
  /** Carried across continue-as-new. */
  pending?: IngestItem[];
  recentIds?: string[];
  totals?: Omit<IngestStatus, 'pending'>;
}

export const acceptEvents = defineSignal<[IngestItem[]]>('acceptEvents');
export const ingestStatusQuery = defineQuery<IngestStatus>('ingestStatus');

export const DEFAULT_RECENT_IDS = 10_000;
/** Most buffered events carried into the next run (continue-as-new input stays well under 2 MB). */
export const MAX_CARRIED = 1_000;
export const DEFAULT_EVENTS_PER_RUN = 10_000;
/** Records per activity call; the activity groups them into calls of ≤10. */
export const DELIVERY_BATCH = 200;
/** History length after which a run hands over even when the server does not suggest it yet. */
const HISTORY_LIMIT = 5_000;

const { deliverRealtime } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Pure: the recent-id memory of one run. `accept` keeps the first occurrence of each messageId,
 * forgets the oldest ids beyond the limit, and reports how many were repeats.
 */
export class RecentIds {
  private readonly seen: Set<string>;
  private readonly order: string[];

  constructor(
    ids: readonly string[],
    private readonly limit: number
  ) {
    this.order = ids.slice(-limit);
    this.seen = new Set(this.order);
  }

  accept(items: readonly IngestItem[]): { fresh: IngestItem[]; duplicates: number } {
    const fresh: IngestItem[] = [];
    for (const it of items) {
      if (this.seen.has(it.messageId)) continue;
      this.seen.add(it.messageId);
      this.order.push(it.messageId);
      fresh.push(it);
    }
    const overflow = this.order.length - this.limit;
    if (overflow > 0) for (const id of this.order.splice(0, overflow)) this.seen.delete(id);
    return { fresh, duplicates: items.length - fresh.length };
  }

  toArray(): string[] {
    return [...this.order];
  }
}

/** Pure: items of a signal that can be held (the gateway checked them; anything else is ignored, never fatal). */
export function wellFormed(items: unknown): IngestItem[] {
  if (!Array.isArray(items)) return [];
  return items.filter(
    (it): it is IngestItem =>
      typeof it === 'object' && it !== null && typeof (it as IngestItem).messageId === 'string' && typeof (it as IngestItem).record === 'object' && (it as IngestItem).record !== null
  );
}

/** Pure: whether this run should hand over to a fresh one. */
export function shouldContinueAsNew(s: { deliveredThisRun: number; maxEventsPerRun: number; historyLength: number; suggested: boolean }): boolean {
  return s.suggested || s.historyLength > HISTORY_LIMIT || s.deliveredThisRun >= s.maxEventsPerRun;
}

export async function IngestWorkflow(input: IngestInput): Promise<void> {
  const maxEventsPerRun = input.maxEventsPerRun ?? DEFAULT_EVENTS_PER_RUN;
  const recentIdsLimit = input.recentIdsLimit ?? DEFAULT_RECENT_IDS;
  const pending: IngestItem[] = [...(input.pending ?? [])];
  const recent = new RecentIds(input.recentIds ?? [], recentIdsLimit);
  const totals = { delivered: 0, deadLettered: 0, duplicates: 0, ...input.totals };
  let deliveredThisRun = 0;

  setHandler(acceptEvents, (items) => {
    const { fresh, duplicates } = recent.accept(wellFormed(items));
    pending.push(...fresh);
    totals.duplicates += duplicates;
  });
  setHandler(ingestStatusQuery, () => ({ pending: pending.length, ...totals }));

  const handOver = () =>
    shouldContinueAsNew({ deliveredThisRun, maxEventsPerRun, historyLength: workflowInfo().historyLength, suggested: workflowInfo().continueAsNewSuggested });

  // Under sustained traffic the buffer may never drain: hand over between batches, once what is
  // left is small enough to carry.
  const readyToHandOver = () => pending.length <= MAX_CARRIED && handOver();

  for (;;) {
    await condition(() => pending.length > 0 || handOver());
    while (pending.length > 0 && !readyToHandOver()) {
      const batch = pending.slice(0, DELIVERY_BATCH);
      const report = await deliverRealtime({ pipeline: input.pipeline, records: batch.map((b) => b.record) });
      pending.splice(0, batch.length);
      deliveredThisRun += batch.length;
      totals.delivered += report.delivered;
      totals.deadLettered += report.deadLettered;
    }
    if (readyToHandOver()) {
      // Signals that arrived meanwhile are in `pending` once their handlers have run.
      await condition(allHandlersFinished);
      await continueAsNew<typeof IngestWorkflow>({
        pipeline: input.pipeline,
        maxEventsPerRun: input.maxEventsPerRun,
        recentIdsLimit: input.recentIdsLimit,
        pending,
        recentIds: recent.toArray(),
        totals,
      });
    }
  }
}

/** One ingest workflow per pipeline (and shard, when a pipeline's traffic is split). */
export function ingestWorkflowId(pipeline: string, shard?: number): string {
  return shard === undefined ? `ingest-${pipeline}` : `ingest-${pipeline}-${shard}`;
}
