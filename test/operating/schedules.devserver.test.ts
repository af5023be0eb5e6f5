/**
 * Operating it on the real dev server, through the CLI: schedule apply creates and then updates in
 * place, trigger honours its overlap policy, backfill gives every run its own logical date, pause
 * holds, two ad hoc runs of one pipeline are refused with a message naming the running one, a
 * scheduled run never runs beside an ad hoc one (it waits or is skipped, and status shows it), and a
 * cancelled run exits 5.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { sharedBundle } from '../helpers/workflow-bundle';
import { createFakeAws, HEALTHY_STATS, settingsFor } from '../fixtures/fake-aws';
import { main, EXIT } from '../../client/cli';
import { retrainScheduleId } from '../../workflows/defs';
import type { RetrainResult } from '../../common/types';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let configFile: string;
const taskQueue = 'operating-e2e';

function writeConfig(hour: number, overlap = 'SKIP'): void {
  fs.writeFileSync(
    configFile,
    `temporal: { address: "${env.address}", taskQueue: ${taskQueue} }
pipelines:
  - name: shop
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/ }
    workPrefix: data/work/
    schedule: { hour: ${hour}, minute: 15, timezone: Europe/Berlin, jitter: 0s, overlap: ${overlap} }
`
  );
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = jest.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'cli', '--config', configFile, ...args]);
    return { code, out: out.join(''), err: err.join('\n') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  env = await createDevServerEnv();
  configFile = path.join(scratchDir('po-ops-'), 'config.yaml');
  writeConfig(2);
  // Scripted AWS: training takes 3 s of real time, so runs overlap when started together.
  const settings = settingsFor('shop', { poll: { initial: '200ms', fraction: 0.2, max: '1s' }, exportEndpoints: false });
  const fake = createFakeAws(async () => Date.now(), {
    stats: HEALTHY_STATS,
    queryOutcome: { status: 'SUCCEEDED', ms: 100 },
    importOutcome: { status: 'ACTIVE', ms: 100 },
    trainingOutcome: { status: 'ACTIVE', ms: 3000 },
    deployOutcome: { status: 'ACTIVE', ms: 100 },
  }, settings);
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await sharedBundle(), activities: fake.activities });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  removeScratchDirs();
});

async function scheduledRuns(): Promise<{ workflowId: string; status: string }[]> {
  const runs: { workflowId: string; status: string }[] = [];
  for await (const wf of env.client.workflow.list({ query: `WorkflowId STARTS_WITH 'retrain-shop-scheduled'` })) runs.push({ workflowId: wf.workflowId, status: wf.status.name });
  return runs;
}

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('schedule apply creates, and a second apply with a changed time updates in place', async () => {
  const first = await cli('schedule', 'apply');
  expect(first).toMatchObject({ code: EXIT.ok });
  expect(first.out).toContain('retrain-shop-daily: created');
  const handle = env.client.schedule.getHandle(retrainScheduleId('shop'));
  expect((await handle.describe()).spec.calendars![0]).toMatchObject({ hour: [{ start: 2, end: 2, step: 1 }] });

  writeConfig(5);
  expect((await cli('schedule', 'apply')).out).toContain('retrain-shop-daily: updated');
  const d = await handle.describe();
  expect(d.spec.calendars![0]).toMatchObject({ hour: [{ start: 5, end: 5, step: 1 }], minute: [{ start: 15, end: 15, step: 1 }] });
  expect(d.spec.timezone).toBe('Europe/Berlin');
  expect((await cli('schedule', 'describe')).out).toMatch(/retrain-shop-daily: active/);
});

/** The executions of the pipeline's lock id (ad hoc runs and the retrains of scheduled runs), newest first. */
async function lockHolders(): Promise<{ startTime: Date; closeTime?: Date; scheduledBy?: string }[]> {
  const out: { startTime: Date; closeTime?: Date; scheduledBy?: string }[] = [];
  for await (const wf of env.client.workflow.list({ query: `WorkflowId = 'retrain-shop'` })) {
    out.push({ startTime: wf.startTime, closeTime: wf.closeTime, scheduledBy: (wf.memo as { scheduledBy?: string } | undefined)?.scheduledBy });
  }
  return out;
}

test('a scheduled run that fires during an ad hoc run waits for it (BUFFER_ONE), shows it in status, and never runs beside it', async () => {
  writeConfig(5, 'BUFFER_ONE');
  expect((await cli('schedule', 'apply')).out).toContain('updated');
  const before = (await scheduledRuns()).length;
  expect((await cli('run', 'shop', '--run-date', '2026-11-22', '--no-wait', '--force')).code).toBe(EXIT.ok);
  expect((await cli('schedule', 'trigger')).code).toBe(EXIT.ok);
  const status = await waitFor(() => cli('status', '--pipeline', 'shop'), (x) => /waits for the pipeline's lock/.test(x.out));
  expect(status.out).toMatch(/^retrain-shop: /);
  expect(status.out).toMatch(/retrain-shop-scheduled-\S+: WAITING for retrain-shop to end .*waits for the pipeline's lock/);

  const runs = await waitFor(scheduledRuns, (r) => r.length > before && r.every((x) => x.status === 'COMPLETED'), 60_000);
  const newest = runs.find((r) => !runs.slice(0, before).includes(r)) ?? runs[0]!;
  const result = (await env.client.workflow.getHandle(newest.workflowId).result()) as RetrainResult;
  expect(result.outcome).toBe('SUCCEEDED');
  const [scheduled, adhoc] = await lockHolders();
  expect(scheduled!.scheduledBy).toMatch(/^retrain-shop-scheduled-/);
  expect(adhoc!.scheduledBy).toBeUndefined();
  expect(scheduled!.startTime.getTime()).toBeGreaterThanOrEqual(adhoc!.closeTime!.getTime());
  writeConfig(5);
  expect((await cli('schedule', 'apply')).out).toContain('updated');
}, 90_000);

test('trigger honours the overlap policy: a second SKIP trigger while a run is going starts nothing', async () => {
  const before = (await scheduledRuns()).length;
  expect((await cli('schedule', 'trigger', '--overlap', 'SKIP')).code).toBe(EXIT.ok);
  await waitFor(scheduledRuns, (r) => r.some((x) => x.status === 'RUNNING'));
  expect((await cli('schedule', 'trigger', '--overlap', 'SKIP')).code).toBe(EXIT.ok);
  const d = await waitFor(() => env.client.schedule.getHandle(retrainScheduleId('shop')).describe(), (x) => x.info.numActionsSkippedOverlap >= 1);
  expect(d.info.numActionsSkippedOverlap).toBe(1);
  const runs = await waitFor(scheduledRuns, (r) => r.every((x) => x.status === 'COMPLETED'));
  expect(runs).toHaveLength(before + 1);
});

test('backfill starts one run per date, each with its own logical date', async () => {
  const before = (await scheduledRuns()).length;
  expect((await cli('schedule', 'backfill', '--from', '2026-11-10', '--to', '2026-11-11')).code).toBe(EXIT.ok);
  const runs = await waitFor(scheduledRuns, (r) => r.length >= before + 2 && r.every((x) => x.status === 'COMPLETED'), 60_000);
  const dates: string[] = [];
  for (const r of runs) {
    const result = (await env.client.workflow.getHandle(r.workflowId).result()) as RetrainResult;
    dates.push(result.runDate);
  }
  expect(dates).toEqual(expect.arrayContaining(['2026-11-10', '2026-11-11']));
}, 90_000);

test('pause stops new runs; unpause lets them start again; a later apply keeps an operator’s pause', async () => {
  const handle = env.client.schedule.getHandle(retrainScheduleId('shop'));
  expect((await cli('schedule', 'pause', '--note', 'incident 42')).code).toBe(EXIT.ok);
  expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'incident 42' });
  // Make the paused schedule due every second; the daily calendar comes back with the next apply.
  await handle.update((prev) => ({ ...prev, spec: { intervals: [{ every: '1s' }] } }));
  const before = (await scheduledRuns()).length;
  await new Promise((r) => setTimeout(r, 4000));
  expect((await scheduledRuns()).length).toBe(before);
  expect((await cli('schedule', 'describe')).out).toMatch(/PAUSED \(incident 42\)/);

  // The control: the same schedule, unpaused, starts a run within seconds.
  expect((await cli('schedule', 'unpause')).code).toBe(EXIT.ok);
  await waitFor(scheduledRuns, (r) => r.length > before, 15_000);
  expect((await scheduledRuns()).length).toBeGreaterThan(before);

  expect((await cli('schedule', 'pause')).code).toBe(EXIT.ok);
  expect((await cli('schedule', 'apply')).out).toContain('updated');
  const d = await handle.describe();
  expect(d.state.paused).toBe(true);
  expect(d.spec.intervals ?? []).toHaveLength(0);
  expect(d.spec.calendars![0]).toMatchObject({ hour: [{ start: 5, end: 5, step: 1 }] });
  expect((await cli('schedule', 'unpause')).code).toBe(EXIT.ok);
  expect((await handle.describe()).state.paused).toBe(false);
  // Let the runs it started finish before the ad hoc runs below.
  await waitFor(scheduledRuns, (r) => r.every((x) => x.status !== 'RUNNING'), 30_000);
}, 60_000);

test('two ad hoc runs of one pipeline: the second is refused with exit code 3, naming the first', async () => {
  const first = await cli('run', 'shop', '--run-date', '2026-11-20', '--no-wait');
  expect(first.code).toBe(EXIT.ok);
  const second = await cli('run', 'shop', '--run-date', '2026-11-21', '--no-wait');
  expect(second.code).toBe(EXIT.conflict);
  expect(second.err).toMatch(/pipeline "shop" already has a run going: retrain-shop/);
  // With no id, status and watch find the pipeline's run that is going.
  const status = await cli('status', '--pipeline', 'shop');
  expect(status.code).toBe(EXIT.ok);
  expect(status.out).toMatch(/^retrain-shop: \w+/);
  expect(status.out).toContain('run date 2026-11-20');
  const watched = await cli('watch');
  expect(watched.code).toBe(EXIT.ok);
  expect(watched.out).toMatch(/Run shop-2026-11-20: SUCCEEDED/);
  expect(watched.out).toMatch(/^ {2}TRAIN/m);
  const runs = await cli('runs', '--pipeline', 'shop', '--limit', '3');
  expect(runs.out.split('\n')[0]).toMatch(/COMPLETED\s+retrain-shop {2}SUCCEEDED 2026-11-20/);
  // Once it is done, the next ad hoc run starts.
  const third = await cli('run', 'shop', '--run-date', '2026-11-21', '--force');
  expect(third.code).toBe(EXIT.ok);
  expect(third.out).toMatch(/SUCCEEDED/);
}, 60_000);

test('with SKIP, a scheduled run that finds an ad hoc run going ends SKIPPED and starts nothing', async () => {
  writeConfig(5, 'SKIP');
  expect((await cli('schedule', 'apply')).out).toContain('updated');
  const holdersBefore = (await lockHolders()).length;
  expect((await cli('run', 'shop', '--run-date', '2026-11-21', '--no-wait', '--force')).code).toBe(EXIT.ok);
  const before = (await scheduledRuns()).length;
  expect((await cli('schedule', 'trigger')).code).toBe(EXIT.ok);
  const runs = await waitFor(scheduledRuns, (r) => r.length > before && r.every((x) => x.status === 'COMPLETED'), 30_000);
  const results = await Promise.all(runs.map((r) => env.client.workflow.getHandle(r.workflowId).result() as Promise<RetrainResult>));
  expect(results.filter((r) => r.outcome === 'SKIPPED').map((r) => r.reason)).toContainEqual(expect.stringMatching(/another run of pipeline shop is going \(retrain-shop\)/));
  expect((await cli('watch')).code).toBe(EXIT.ok);
  expect((await lockHolders()).length).toBe(holdersBefore + 1);
}, 60_000);

test('a cancelled run ends CANCELLED: watch and status exit 5', async () => {
  expect((await cli('run', 'shop', '--run-date', '2026-11-19', '--no-wait', '--force')).code).toBe(EXIT.ok);
  expect((await cli('cancel')).code).toBe(EXIT.ok);
  const watched = await cli('watch', 'retrain-shop');
  expect(watched.code).toBe(EXIT.cancelled);
  expect(watched.out).toMatch(/Run retrain-shop: CANCELLED – cancelled during \w+/);
  const status = await cli('status', 'retrain-shop');
  expect(status.code).toBe(EXIT.cancelled);
  expect(status.out).toMatch(/^retrain-shop: CANCELLED\n {2}Run retrain-shop: CANCELLED – cancelled during \w+/);
});

test('schedule delete removes it; describing it then is "not found" (exit 4)', async () => {
  expect((await cli('schedule', 'delete')).code).toBe(EXIT.ok);
  expect((await cli('schedule', 'describe')).code).toBe(EXIT.notFound);
});
