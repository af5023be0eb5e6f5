/**
 * The daily schedule of a pipeline, reconciled like infrastructure as code: `applySchedule`
 * creates it, or updates it in place to match the config (keeping a pause an operator set).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { PipelineConfig } from '../common/config';
import type { RetrainInput } from '../common/types';
import { retrainScheduleId, RETRAIN_WORKFLOW_TYPE } from '../workflows/defs';
import { toMs } from '../workflows/duration';

export type OverlapName = keyof typeof ScheduleOverlapPolicy;

export function overlapPolicy(name: string): ScheduleOverlapPolicy {
  const policy = (ScheduleOverlapPolicy as Record<string, ScheduleOverlapPolicy>)[name];
  if (policy === undefined || name === 'UNSPECIFIED') throw new RangeError(`unknown overlap policy "${name}"; use SKIP, BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER or ALLOW_ALL`);
  return policy;
}

/** Pure: the schedule a pipeline's config asks for. */
export function buildScheduleOptions(p: PipelineConfig, taskQueue: string): ScheduleOptions {
  const s = p.schedule;
  const args: [RetrainInput] = [{ pipeline: p.name }];
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: RETRAIN_WORKFLOW_TYPE,
    taskQueue,
    args,
    workflowId: `retrain-${p.name}-scheduled`,
    // A run can wait two days on training; three days bounds a stuck run.
    workflowExecutionTimeout: '3 days',
    memo: { pipeline: p.name },
    staticSummary: `Daily retrain of pipeline ${p.name}`,
  };
  return {
    scheduleId: retrainScheduleId(p.name),
    spec: {
      calendars: [
        {
          hour: s.hour,
          minute: s.minute,
          ...(s.daysOfWeek ? { dayOfWeek: s.daysOfWeek } : {}),
          comment: `daily retrain of ${p.name}`,
        },
      ],
      timezone: s.timezone,
      jitter: toMs(s.jitter),
    },
    action,
    policies: { overlap: overlapPolicy(s.overlap), catchupWindow: toMs(s.catchupWindow), pauseOnFailure: s.pauseOnFailure },
    state: { paused: s.paused, note: s.paused ? 'paused by config' : undefined },
    memo: { pipeline: p.name },
  };
}

/** Creates the schedule, or updates it in place; returns what happened. */
export async function applySchedule(client: Client, p: PipelineConfig, taskQueue: string): Promise<'created' | 'updated'> {
  const options = buildScheduleOptions(p, taskQueue);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(options.scheduleId);
  await handle.update((previous): ScheduleUpdateOptions => ({
    spec: options.spec,
    action: options.action,
    policies: options.policies,
    // An operator's pause wins over the config until the config itself pauses.
    state: { paused: previous.state.paused || Boolean(options.state?.paused), note: previous.state.note },
  }));
  return 'updated';
}
