/**
 * The daily schedule of a pipeline, reconciled like infrastructure as code: `applySchedule`
 * creates it, or updates it in place to match the config (keeping a pause an operator set).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
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
import type { StalenessInput } from '../workflows/staleness';

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

/**
 * The companion schedule behind `trigger --force` and `backfill --force`: the daily one's calendar
 * and policies, but its runs train even when nothing is newer than the last trained run. A
 * schedule's action is fixed, so "forced" needs a schedule of its own; it stays paused (trigger and
 * backfill still run on a paused schedule) and its runs share the scheduled runs' id prefix, so
 * `runs`, `status` and the one-run-per-pipeline check see them.
 */
export function forcedScheduleId(pipeline: string): string {
  return `retrain-${pipeline}-forced`;
}

export function buildForcedScheduleOptions(p: PipelineConfig, taskQueue: string): ScheduleOptions {
  const daily = buildScheduleOptions(p, taskQueue);
  // Forced runs queue behind whatever run holds the pipeline's lock rather than being dropped.
  const args: [ScheduledRetrainInput] = [{ pipeline: p.name, force: true, whenBusy: 'wait' }];
  return {
    ...daily,
    scheduleId: forcedScheduleId(p.name),
    spec: { ...daily.spec, jitter: 0 },
    action: { ...(daily.action as ScheduleOptionsAction), args, workflowId: `${scheduledWorkflowIdPrefix(p.name)}-forced`, staticSummary: `Forced retrain of pipeline ${p.name}` },
    policies: { ...daily.policies, pauseOnFailure: false },
    state: { paused: true, note: 'starts runs only for "schedule trigger --force" and "schedule backfill --force"' },
  };
}

/** Creates or refreshes the forced schedule so it matches the config (calendar, task queue). */
export async function ensureForcedSchedule(client: Client, p: PipelineConfig, taskQueue: string): Promise<string> {
  const options = buildForcedScheduleOptions(p, taskQueue);
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(options.scheduleId).update(() => ({ spec: options.spec, action: options.action, policies: options.policies, state: { paused: true, note: options.state!.note } }));
  }
  return options.scheduleId;
}

export const STALENESS_WORKFLOW_TYPE = 'StalenessWorkflow';

/** The staleness watchdog's schedule: one check a day, in the pipeline's schedule time zone. */
export function stalenessScheduleId(pipeline: string): string {
  return `retrain-${pipeline}-staleness`;
}

/** Pure: the staleness schedule a pipeline's config asks for; undefined when the watchdog is off. */
export function buildStalenessScheduleOptions(p: PipelineConfig, taskQueue: string): ScheduleOptions | undefined {
  const st = p.staleness;
  if (!st.enabled) return undefined;
  const args: [StalenessInput] = [{ pipeline: p.name, maxAgeDays: st.maxAgeDays }];
  return {
    scheduleId: stalenessScheduleId(p.name),
    spec: {
      calendars: [{ hour: st.hour, minute: st.minute, comment: `staleness check of ${p.name}` }],
      timezone: p.schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: STALENESS_WORKFLOW_TYPE,
      taskQueue,
      args,
      workflowId: `staleness-${p.name}`,
      workflowExecutionTimeout: '1 hour',
      memo: { pipeline: p.name },
      staticSummary: `Staleness check of pipeline ${p.name}: alerts after ${st.maxAgeDays} days without a fresh model`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    memo: { pipeline: p.name },
  };
}

/** Creates, updates or (when the config turns the watchdog off) deletes the staleness schedule. */
export async function applyStalenessSchedule(client: Client, p: PipelineConfig, taskQueue: string): Promise<'created' | 'updated' | 'deleted' | 'off'> {
  const options = buildStalenessScheduleOptions(p, taskQueue);
  const handle = client.schedule.getHandle(stalenessScheduleId(p.name));
  if (!options) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'off';
      throw err;
    }
  }
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await handle.update((previous): ScheduleUpdateOptions => ({ spec: options.spec, action: options.action, policies: options.policies, state: previous.state }));
  return 'updated';
}
