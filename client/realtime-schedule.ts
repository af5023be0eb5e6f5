/**
 * A real-time pipeline's sweep schedule (`realtime-<pipeline>-sweep`): every `realtime.sweepInterval`
 * it runs RealtimeSweepWorkflow, which has each shard's delivery workflow look in the log for
 * segments whose reference never arrived, and starts that workflow when none runs. Reconciled like
 * the daily schedule: created, updated to match the config, or deleted with the realtime section.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { PipelineConfig } from '../common/config';
import { REALTIME_SWEEP_WORKFLOW_TYPE, realtimeSweepScheduleId } from '../workflows/defs';
import { toMs } from '../workflows/duration';
import type { RealtimeSweepInput } from '../workflows/realtime-sweep';

/** Pure: the sweep schedule a pipeline's config asks for. */
export function buildSweepScheduleOptions(p: PipelineConfig, taskQueue: string): ScheduleOptions {
  const r = p.realtime!;
  const args: [RealtimeSweepInput] = [{ pipeline: p.name, shards: r.shards }];
  return {
    scheduleId: realtimeSweepScheduleId(p.name),
    spec: { intervals: [{ every: toMs(r.sweepInterval) }] },
    action: { type: 'startWorkflow', workflowType: REALTIME_SWEEP_WORKFLOW_TYPE, taskQueue, args, workflowId: `realtime-${p.name}-sweep`, workflowExecutionTimeout: '10 minutes' },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: toMs(r.sweepInterval) },
    memo: { pipeline: p.name },
  };
}

export async function applyRealtimeSweepSchedule(client: Client, p: PipelineConfig, taskQueue: string): Promise<'created' | 'updated' | 'deleted' | 'off'> {
  const id = realtimeSweepScheduleId(p.name);
  if (!p.realtime) {
    try {
      await client.schedule.getHandle(id).delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'off';
      throw err;
    }
  }
  const options = buildSweepScheduleOptions(p, taskQueue);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(id).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
  return 'updated';
}
