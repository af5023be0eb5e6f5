/**
 * RealtimeDeliveryWorkflow: delivers a pipeline's event-log segments (one workflow per shard).
 * The gateway has already made every event durable in the log before acknowledging it; this
 * workflow only carries references (URI, count, bytes) in order, bounded by bytes, and hands them
 * to the deliverSegments activity, whose ledger makes any repeat harmless. References that do not
 * fit, or never arrive (a failed signal, an outage beyond the server's signal limit), are found in
 * the log by a sweep: the sweep schedule's `sweepRequested` signal, or the workflow itself after
 * it dropped some. So an outage grows the log, never this history.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RetrainActivities } from '../activities';
import type { SegmentRef } from '../activities/ports';
import { deliveryStatusQuery, segmentsAppended, sweepRequested } from './defs';
import { addTotals, NO_TOTALS, PendingRefs, shouldHandOver, SWEEP_LIMIT, wellFormedRefs, type DeliveryTotals } from './realtime-plan';

export interface RealtimeDeliveryInput {
  pipeline: string;
  shard: number;
  /** Carried across continue-as-new (bounded by MAX_PENDING_REF_BYTES). */
  pending?: SegmentRef[];
  sweepWanted?: boolean;
  totals?: DeliveryTotals;
}

const { deliverSegments, findUndelivered } = proxyActivities<RetrainActivities>({
  startToCloseTimeout: '10 minutes',
  // The activity heartbeats every second or two (its progress, and liveness): a dead worker's delivery is taken over within seconds.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function RealtimeDeliveryWorkflow(input: RealtimeDeliveryInput): Promise<void> {
  const pending = new PendingRefs(input.pending ?? []);
  let totals: DeliveryTotals = { ...NO_TOTALS, ...input.totals };
  let sweepWanted = input.sweepWanted ?? false;
  let signals = 0;

  setHandler(segmentsAppended, (refs) => {
    signals++;
    const dropped = pending.add(wellFormedRefs(refs));
    if (dropped > 0) {
      totals = addTotals(totals, { dropped });
      sweepWanted = true;
    }
  });
  setHandler(sweepRequested, () => {
    signals++;
    sweepWanted = true;
  });
  setHandler(deliveryStatusQuery, () => ({ ...totals, pending: pending.size, sweepWanted }));

  const handOver = () => shouldHandOver({ historyLength: workflowInfo().historyLength, suggested: workflowInfo().continueAsNewSuggested, signals });

  while (!handOver()) {
    await condition(() => pending.size > 0 || sweepWanted || handOver());
    if (handOver()) break;
    if (pending.size === 0 && sweepWanted) {
      sweepWanted = false;
      const found = await findUndelivered({ pipeline: input.pipeline, shard: input.shard, limit: SWEEP_LIMIT });
      const dropped = pending.add(found.segments);
      if (found.more || dropped > 0) sweepWanted = true;
      continue;
    }
    const segments = pending.take();
    const report = await deliverSegments({ pipeline: input.pipeline, segments });
    totals = addTotals(totals, report);
  }
  // Signals that arrived meanwhile are in `pending` once their handlers have run.
  await condition(allHandlersFinished);
  await continueAsNew<typeof RealtimeDeliveryWorkflow>({ pipeline: input.pipeline, shard: input.shard, pending: pending.toArray(), sweepWanted, totals });
}
