/**
 * The daily schedule of a pipeline, reconciled like infrastructure as code: `applySchedule`
 * creates it, or updates it in place to match the config (keeping a pause an operator set).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type CalendarSpecDescription,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { PipelineConfig } from '../common/config';
import type { ScheduledRetrainInput, WhenBusy } from '../common/types';
import { retrainScheduleId, SCHEDULED_RETRAIN_WORKFLOW_TYPE } from '../workflows/defs';
import { toMs } from '../workflows/duration';

export type OverlapName = keyof typeof ScheduleOverlapPolicy;

export function overlapPolicy(name: string): ScheduleOverlapPolicy {
  const policy = (ScheduleOverlapPolicy as Record<string, ScheduleOverlapPolicy>)[name];
  if (policy === undefined || name === 'UNSPECIFIED') throw new RangeError(`unknown overlap policy "${name}"; use SKIP, BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER or ALLOW_ALL`);
  return policy;
}

/**
 * What a scheduled run does when an ad hoc run holds the pipeline's lock, from the same overlap
 * policy the schedule applies to its own runs. Two runs never overlap: ALLOW_ALL waits too, and
 * TERMINATE_OTHER asks the other run to cancel (a terminated run could not stop its training).
 */
export function whenBusyFor(overlap: string): WhenBusy {
  if (overlap === 'SKIP') return 'skip';
  if (overlap === 'CANCEL_OTHER' || overlap === 'TERMINATE_OTHER') return 'cancel-other';
  return 'wait';
}

/**
 * Workflow id of a pipeline's scheduled runs; Temporal appends the scheduled time
 * (`retrain-shop-scheduled-2026-11-24T02:00:00Z`), so every run of the schedule has its own id.
 * Such a run does its work as a child under the pipeline's lock id, `retrain-<pipeline>`.
 */
export function scheduledWorkflowIdPrefix(pipeline: string): string {
  return `retrain-${pipeline}-scheduled`;
}

/** Pure: the schedule a pipeline's config asks for. */
export function buildScheduleOptions(p: PipelineConfig, taskQueue: string): ScheduleOptions {
  const s = p.schedule;
  const args: [ScheduledRetrainInput] = [{ pipeline: p.name, whenBusy: whenBusyFor(s.overlap) }];
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: SCHEDULED_RETRAIN_WORKFLOW_TYPE,
    taskQueue,
    args,
    workflowId: scheduledWorkflowIdPrefix(p.name),
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

type Ranges = readonly { start: string | number; end: string | number; step?: number }[];

function formatRanges(r: Ranges | undefined): string {
  return (r ?? []).map((x) => (x.start === x.end ? String(x.start) : `${x.start}-${x.end}${x.step && x.step > 1 ? `/${x.step}` : ''}`)).join(',');
}

/** A calendar as the server describes it (ranges), in words: `02:00 every day`, `03:30 MONDAY,THURSDAY`. */
export function describeCalendar(c: CalendarSpecDescription): string {
  const hour = formatRanges(c.hour);
  const minute = formatRanges(c.minute);
  const time = /^\d+$/.test(hour) && /^\d+$/.test(minute) ? `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}` : `hour ${hour} minute ${minute}`;
  const days = formatRanges(c.dayOfWeek);
  return `${time} ${days === 'SUNDAY-SATURDAY' || days === '' ? 'every day' : days}`;
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
