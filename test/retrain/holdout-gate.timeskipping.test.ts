/**
 * The holdout gate inside RetrainWorkflow, on the time-skipping server with scripted AWS activities:
 * the import carries the training file, both versions are scored on the same holdout by batch
 * inference jobs polled like every long job (or directly), and the gate decides on those scores.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HEALTHY_STATS, type Scenario } from '../fixtures/fake-aws';
import { runScenario, startScenarioSuite } from './scenario';
import type { HoldoutSettings } from '../../common/holdout';

const M = 'normalized_discounted_cumulative_gain_at_10';
const holdout: HoldoutSettings = { days: 1, minUsers: 50, sampleUsers: 1000, whenTooSmall: 'reject' };
const settings = { gate: { metric: M, tolerance: 0.02, holdout } };
const DEPLOYED = 'arn:aws:personalize:us-east-1:123456789012:solution/shop/0000aaaa';
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const scenario = (h: Scenario['holdout'], over: Partial<Scenario> = {}): Scenario => ({
  stats: HEALTHY_STATS,
  // GetSolutionMetrics say the candidate fell 50 %: with a holdout they are information only.
  candidateMetrics: { [M]: 0.1 },
  deployed: { arn: DEPLOYED, metrics: { [M]: 0.2 } },
  holdout: h,
  ...over,
});

test('batch path: the import carries the training file, both versions are scored by polled batch jobs, and equal scores promote', async () => {
  const run = await runScenario(env, bundle, scenario({ candidate: { [M]: 0.3 }, deployed: { [M]: 0.3 }, popularity: { [M]: 0.1 }, users: 800 }), { settings });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.calls.startDatasetImport[0]!.dataLocation).toBe('s3://bucket/work/runs/2026-11-23/training.csv');
  // The held-out day is not imported today: the watermark stops at its start.
  expect(run.fake.calls.recordImport[0]!.watermarkMs).toBe(Date.parse('2026-11-23T00:00:00Z'));
  expect(run.fake.batchJobs.map((j) => [j.jobName, j.solutionVersionArn])).toEqual([
    ['shop-20261123-eval-candidate', run.result!.jobs.solutionVersionArn],
    ['shop-20261123-eval-deployed', DEPLOYED],
  ]);
  expect(run.fake.batchJobs.every((j) => j.inputUri === 's3://bucket/work/runs/2026-11-23/evaluation/users.jsonl' && j.numResults === 60)).toBe(true);
  expect(run.result!.gate).toMatchObject({ promote: true, basis: 'holdout', check: 'deployed', candidate: 0.3, deployed: 0.3, popularity: 0.1, users: 800, estimatedCostUsd: 0.1072 });
  expect(run.result!.metrics).toEqual({ candidate: { [M]: 0.1 }, deployed: { [M]: 0.2 } });
  expect(run.result!.holdoutScores?.batch).toEqual({ jobs: 2, recommendations: 1600, estimatedCostUsd: 0.1072 });
  const evaluate = run.result!.timings.find((t) => t.phase === 'EVALUATE')!;
  expect(evaluate.polls).toBeGreaterThanOrEqual(2); // the 40-minute jobs were waited on with timers
  expect(run.fake.counts.campaignUpdates).toBe(1);
});

test('a candidate worse than popularity on the holdout is rejected, and nothing is deployed', async () => {
  const run = await runScenario(env, bundle, scenario({ candidate: { [M]: 0.08 }, deployed: { [M]: 0.05 }, popularity: { [M]: 0.1 }, direct: true }), { settings });
  expect(run.result?.outcome).toBe('REJECTED');
  expect(run.result!.gate).toMatchObject({ promote: false, check: 'popularity', basis: 'holdout' });
  expect(run.result!.reason).toMatch(/does not beat the popularity baseline/);
  expect(run.fake.counts.batchJobs).toBe(0); // scored directly
  expect(run.fake.counts.campaignUpdates).toBe(0);
});

test('an empty holdout says so: nothing held out, the whole file imported, and the configured decision', async () => {
  const run = await runScenario(env, bundle, scenario({ heldOutRows: 0 }), { settings });
  expect(run.result?.outcome).toBe('REJECTED');
  expect(run.result!.reason).toMatch(/^nothing to hold out.*not promoted, nothing shows it is better \(gate.holdout.whenTooSmall: reject\)/);
  expect(run.fake.calls.startDatasetImport[0]!.dataLocation).toBe('s3://bucket/work/runs/2026-11-23/interactions.csv');
  expect(run.fake.calls.recordImport[0]!.watermarkMs).toBe(Date.parse('2026-11-24T00:00:00Z'));
  expect(run.fake.counts.batchJobs).toBe(0);
});

test('a too-small holdout starts no batch job and can fall back to GetSolutionMetrics, saying so', async () => {
  const run = await runScenario(env, bundle, scenario({ users: 7 }), { settings: { gate: { ...settings.gate, holdout: { ...holdout, whenTooSmall: 'solution-metrics' } } } });
  expect(run.result?.outcome).toBe('REJECTED');
  expect(run.result!.gate).toMatchObject({ basis: 'solution-metrics', users: 7 });
  expect(run.result!.reason).toMatch(/7 evaluation users, fewer than the 50.*decided on GetSolutionMetrics instead/);
  expect(run.fake.counts.batchJobs).toBe(0);
});

test('a failed batch inference job fails the run with its reason, and nothing is deployed', async () => {
  const run = await runScenario(
    env,
    bundle,
    scenario({ batchOutcome: { status: 'CREATE FAILED', reason: 'Insufficient privileges for accessing data in S3', ms: 10 * 60_000 } }),
    { settings }
  );
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  const cause = (run.error as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.message).toMatch(/Insufficient privileges for accessing data in S3/);
  expect(run.fake.counts.campaignUpdates).toBe(0);
});
