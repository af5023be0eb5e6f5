/**
 * RECOMMEND on the real time-skipping server with the scripted AWS fake: after a deploy the batch
 * job is started once under the run's name and polled with durable timers; its files and counts are
 * in the result and the record; a failed job leaves the deploy standing, is noted and notified; no
 * job is started for a pipeline without `recommendations:` or for a run that did not deploy.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HEALTHY_STATS, type Scenario } from '../fixtures/fake-aws';
import { runScenario, startScenarioSuite } from './scenario';
import type { RecommendationSettings } from '../../common/types';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const base: Scenario = { stats: HEALTHY_STATS };
const recommendations: RecommendationSettings = { audience: 'window', numResults: 10 };

test('after the deploy: one batch job under the run name, polled, files and counts in the result and record', async () => {
  const run = await runScenario(env, bundle, { ...base, recommendOutcome: { status: 'ACTIVE', ms: 2 * HOUR, users: 88, errors: 2 } }, { settings: { recommendations } });
  expect(run.error).toBeUndefined();
  const r = run.result!;
  expect(r.outcome).toBe('SUCCEEDED');
  expect(r.timings.map((t) => t.phase).slice(-3)).toEqual(['DEPLOY', 'RECOMMEND', 'RECORD']);
  const phase = r.timings.find((t) => t.phase === 'RECOMMEND')!;
  expect(phase.polls).toBeGreaterThan(2);
  expect(run.fake.counts).toMatchObject({ recommendJobs: 1, conversions: 1, campaignUpdates: 1 });
  expect(r.recommendations).toEqual({
    solutionVersionArn: r.jobs.solutionVersionArn,
    inputUri: 's3://bucket/work/runs/2026-11-23/recommendations/users.json',
    audience: 90,
    jobArn: 'arn:aws:personalize:us-east-1:123456789012:batch-inference-job/shop-20261123-recommend',
    batchOutputUri: 's3://bucket/work/batch/shop-20261123-recommend.out',
    jsonlUri: 's3://bucket/work/runs/2026-11-23/recommendations/recommendations.jsonl',
    csvUri: 's3://bucket/work/runs/2026-11-23/recommendations/recommendations.csv',
    users: 88,
    errors: 2,
    unreadable: 0,
  });
  expect(run.fake.records[0]!.recommendations).toEqual(r.recommendations);
});

test('a failed batch job: the deploy stands (SUCCEEDED), the reason is recorded and noted', async () => {
  const run = await runScenario(
    env,
    bundle,
    { ...base, recommendOutcome: { status: 'CREATE FAILED', reason: 'Filter is not ACTIVE', ms: HOUR } },
    { settings: { recommendations: { ...recommendations, outputPrefix: 's3://tools/recs/' } } }
  );
  const r = run.result!;
  expect(r.outcome).toBe('SUCCEEDED');
  expect(r.campaignSolutionVersionArn).toBe(r.jobs.solutionVersionArn);
  expect(r.recommendations?.failed).toMatch(/Filter is not ACTIVE/);
  expect(r.recommendations?.jsonlUri).toBeUndefined();
  expect(r.notes?.join(' ')).toMatch(/no recommendations out: .*Filter is not ACTIVE.*stays deployed/);
  expect(run.fake.counts.conversions).toBe(0);
});

test('no recommendations config: no RECOMMEND phase, no job; a rejected run starts none either', async () => {
  const plain = await runScenario(env, bundle, base);
  expect(plain.result!.outcome).toBe('SUCCEEDED');
  expect(plain.result!.timings.map((t) => t.phase)).not.toContain('RECOMMEND');
  expect(plain.result!.recommendations).toBeUndefined();
  expect(plain.fake.counts.recommendJobs).toBe(0);

  const rejected = await runScenario(
    env,
    bundle,
    { ...base, candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.05 } },
    { settings: { recommendations } }
  );
  expect(rejected.result!.outcome).toBe('REJECTED');
  expect(rejected.fake.counts.recommendJobs).toBe(0);
});
