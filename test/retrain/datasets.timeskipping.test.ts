/**
 * The items / users dataset phases and the recommender path of RetrainWorkflow, on the real
 * time-skipping server with the scripted AWS fake: imports adopted by name and skipped while their
 * files are unchanged, each with its own deadline; a recommender's run waits for its next model,
 * records its metrics and ends REGRESSED (notified) when they fell.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createFakeAws, HEALTHY_STATS, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { runScenario, type ScenarioRun, startScenarioSuite } from './scenario';
import type { PipelineSettings } from '../../common/types';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const ITEMS = 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS';
const USERS = 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/USERS';
const withDatasets: Partial<PipelineSettings> = {
  datasets: {
    items: { datasetArn: ITEMS, source: 's3://catalog/items/' },
    users: { datasetArn: USERS, source: 's3://catalog/users.csv' },
  },
};

function failureOf(run: ScenarioRun): ApplicationFailure {
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  const cause = (run.error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('items and users datasets', () => {
  test('first run imports both FULL, each in its own phase before the interactions, and records their fingerprints', async () => {
    const run = await runScenario(env, bundle, { stats: HEALTHY_STATS, datasetFiles: { items: 'aaaa1111ffff', users: 'bbbb2222ffff' } }, { settings: withDatasets });
    expect(run.result?.outcome).toBe('SUCCEEDED');
    expect(run.result!.timings.map((t) => t.phase)).toEqual(['EXPORT', 'QUERY', 'DECIDE', 'IMPORT_ITEMS', 'IMPORT_USERS', 'IMPORT', 'TRAIN', 'EVALUATE', 'DEPLOY', 'RECORD']);
    expect(run.fake.counts).toMatchObject({ datasetImports: 2, imports: 1, trainings: 1 });
    expect(run.fake.calls.startDatasetFileImport).toEqual([
      { pipeline: 'shop', kind: 'items', jobName: 'shop-20261123-items-aaaa1111' },
      { pipeline: 'shop', kind: 'users', jobName: 'shop-20261123-users-bbbb2222' },
    ]);
    expect(run.fake.calls.recordDatasetImport.map((c) => c.state)).toEqual([
      { datasetArn: ITEMS, source: 's3://catalog/items/', fingerprint: 'aaaa1111ffff', jobName: 'shop-20261123-items-aaaa1111', jobArn: run.result!.jobs.itemsImportJobArn, runKey: 'shop-2026-11-23' },
      { datasetArn: USERS, source: 's3://catalog/users.csv', fingerprint: 'bbbb2222ffff', jobName: 'shop-20261123-users-bbbb2222', jobArn: run.result!.jobs.usersImportJobArn, runKey: 'shop-2026-11-23' },
    ]);
    expect(run.result!.datasets).toMatchObject({ items: { action: 'imported' }, users: { action: 'imported' } });
  });

  test('the next run skips an unchanged file and imports only the one that changed', async () => {
    const scenario: Scenario = { stats: HEALTHY_STATS, datasetFiles: { items: 'aaaa1111ffff', users: 'bbbb2222ffff' } };
    const settings = settingsFor('shop', withDatasets);
    const fake = createFakeAws(() => env.currentTimeMs(), scenario, settings);
    await runScenario(env, bundle, scenario, { settings: withDatasets, fake });
    expect(fake.counts.datasetImports).toBe(2);

    const second = await runScenario(env, bundle, scenario, { settings: withDatasets, fake, input: { runDate: '2026-11-24' } });
    expect(second.result?.outcome).toBe('SUCCEEDED');
    expect(fake.counts.datasetImports).toBe(2);
    expect(second.result!.datasets?.items).toMatchObject({ action: 'skipped', reason: expect.stringMatching(/has not changed since shop-2026-11-23/) });
    expect(second.result!.jobs.itemsImportJobArn).toBeUndefined();

    fake.scenario.datasetFiles = { items: 'cccc3333ffff', users: 'bbbb2222ffff' };
    const third = await runScenario(env, bundle, scenario, { settings: withDatasets, fake, input: { runDate: '2026-11-25' } });
    expect(third.result?.outcome).toBe('SUCCEEDED');
    expect(fake.counts.datasetImports).toBe(3);
    expect(third.result!.datasets).toMatchObject({ items: { action: 'imported', jobName: 'shop-20261125-items-cccc3333' }, users: { action: 'skipped' } });
    expect(fake.datasetState.items?.fingerprint).toBe('cccc3333ffff');
  });

  test('a start whose answer was lost is retried and adopts the job it created: one import, not two', async () => {
    const run = await runScenario(env, bundle, { stats: HEALTHY_STATS, datasetFiles: { items: 'aaaa1111ffff' }, datasetStartTimesOutOnce: true }, { settings: { datasets: { items: withDatasets.datasets!.items! } } });
    expect(run.result?.outcome).toBe('SUCCEEDED');
    expect(run.fake.calls.startDatasetFileImport).toHaveLength(2);
    expect(run.fake.counts.datasetImports).toBe(1);
  });

  test('a failed import fails the run in its phase and records no fingerprint (the next run tries again)', async () => {
    const run = await runScenario(
      env,
      bundle,
      { stats: HEALTHY_STATS, datasetFiles: { items: 'aaaa1111ffff' }, datasetImportOutcome: { status: 'CREATE FAILED', reason: 'ITEM_ID missing' } },
      { settings: withDatasets }
    );
    expect(failureOf(run).message).toMatch(/IMPORT_ITEMS failed: items dataset import ended CREATE FAILED: ITEM_ID missing/);
    expect(run.fake.calls.recordDatasetImport).toHaveLength(0);
    expect(run.fake.counts).toMatchObject({ imports: 0, trainings: 0 });
  });

  test('each dataset import has its own deadline', async () => {
    const run = await runScenario(
      env,
      bundle,
      { stats: HEALTHY_STATS, datasetFiles: { items: 'aaaa1111ffff' }, datasetImportOutcome: { status: 'ACTIVE', ms: 3 * HOUR } },
      { settings: { ...withDatasets, deadlines: { export: '2h', query: '1h', import: '6h', training: '48h', deploy: '2h', items: '1h' } } }
    );
    expect(failureOf(run).message).toMatch(/IMPORT_ITEMS failed: items dataset import did not finish within 60.0 min/);
  });

  test('an empty source fails the run with the setting to fix', async () => {
    const run = await runScenario(env, bundle, { stats: HEALTHY_STATS, datasetFiles: {} }, { settings: withDatasets });
    expect(failureOf(run).message).toMatch(/holds no file .*check datasets\.items\.source/);
    expect(run.fake.counts.datasetImports).toBe(0);
  });
});

describe('a pipeline that targets a recommender', () => {
  const RECOMMENDER = 'arn:aws:personalize:us-east-1:123456789012:recommender/shop-top-picks';
  const recommenderSettings: Partial<PipelineSettings> = { recommenderArn: RECOMMENDER, notifyOn: ['FAILED', 'REJECTED', 'REGRESSED'] };
  const ndcg = (v: number) => ({ normalized_discounted_cumulative_gain_at_10: v, coverage: 0.3 });
  const record = { recommenderArn: RECOMMENDER, modelUpdatedAt: '2026-11-20T00:00:00.000Z', metrics: ndcg(0.2), runKey: 'shop-2026-11-20' };

  test('waits for the next model newer than the recorded one, records its metrics; no training, evaluation or deploy', async () => {
    const run = await runScenario(
      env,
      bundle,
      {
        stats: HEALTHY_STATS,
        recommenderRecord: record,
        recommenderModels: [
          { afterMs: 0, updatedAt: '2026-11-20T00:00:00.000Z', metrics: ndcg(0.2) },
          { afterMs: 3 * DAY, updatedAt: '2026-11-27T00:00:00.000Z', metrics: ndcg(0.23) },
        ],
      },
      { settings: recommenderSettings }
    );
    expect(run.result?.outcome).toBe('SUCCEEDED');
    expect(run.result!.timings.map((t) => t.phase)).toEqual(['EXPORT', 'QUERY', 'DECIDE', 'IMPORT', 'RECOMMENDER', 'RECORD']);
    expect(run.fake.counts).toMatchObject({ imports: 1, trainings: 0, campaignUpdates: 0 });
    // Polled across three days with durable timers, not once.
    expect(run.fake.counts.recommenderChecks).toBeGreaterThan(5);
    const waited = run.result!.timings.find((t) => t.phase === 'RECOMMENDER')!;
    expect(Date.parse(waited.endedAt!) - Date.parse(waited.startedAt)).toBeGreaterThanOrEqual(3 * DAY - 2 * HOUR);
    expect(run.fake.calls.recordRecommenderModel).toEqual([{ recommenderArn: RECOMMENDER, modelUpdatedAt: '2026-11-27T00:00:00.000Z', metrics: ndcg(0.23), runKey: 'shop-2026-11-23' }]);
    expect(run.result!.recommender).toMatchObject({ regressed: false, model: { metrics: ndcg(0.23) }, previous: { runKey: 'shop-2026-11-20' } });
    expect(run.result!.reason).toMatch(/model of 2026-11-27T00:00:00.000Z recorded/);
    expect(run.fake.notified).toHaveLength(0);
  });

  test('a new model that fell beyond the tolerance ends REGRESSED and is notified (and still recorded: it serves)', async () => {
    const run = await runScenario(
      env,
      bundle,
      { stats: HEALTHY_STATS, recommenderRecord: record, recommenderModels: [{ afterMs: 2 * HOUR, updatedAt: '2026-11-24T00:00:00.000Z', metrics: ndcg(0.15) }] },
      { settings: recommenderSettings }
    );
    expect(run.result?.outcome).toBe('REGRESSED');
    expect(run.result!.reason).toMatch(/regressed: normalized_discounted_cumulative_gain_at_10 fell from 0.2000 to 0.1500/);
    expect(run.result!.recommender).toMatchObject({ regressed: true, gate: { candidate: 0.15, deployed: 0.2 } });
    expect(run.fake.notified.map((r) => r.outcome)).toEqual(['REGRESSED']);
    expect(run.fake.records.map((r) => r.outcome)).toEqual(['REGRESSED']);
    expect(run.fake.calls.recordRecommenderModel).toHaveLength(1);
  });

  test('with no record yet, the model it serves is the first one recorded', async () => {
    const run = await runScenario(env, bundle, { stats: HEALTHY_STATS, recommenderModels: [{ afterMs: 0, updatedAt: '2026-11-20T00:00:00.000Z', metrics: ndcg(0.2) }] }, { settings: recommenderSettings });
    expect(run.result?.outcome).toBe('SUCCEEDED');
    expect(run.result!.reason).toMatch(/first model recorded/);
    expect(run.fake.counts.recommenderChecks).toBe(1);
  });

  test('no newer model within the deadline fails the run, and nothing is recorded', async () => {
    const run = await runScenario(
      env,
      bundle,
      { stats: HEALTHY_STATS, recommenderRecord: record, recommenderModels: [{ afterMs: 0, updatedAt: '2026-11-20T00:00:00.000Z', metrics: ndcg(0.2) }] },
      { settings: { ...recommenderSettings, deadlines: { export: '2h', query: '1h', import: '6h', training: '48h', deploy: '2h', recommender: '2 days' } } }
    );
    expect(failureOf(run).message).toMatch(/RECOMMENDER failed: recommender retraining did not finish within 48.0 h \(last status WAITING FOR THE NEXT MODEL\)/);
    expect(run.fake.calls.recordRecommenderModel).toHaveLength(0);
    expect(run.fake.notified.map((r) => r.outcome)).toEqual(['FAILED']);
  });
});
