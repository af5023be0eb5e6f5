/**
 * personalize.autoTraining: gate on the real time-skipping server with the scripted AWS fake: the
 * run trains nothing, takes the newest ACTIVE AUTOMATIC version no run evaluated, and puts it
 * through the same gate, approval and deploy; with none new it ends SKIPPED saying why.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HEALTHY_STATS, type Scenario } from '../fixtures/fake-aws';
import { runScenario, startScenarioSuite } from './scenario';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const SOLUTION = 'arn:aws:personalize:us-east-1:123456789012:solution/shop';
const ndcg = (x: number) => ({ normalized_discounted_cumulative_gain_at_10: x });
const auto: Scenario = {
  stats: HEALTHY_STATS,
  autoVersions: [
    { arn: `${SOLUTION}/a0000001`, createdAt: '2026-11-10T00:00:00Z', metrics: ndcg(0.21) },
    { arn: `${SOLUTION}/a0000003`, createdAt: '2026-11-20T00:00:00Z', metrics: ndcg(0.24) },
    { arn: `${SOLUTION}/a0000004`, status: 'CREATE IN_PROGRESS', createdAt: '2026-11-23T00:00:00Z', metrics: ndcg(0.9) },
  ],
};

test('the newest ACTIVE automatic version goes through the gate and is deployed; nothing is trained', async () => {
  const run = await runScenario(env, bundle, auto, { settings: { autoTraining: 'gate' } });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts).toMatchObject({ trainings: 0, imports: 1, campaignUpdates: 1, autoLookups: 1 });
  expect(run.result!.jobs.solutionVersionArn).toBe(`${SOLUTION}/a0000003`);
  expect(run.result!.autoTrained).toEqual({ createdAt: '2026-11-20T00:00:00Z' });
  expect(run.result!.gate).toMatchObject({ promote: true, candidate: 0.24, deployed: 0.2 });
  expect(run.fake.campaign.solutionVersionArn).toBe(`${SOLUTION}/a0000003`);
  expect(run.result!.notes?.join(' ')).toMatch(/trained by the service on its own \(AUTOMATIC, created 2026-11-20/);

  // The next day: that version was evaluated and nothing newer is ACTIVE.
  const next = await runScenario(env, bundle, auto, {
    fake: run.fake,
    settings: { autoTraining: 'gate' },
    input: { runDate: '2026-11-24', force: true },
  });
  expect(next.result?.outcome).toBe('SKIPPED');
  expect(next.result!.reason).toMatch(/personalize.autoTraining is gate: no new automatic version: the newest, .*a0000003, is the one the campaign serves/);
  expect(run.fake.counts).toMatchObject({ trainings: 0, campaignUpdates: 1 });
});

test('an automatic version worse than the deployed one is rejected by the same gate', async () => {
  const run = await runScenario(
    env,
    bundle,
    { stats: HEALTHY_STATS, autoVersions: [{ arn: `${SOLUTION}/a0000009`, createdAt: '2026-11-20T00:00:00Z', metrics: ndcg(0.1) }] },
    { settings: { autoTraining: 'gate' } }
  );
  expect(run.result?.outcome).toBe('REJECTED');
  expect(run.result!.reason).toMatch(/fell from 0.2000 to 0.1000/);
  expect(run.fake.counts).toMatchObject({ trainings: 0, campaignUpdates: 0 });
});

test('no automatic version at all: SKIPPED with the reason, nothing trained or deployed', async () => {
  const run = await runScenario(env, bundle, { stats: HEALTHY_STATS }, { settings: { autoTraining: 'gate' } });
  expect(run.result?.outcome).toBe('SKIPPED');
  expect(run.result!.reason).toMatch(/no automatic \(service-trained\) version yet/);
  expect(run.fake.counts).toMatchObject({ trainings: 0, campaignUpdates: 0 });
});
