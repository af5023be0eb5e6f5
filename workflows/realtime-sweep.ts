/**
 * RealtimeSweepWorkflow, started by a pipeline's sweep schedule: asks each shard's delivery
 * workflow to look in the log for segments whose reference never reached it, and starts the
 * delivery workflow when none runs (the gateway's signal-with-start failed, or it was terminated).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, getExternalWorkflowHandle, startChild } from '@temporalio/workflow';
import { realtimeDeliveryWorkflowId, sweepRequested } from './defs';
import { RealtimeDeliveryWorkflow } from './realtime-delivery';

export interface RealtimeSweepInput {
  pipeline: string;
  shards: number;
}

async function poke(pipeline: string, shard: number): Promise<void> {
  const workflowId = realtimeDeliveryWorkflowId(pipeline, shard);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await getExternalWorkflowHandle(workflowId).signal(sweepRequested);
      return;
    } catch {
      // Not running: start it, looking in the log at once.
    }
    try {
      await startChild(RealtimeDeliveryWorkflow, {
        workflowId,
        args: [{ pipeline, shard, sweepWanted: true }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      return;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Started meanwhile (by the gateway): signal it.
    }
  }
}

export async function RealtimeSweepWorkflow(input: RealtimeSweepInput): Promise<void> {
  for (let shard = 0; shard < input.shards; shard++) await poke(input.pipeline, shard);
}
