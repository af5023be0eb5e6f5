/**
 * IngestWorkflow: holds real-time events durably between the HTTP gateway and Personalize Events.
 * The gateway hands over a batch with the `acceptEvents` signal (signal-with-start); once the
 * server has recorded it, the records are in this workflow's history, so the gateway can
 * acknowledge, even while no worker runs. The workflow drops
 * repeated messageIds (a bounded set carried across continue-as-new) and delivers in order through
 * the deliverRealtime activity, which Temporal retries while AWS throttles.
 */
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import type { PersonalizeRecord } from '../activities/realtime/mapping';

export interface IngestItem {
  messageId: string;
  record: PersonalizeRecord;
}

export interface IngestInput {
  pipeline: string;
  /** Carried across continue-as-new. */
  pending?: IngestItem[];
  recentIds?: string[];
  delivered?: number;
}

export interface IngestStatus {
  pending: number;
  delivered: number;
  deadLettered: number;
  duplicates: number;
}

export const acceptEvents = defineSignal<[IngestItem[]]>('acceptEvents');
export const ingestStatusQuery = defineQuery<IngestStatus>('ingestStatus');

/** How many recent messageIds are remembered for de-duplication. */
export const RECENT_IDS = 20_000;
const BATCH = 200;

const { deliverRealtime } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Pure: which items are new, and the updated memory of recent ids. */
export function dedupe(items: IngestItem[], recent: Set<string>, order: string[]): { fresh: IngestItem[]; duplicates: number } {
  const fresh: IngestItem[] = [];
  let duplicates = 0;
  for (const it of items) {
    if (recent.has(it.messageId)) {
      duplicates++;
      continue;
    }
    recent.add(it.messageId);
    order.push(it.messageId);
    fresh.push(it);
  }
  while (order.length > RECENT_IDS) recent.delete(order.shift()!);
  return { fresh, duplicates };
}

export async function IngestWorkflow(input: IngestInput): Promise<void> {
  const pending: IngestItem[] = [...(input.pending ?? [])];
  const order = [...(input.recentIds ?? [])];
  const recent = new Set(order);
  const status: IngestStatus = { pending: pending.length, delivered: input.delivered ?? 0, deadLettered: 0, duplicates: 0 };

  setHandler(acceptEvents, (items) => {
    // The gateway checked every item; anything malformed here is ignored rather than failing the workflow.
    const valid = (Array.isArray(items) ? items : []).filter((it) => it && typeof it.messageId === 'string' && it.record);
    const { fresh, duplicates } = dedupe(valid, recent, order);
    pending.push(...fresh);
    status.pending = pending.length;
    status.duplicates += duplicates;
  });
  setHandler(ingestStatusQuery, () => status);

  for (;;) {
    await condition(() => pending.length > 0 || workflowInfo().continueAsNewSuggested);
    while (pending.length > 0) {
      const batch = pending.slice(0, BATCH);
      const report = await deliverRealtime({ pipeline: input.pipeline, records: batch.map((b) => b.record) });
      pending.splice(0, batch.length);
      status.pending = pending.length;
      status.delivered += report.delivered;
      status.deadLettered += report.deadLettered;
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 5000) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof IngestWorkflow>({ pipeline: input.pipeline, pending, recentIds: order, delivered: status.delivered });
    }
  }
}

export function ingestWorkflowId(pipeline: string): string {
  return `ingest-${pipeline}`;
}
