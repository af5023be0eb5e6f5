/** The schedule a pipeline's config asks for (pure), and the live line of `watch`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { parseConfig } from '../../common/config';
import type { RetrainProgress } from '../../common/types';
import { buildScheduleOptions, describeCalendar, overlapPolicy, scheduledWorkflowIdPrefix, whenBusyFor } from '../../client/schedules';
import { buildProgram } from '../../client/cli';
import { pipelineRunsQuery } from '../../client/run';
import { liveLine } from '../../client/live-line';

const pipeline = (schedule: string) =>
  parseConfig(`
pipelines:
  - name: shop
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/ }
    workPrefix: data/work/
${schedule}
`).pipelines[0]!;

test('calendar, time zone, jitter, overlap, catch-up window and failure pause come from the config', () => {
  const o = buildScheduleOptions(
    pipeline('    schedule: { hour: 3, minute: 30, daysOfWeek: [MONDAY, THURSDAY], timezone: Europe/Berlin, jitter: 10m, overlap: BUFFER_ONE, catchupWindow: 2h, pauseOnFailure: true }'),
    'queue-a'
  );
  expect(o.scheduleId).toBe('retrain-shop-daily');
  expect(o.spec).toEqual({
    calendars: [{ hour: 3, minute: 30, dayOfWeek: ['MONDAY', 'THURSDAY'], comment: 'daily retrain of shop' }],
    timezone: 'Europe/Berlin',
    jitter: 600_000,
  });
  expect(o.policies).toEqual({ overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: 7_200_000, pauseOnFailure: true });
  expect(o.state).toEqual({ paused: false, note: undefined });
});

test('the action starts ScheduledRetrainWorkflow without a run date (each run takes its scheduled time as logical date), skipping while another run holds the lock', () => {
  const o = buildScheduleOptions(pipeline(''), 'queue-b');
  expect(o.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'ScheduledRetrainWorkflow',
    taskQueue: 'queue-b',
    args: [{ pipeline: 'shop', whenBusy: 'skip' }],
    workflowId: scheduledWorkflowIdPrefix('shop'),
    memo: { pipeline: 'shop' },
  });
  // Defaults: 02:00 UTC every day, 5 minutes of jitter, SKIP while a run is going, 6 h catch-up.
  expect(o.spec.calendars).toEqual([{ hour: 2, minute: 0, comment: 'daily retrain of shop' }]);
  expect(o.spec.timezone).toBe('UTC');
  expect(o.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 21_600_000 });
});

test('a scheduled run that finds the pipeline busy does what the overlap policy says, and never runs beside the other', () => {
  expect(whenBusyFor('SKIP')).toBe('skip');
  expect(whenBusyFor('BUFFER_ONE')).toBe('wait');
  expect(whenBusyFor('BUFFER_ALL')).toBe('wait');
  expect(whenBusyFor('ALLOW_ALL')).toBe('wait');
  expect(whenBusyFor('CANCEL_OTHER')).toBe('cancel-other');
  expect(whenBusyFor('TERMINATE_OTHER')).toBe('cancel-other');
  expect(buildScheduleOptions(pipeline('    schedule: { overlap: BUFFER_ONE }'), 'q').action.args).toEqual([{ pipeline: 'shop', whenBusy: 'wait' }]);
});

test('a schedule paused in the config is created paused, with a note saying why', () => {
  expect(buildScheduleOptions(pipeline('    schedule: { paused: true }'), 'q').state).toEqual({ paused: true, note: 'paused by config' });
});

test('overlap policies are named explicitly; unknown names are refused', () => {
  expect(overlapPolicy('SKIP')).toBe(ScheduleOverlapPolicy.SKIP);
  expect(overlapPolicy('BUFFER_ALL')).toBe(ScheduleOverlapPolicy.BUFFER_ALL);
  expect(() => overlapPolicy('UNSPECIFIED')).toThrow(/unknown overlap policy/);
  expect(() => overlapPolicy('sometimes')).toThrow(/unknown overlap policy/);
});

test('schedule describe words a calendar as the server returns it', () => {
  const r = <T>(start: T, end = start) => ({ start, end, step: 1 });
  const base = { second: [r(0)], dayOfMonth: [r(1, 31)], month: [r('JANUARY', 'DECEMBER')], year: [] };
  expect(describeCalendar({ ...base, hour: [r(2)], minute: [r(0)], dayOfWeek: [r('SUNDAY', 'SATURDAY')] } as never)).toBe('02:00 every day');
  expect(describeCalendar({ ...base, hour: [r(3)], minute: [r(30)], dayOfWeek: [r('MONDAY'), r('THURSDAY')] } as never)).toBe('03:30 MONDAY,THURSDAY');
});

test('the runs of a pipeline: its ad hoc id and its scheduled ids, optionally only running ones', () => {
  expect(pipelineRunsQuery('shop', { running: true })).toBe(
    "WorkflowType = 'RetrainWorkflow' AND (WorkflowId = 'retrain-shop' OR WorkflowId STARTS_WITH 'retrain-shop-scheduled') AND ExecutionStatus = 'Running'"
  );
  expect(pipelineRunsQuery('shop')).not.toMatch(/ExecutionStatus/);
});

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const progress = (phase: RetrainProgress['phase'], lastStatus?: string): RetrainProgress =>
  ({ pipeline: 'shop', runDate: '2026-11-20', runKey: 'shop-2026-11-20', phase, lastStatus, jobs: {}, timings: [{ phase, startedAt: new Date().toISOString(), polls: 2 }] }) as RetrainProgress;

test('watch: a terminal gets one redrawn line per phase; a pipe gets one line per change', () => {
  const tty = new Capture(true);
  const line = liveLine(tty as unknown as NodeJS.WriteStream);
  line.change(progress('TRAIN', 'CREATE PENDING'));
  line.tick(progress('TRAIN', 'CREATE PENDING'));
  line.change(progress('TRAIN', 'CREATE IN_PROGRESS'));
  line.change(progress('DEPLOY', 'CREATE IN_PROGRESS'));
  line.end();
  const finished = tty.text.split('\n');
  expect(finished).toHaveLength(3);
  const ERASE_LINE = '\r\u001b[2K';
  expect(finished[0]!.split(ERASE_LINE).at(-1)).toMatch(/^ {2}TRAIN CREATE IN_PROGRESS \(.*2 checks\)$/);
  expect(finished[1]!.startsWith(`${ERASE_LINE}  DEPLOY`)).toBe(true);

  const pipe = new Capture(false);
  const plain = liveLine(pipe as unknown as NodeJS.WriteStream);
  plain.change(progress('TRAIN', 'CREATE PENDING'));
  plain.tick(progress('TRAIN', 'CREATE PENDING'));
  plain.change(progress('DEPLOY'));
  plain.end();
  expect(pipe.text.split('\n').filter(Boolean)).toEqual([expect.stringMatching(/^ {2}TRAIN CREATE PENDING/), expect.stringMatching(/^ {2}DEPLOY/)]);
  expect(pipe.text).not.toContain('\r');
});

test('every command line in the README (npx personalize-optimizer … or npm run cli -- …) exists with the options it is given', () => {
  const docs = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const command = /^\s*(TEMPORAL_ADDRESS=\S+ )?(npm run cli -- |npx personalize-optimizer )/;
  const lines = docs.split('\n').filter((l) => command.test(l));
  expect(lines.length).toBeGreaterThanOrEqual(12);
  for (const line of lines) {
    const words = (line.replace(/#.*$/, '').replace(command, '').match(/"[^"]*"|\S+/g) ?? []) as string[];
    let cmd = buildProgram();
    const known = (c: typeof cmd, flag: string) => c.options.some((o) => o.long === flag || o.short === flag || o.long === flag.replace(/^--no-/, '--'));
    const root = cmd;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (w.startsWith('-')) {
        const ok = known(cmd, w) || known(root, w);
        if (!ok) throw new Error(`docs: "${line.trim()}" uses ${w}, which "${cmd.name()}" does not take`);
        const opt = [...cmd.options, ...root.options].find((o) => o.long === w || o.short === w);
        if (opt && (opt.required || opt.optional)) i++;
        continue;
      }
      const sub = cmd.commands.find((c) => c.name() === w);
      if (sub) cmd = sub;
      else if (cmd === root) throw new Error(`docs: "${line.trim()}" names an unknown command ${w}`);
    }
    expect(cmd).not.toBe(root);
  }
});
