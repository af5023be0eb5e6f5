/**
 * How long a workflow sleeps between two status checks of a long job: short at first (Athena
 * queries finish in seconds), then a fixed fraction of the time already waited, so the delay in
 * noticing completion stays a small share of the job's age, up to a cap. A 48-hour training then
 * costs tens of checks instead of thousands. Pure: unit-tested, and safe in workflow code.
 */
import type { Duration, PollSettings, Stage } from '../common/types';
import { toMs } from './duration';

export interface WaitSchedule {
  initialMs: number;
  fraction: number;
  maxMs: number;
}

/** First waits by stage, from how soon each kind of job can possibly finish. */
export const DEFAULT_STAGE_INITIAL: Record<Stage, Duration> = {
  export: '15s',
  query: '2s',
  import: '1m',
  training: '2m',
  evaluate: '1m',
  deploy: '30s',
  recommend: '30s',
};

/** Noticed within ~20 % of a job's age, never more than an hour late. */
export const DEFAULT_POLL: PollSettings = { initial: DEFAULT_STAGE_INITIAL, fraction: 0.2, max: '1h' };

/** The first wait of one stage. */
export function stageInitial(settings: PollSettings, stage: Stage): Duration {
  if (typeof settings.initial === 'string' || typeof settings.initial === 'number') return settings.initial;
  return settings.initial[stage] ?? DEFAULT_STAGE_INITIAL[stage];
}

export function toWaitSchedule(settings: PollSettings = DEFAULT_POLL, stage: Stage = 'training'): WaitSchedule {
  const schedule = { initialMs: toMs(stageInitial(settings, stage)), fraction: settings.fraction, maxMs: toMs(settings.max) };
  if (!(schedule.initialMs > 0)) throw new RangeError(`poll.initial must be positive, got ${String(stageInitial(settings, stage))}`);
  if (!(schedule.fraction >= 0 && schedule.fraction <= 1)) throw new RangeError(`poll.fraction must be within 0..1, got ${settings.fraction}`);
  if (!(schedule.maxMs >= schedule.initialMs)) throw new RangeError('poll.max must be at least poll.initial');
  return schedule;
}

/**
 * The wait before the next check, given how long the job has been waited on and how much time is
 * left before its deadline (the last wait ends exactly at the deadline, so it is noticed on time).
 */
export function nextPollDelayMs(elapsedMs: number, schedule: WaitSchedule, remainingMs = Infinity): number {
  const proportional = Math.max(schedule.initialMs, Math.round(schedule.fraction * elapsedMs));
  const capped = Math.min(schedule.maxMs, proportional);
  return Math.max(1, Math.min(capped, remainingMs));
}

/** Number of checks (one immediate, then one after each wait) to notice a job that takes `jobMs`. */
export function pollsFor(jobMs: number, schedule: WaitSchedule): number {
  let elapsed = 0;
  let polls = 1;
  while (elapsed < jobMs) {
    elapsed += nextPollDelayMs(elapsed, schedule);
    polls++;
  }
  return polls;
}
