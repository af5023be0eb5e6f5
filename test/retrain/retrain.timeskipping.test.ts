/**
 * RetrainWorkflow on the real time-skipping test server with scripted AWS activities: one test per
 * path, each asserting whether the campaign was updated.
 */
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startScenarioSuite } from './scenario';
import { createFakeAws, HEALTHY_STATS, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { RetrainWorkflow } from '../../workflows';
import { statusQuery } from '../../workflows/defs';
import type { PipelineSettings, RetrainResult } from '../../common/types';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

interface Run {
  result?: RetrainResult;
  error?: unknown;
  fake: ReturnType<typeof createFakeAws>;
  workflowId: string;
}

async function runScenario(
  scenario: Scenario,
  opts: { settings?: Partial<PipelineSettings>; input?: { force?: boolean; dryRun?: boolean }; during?: (workflowId: string) => Promise<void> } = {}
): Promise<Run> {
  const settings = settingsFor('shop', opts.settings);
  const fake = createFakeAws(() => env.currentTimeMs(), scenario, settings);
  const taskQueue = `retrain-${Math.random().toString(36).slice(2)}`;
  const workflowId = `${taskQueue}-wf`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  const run: Run = { fake, workflowId };
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(RetrainWorkflow, {
      taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: '2026-11-23', ...opts.input }],
    });
    if (opts.during) await opts.during(workflowId);
    try {
      run.result = await handle.result();
    } catch (err) {
      run.error = err;
    }
  });
  return run;
}

function failureOf(run: Run): ApplicationFailure {
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  const cause = (run.error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const base: Scenario = { stats: HEALTHY_STATS };

test('success: trains, passes the gate, deploys keeping the campaign TPS and config', async () => {
  const run = await runScenario({ ...base, campaignTps: 7 });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts).toMatchObject({ exports: 1, queries: 1, imports: 1, trainings: 1, campaignUpdates: 1, stops: 0 });
  expect(run.fake.calls.updateCampaign[0]).toMatchObject({
    minProvisionedTPS: 7,
    campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } },
    solutionVersionArn: run.result!.jobs.solutionVersionArn,
  });
  expect(run.fake.campaign.solutionVersionArn).toBe(run.result!.jobs.solutionVersionArn);
  expect(run.result!.gate).toMatchObject({ promote: true, deployed: 0.2, candidate: 0.25 });
  expect(run.result!.malformed).toEqual({ bad_json: 3 });
  expect(run.result!.timings.map((t) => t.phase)).toEqual(['EXPORT', 'QUERY', 'DECIDE', 'IMPORT', 'TRAIN', 'EVALUATE', 'DEPLOY', 'RECORD']);
  expect(run.fake.records).toHaveLength(1);
});

test('first deployment: a campaign with no version passes the gate', async () => {
  const run = await runScenario({ ...base, deployed: null });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.result!.gate?.reason).toMatch(/first deployment/);
  expect(run.fake.counts.campaignUpdates).toBe(1);
});

test.each([
  ['no rows', { ...HEALTHY_STATS, rows: 0, users: 0, usersWith2Plus: 0, items: 0, maxTimestamp: null }, undefined, /no interactions/],
  ['below 1,000 interactions', { ...HEALTHY_STATS, rows: 999 }, undefined, /999 interactions; Personalize needs at least 1000/],
  ['below 25 users with 2+ interactions', { ...HEALTHY_STATS, usersWith2Plus: 24 }, undefined, /24 users with 2\+ interactions/],
  ['nothing new since the last trained run', HEALTHY_STATS, HEALTHY_STATS.maxTimestamp, /nothing newer than the last trained run/],
])('skipped (%s): no paid job starts and the campaign is untouched', async (_name, stats, last, reason) => {
  const run = await runScenario({ stats, lastRunMaxTimestamp: last });
  expect(run.result?.outcome).toBe('SKIPPED');
  expect(run.result!.reason).toMatch(reason);
  expect(run.fake.counts).toMatchObject({ imports: 0, trainings: 0, campaignUpdates: 0 });
  expect(run.fake.notified).toHaveLength(0); // SKIPPED is not in notifyOn
});

test('force trains even when nothing is new', async () => {
  const run = await runScenario({ stats: HEALTHY_STATS, lastRunMaxTimestamp: HEALTHY_STATS.maxTimestamp }, { input: { force: true } });
  expect(run.result?.outcome).toBe('SUCCEEDED');
});

test('dry run stops after the decision', async () => {
  const run = await runScenario(base, { input: { dryRun: true } });
  expect(run.result).toMatchObject({ outcome: 'SKIPPED' });
  expect(run.result!.reason).toMatch(/dry run: would import and train on 25000/);
  expect(run.fake.counts.imports).toBe(0);
});

test('rejected by the gate: both figures reported, campaign left alone', async () => {
  const run = await runScenario({ ...base, candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.19 } });
  expect(run.result?.outcome).toBe('REJECTED');
  expect(run.result!.gate).toMatchObject({ promote: false, candidate: 0.19, deployed: 0.2 });
  expect(run.result!.reason).toMatch(/fell from 0\.2000 to 0\.1900 \(-5\.00 %\)/);
  expect(run.fake.counts.campaignUpdates).toBe(0);
  expect(run.fake.notified.map((r) => r.outcome)).toEqual(['REJECTED']);
});

test('within tolerance: a 1 % fall still deploys', async () => {
  const run = await runScenario({ ...base, candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.198 } });
  expect(run.result?.outcome).toBe('SUCCEEDED');
});

test.each([
  ['export failed', { exportOutcome: { status: 'FAILED', reason: 'S3 access denied' } }, /endpoint export ended FAILED: S3 access denied/, 'EXPORT'],
  ['Athena failed', { queryOutcome: { status: 'FAILED', reason: 'SYNTAX_ERROR: line 3' } }, /interactions query ended FAILED: SYNTAX_ERROR/, 'QUERY'],
  ['Athena cancelled', { queryOutcome: { status: 'CANCELLED' } }, /interactions query ended CANCELLED: the interactions query was cancelled/, 'QUERY'],
  ['import failed', { importOutcome: { status: 'CREATE FAILED', reason: 'Input CSV is missing the header' } }, /dataset import ended CREATE FAILED: Input CSV/, 'IMPORT'],
  ['training failed', { trainingOutcome: { status: 'CREATE FAILED', reason: 'insufficient data' } }, /training ended CREATE FAILED: insufficient data/, 'TRAIN'],
  ['training stopped', { trainingOutcome: { status: 'CREATE STOPPED' } }, /training ended CREATE STOPPED/, 'TRAIN'],
  ['campaign update failed', { deployOutcome: { status: 'CREATE FAILED', reason: 'capacity' } }, /campaign update ended CREATE FAILED: capacity/, 'DEPLOY'],
] as [string, Partial<Scenario>, RegExp, string][])('%s: the run fails with the reason, recorded and notified', async (_name, over, message, phase) => {
  const run = await runScenario({ ...base, ...over });
  const failure = failureOf(run);
  expect(failure.message).toMatch(message);
  expect(failure.message.startsWith(`${phase} failed`)).toBe(true);
  expect(run.fake.records.at(-1)).toMatchObject({ outcome: 'FAILED' });
  expect(run.fake.notified.map((r) => r.outcome)).toEqual(['FAILED']);
  const updated = phase === 'DEPLOY';
  expect(run.fake.counts.campaignUpdates).toBe(updated ? 1 : 0);
  if (phase !== 'DEPLOY') expect(run.fake.campaign.solutionVersionArn).toBe('arn:aws:personalize:us-east-1:123456789012:solution/shop/0000aaaa');
});

test('training past its deadline: the solution version is stopped, the run fails', async () => {
  const run = await runScenario({ ...base, trainingOutcome: { status: 'ACTIVE', ms: 60 * HOUR } }, { settings: { deadlines: { ...settingsFor('x').deadlines, training: '48h' } } });
  const failure = failureOf(run);
  expect(failure.message).toMatch(/training did not finish within 48\.0 h/);
  expect(run.fake.counts).toMatchObject({ trainings: 1, stops: 1, campaignUpdates: 0 });
});

test('throttling then success: the start is retried, one training', async () => {
  const run = await runScenario({ ...base, throttleTrainingStarts: 2 });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts.trainings).toBe(1);
});

test('a start that timed out after AWS created the job adopts it on retry: one import, not two', async () => {
  const run = await runScenario({ ...base, importStartTimesOutOnce: true });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts.imports).toBe(1);
});

test('cancellation during training stops the job and leaves the campaign alone', async () => {
  const run = await runScenario({ ...base, trainingOutcome: { status: 'ACTIVE', ms: 20 * HOUR } }, {
    during: async (workflowId) => {
      const handle = env.client.workflow.getHandle(workflowId);
      for (;;) {
        const status = await handle.query(statusQuery);
        if (status.phase === 'TRAIN' && status.lastStatus) break;
        await env.sleep('10 minutes');
      }
      await handle.cancel();
    },
  });
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  expect((run.error as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
  expect(run.fake.counts).toMatchObject({ trainings: 1, stops: 1, campaignUpdates: 0 });
  expect(run.fake.records.at(-1)).toMatchObject({ outcome: 'CANCELLED', reason: expect.stringMatching(/cancelled during TRAIN/) });
});

test('the status query shows phase, job ids and the last polled status', async () => {
  let seen: Awaited<ReturnType<typeof inspect>> | undefined;
  let details: string | undefined;
  async function inspect(workflowId: string) {
    return env.client.workflow.getHandle(workflowId).query(statusQuery);
  }
  const run = await runScenario({ ...base, trainingOutcome: { status: 'ACTIVE', ms: 5 * HOUR } }, {
    during: async (workflowId) => {
      for (;;) {
        const s = await inspect(workflowId);
        if (s.phase === 'TRAIN' && s.lastStatus) {
          seen = s;
          details = ((await env.client.workflow.getHandle(workflowId).query('__temporal_workflow_metadata')) as { currentDetails?: string }).currentDetails;
          break;
        }
        await env.sleep('5 minutes');
      }
    },
  });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(seen).toMatchObject({ phase: 'TRAIN', lastStatus: 'CREATE IN_PROGRESS', runDate: '2026-11-23', runKey: 'shop-2026-11-23' });
  expect(seen!.jobs.importJobArn).toMatch(/dataset-import-job\/shop-20261123-import$/);
  expect(seen!.timings.find((t) => t.phase === 'IMPORT')?.endedAt).toBeDefined();
  // The Web UI's "current details" of the run say the same.
  expect(details).toMatch(/\*\*shop\*\* run for 2026-11-23: \*\*TRAIN\*\* \(CREATE IN_PROGRESS\)/);
  expect(details).toMatch(/\n\n- /);
  expect(details).toContain('- solution version (candidate): `arn:aws:personalize');
});

test('a 48-hour training keeps the history bounded', async () => {
  const run = await runScenario({ ...base, trainingOutcome: { status: 'ACTIVE', ms: 48 * HOUR } }, { settings: { deadlines: { ...settingsFor('x').deadlines, training: '72h' } } });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  const history = await env.client.workflow.getHandle(run.workflowId).fetchHistory();

  expect(history.events!.length).toBeLessThan(1000);
  const trainPolls = run.result!.timings.find((t) => t.phase === 'TRAIN')?.polls ?? 0;
  expect(trainPolls).toBeGreaterThan(50);
  expect(trainPolls).toBeLessThan(130);
  process.stderr.write(`[figures] retrain_history_events_48h_training ${history.events!.length} (training polls ${trainPolls})\n`);
});

test('INCREMENTAL: the query starts at the watermark, the import appends, and the watermark moves once the import is ACTIVE', async () => {
  const watermarkMs = Date.parse('2026-11-23T00:00:00Z');
  const importState = { watermarkMs, fullFromMs: Date.parse('2026-10-01T00:00:00Z'), runKey: 'shop-2026-11-22', mode: 'FULL' as const };
  const run = await runScenario({ ...base, importState }, { settings: { importMode: 'INCREMENTAL', lookbackDays: 30 } });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.calls.startInteractionsQuery[0]).toMatchObject({ startMs: watermarkMs, runDate: '2026-11-23' });
  expect(run.fake.calls.startDatasetImport[0]).toMatchObject({ importMode: 'INCREMENTAL' });
  expect(run.fake.calls.recordImport).toEqual([{ watermarkMs: Date.parse('2026-11-24T00:00:00Z'), fullFromMs: importState.fullFromMs, runKey: 'shop-2026-11-23', mode: 'INCREMENTAL' }]);
});

test('FULL after an earlier FULL import: the query keeps its history although lookbackDays is shorter', async () => {
  const fullFromMs = Date.parse('2026-09-01T00:00:00Z');
  const run = await runScenario(
    { ...base, importState: { watermarkMs: Date.parse('2026-11-23T00:00:00Z'), fullFromMs, runKey: 'shop-2026-11-22', mode: 'FULL' } },
    { settings: { importMode: 'FULL', lookbackDays: 30 } }
  );
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.calls.startInteractionsQuery[0]).toMatchObject({ startMs: fullFromMs });
  expect(run.fake.calls.startDatasetImport[0]).toMatchObject({ importMode: 'FULL' });
  expect(run.fake.calls.recordImport[0]).toMatchObject({ fullFromMs, mode: 'FULL' });
});

test('an import that is not ACTIVE moves no watermark', async () => {
  const run = await runScenario({ ...base, importOutcome: { status: 'CREATE FAILED', reason: 'bad file' } }, { settings: { importMode: 'INCREMENTAL' } });
  expect(run.error).toBeDefined();
  expect(run.fake.calls.recordImport).toEqual([]);
});
