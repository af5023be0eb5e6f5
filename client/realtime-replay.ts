/**
 * `personalize-optimizer realtime replay --pipeline <name>`: after the cause is fixed (a mapping,
 * a dataset, a quota), sends the pipeline's dead letters again. Each dead-letter file's messages
 * are appended to the log as a new segment (same messageIds, so Personalize still sees one eventId
 * each), the delivery workflow is told by reference, and the file is marked replayed, so a second
 * replay does not send them again.
 */
import type { Client } from '@temporalio/client';
import type { LogRecord, SegmentRef } from '../activities/ports';
import type { Config, PipelineConfig } from '../common/config';
import { buildRealtimeLog } from '../worker/realtime-backend';
import { REALTIME_DELIVERY_WORKFLOW_TYPE, realtimeDeliveryWorkflowId, segmentsAppended } from '../workflows/defs';
import type { RealtimeDeliveryWorkflow } from '../workflows/realtime-delivery';

export async function replayDeadLetters(opts: {
  client: Client;
  config: Config;
  pipeline: PipelineConfig;
  /** Changes a message before it is sent again (tests; the CLI sends them as they are). */
  fix?: (m: LogRecord) => LogRecord;
  onFile?: (uri: string, records: number) => void;
}): Promise<{ files: number; records: number }> {
  const { log } = buildRealtimeLog(opts.config, opts.pipeline);
  const shards = opts.pipeline.realtime?.shards ?? 1;
  let files = 0;
  let records = 0;
  for (const uri of await log.listDeadLetters()) {
    const messages = (await log.readDeadLetters(uri)).flatMap((l) => (l.message ? [(opts.fix ?? ((m) => m))(l.message as LogRecord)] : []));
    if (messages.length) {
      const shard = files % shards;
      const ref = await log.append(messages, { shard });
      await opts.client.workflow
        .signalWithStart<typeof RealtimeDeliveryWorkflow, [SegmentRef[]]>(REALTIME_DELIVERY_WORKFLOW_TYPE, {
          workflowId: realtimeDeliveryWorkflowId(opts.pipeline.name, shard),
          taskQueue: opts.config.temporal.taskQueue,
          args: [{ pipeline: opts.pipeline.name, shard }],
          signal: segmentsAppended,
          signalArgs: [[ref]],
        })
        .catch(() => undefined); // the segment is in the log: the sweep hands it over
    }
    await log.markReplayed(uri);
    opts.onFile?.(uri, messages.length);
    files++;
    records += messages.length;
  }
  return { files, records };
}
