/**
 * Rollback on the real time-skipping server with the scripted AWS fake: a run's DEPLOY records the
 * promotion; RollbackWorkflow puts the campaign back on the version served before it, through the
 * deploy wait, and records that too; with no earlier promoted version it refuses and touches
 * nothing; and it cannot start while a run holds the pipeline's workflow id.
 */
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createFakeAws, HEALTHY_STATS, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { runScenario, startScenarioSuite } from './scenario';
import { RetrainWorkflow } from '../../workflows';
import { retrainWorkflowId } from '../../workflows/defs';
import { RunConflictError } from '../../client/run';
import { startRollback } from '../../client/rollback-command';
import type { RollbackInput, RollbackResult } from '../../common/types';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const base: Scenario = { stats: HEALTHY_STATS };
const INITIAL = 'arn:aws:personalize:us-east-1:123456789012:solution/shop/0000aaaa';

async function rollback(fake: ReturnType<typeof createFakeAws>, input: Partial<RollbackInput> = {}): Promise<RollbackResult> {
  const taskQueue = `rollback-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  return worker.runUntil(async () => {
    const handle = await startRollback(env.client, { pipeline: `shop-${taskQueue}`, ...input }, taskQueue);
    return handle.result();
  });
}

test('after a deploy, rollback puts the campaign back on the version it served before, and the history says who promoted what when', async () => {
  const run = await runScenario(env, bundle, base);
  expect(run.result?.outcome).toBe('SUCCEEDED');
  const candidate = run.result!.jobs.solutionVersionArn!;
  expect(run.fake.campaign.solutionVersionArn).toBe(candidate);
  expect(run.fake.promotions).toEqual([
    { solutionVersionArn: candidate, promotedAt: expect.any(String), by: 'run', runKey: 'shop-2026-11-23', previous: INITIAL },
  ]);

  const back = await rollback(run.fake, { note: 'conversion dropped', by: 'dana' });
  expect(back).toMatchObject({ outcome: 'SUCCEEDED', from: candidate, to: INITIAL });
  expect(back.reason).toMatch(/served before shop-2026-11-23 promoted/);
  expect(run.fake.campaign.solutionVersionArn).toBe(INITIAL);
  expect(run.fake.counts.campaignUpdates).toBe(2);
  // Same capacity and config as the campaign had (the deploy wait's update, not a new campaign).
  expect(run.fake.calls.updateCampaign.at(-1)).toMatchObject({ solutionVersionArn: INITIAL, minProvisionedTPS: 5, campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } } });
  expect(run.fake.promotions.at(-1)).toMatchObject({ solutionVersionArn: INITIAL, by: 'rollback', previous: candidate, note: 'dana: conversion dropped' });
  expect(Date.parse(run.fake.promotions[1]!.promotedAt)).toBeGreaterThan(Date.parse(run.fake.promotions[0]!.promotedAt));

  // Nothing earlier than the first version is known: a second rollback refuses and changes nothing.
  const again = await rollback(run.fake);
  expect(again.outcome).toBe('REFUSED');
  expect(again.reason).toMatch(/no earlier promoted version than .*0000aaaa/);
  expect(run.fake.counts.campaignUpdates).toBe(2);
  expect(run.fake.promotions).toHaveLength(2);
});

test('with no earlier promoted version it refuses and leaves the campaign alone', async () => {
  const fake = createFakeAws(() => env.currentTimeMs(), base, settingsFor('shop'));
  const r = await rollback(fake);
  expect(r.outcome).toBe('REFUSED');
  expect(r.reason).toMatch(/no earlier promoted version than .*0000aaaa.*--to/);
  expect(fake.counts.campaignUpdates).toBe(0);
  expect(fake.promotions).toHaveLength(0);
});

test('--to names the version: it must be ACTIVE; refused when the campaign already serves it', async () => {
  const fake = createFakeAws(() => env.currentTimeMs(), base, settingsFor('shop'));
  const same = await rollback(fake, { toSolutionVersionArn: INITIAL });
  expect(same).toMatchObject({ outcome: 'REFUSED', reason: expect.stringMatching(/already serves/) });
  expect(fake.counts.campaignUpdates).toBe(0);
});

test('refused while a run holds the pipeline (the same workflow id)', async () => {
  const taskQueue = `lock-${Math.random().toString(36).slice(2)}`;
  const settings = settingsFor('shop');
  const fake = createFakeAws(() => env.currentTimeMs(), { ...base, trainingOutcome: { status: 'ACTIVE', ms: 10 * 3_600_000 } }, settings);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: fake.activities });
  await worker.runUntil(async () => {
    const running = await env.client.workflow.start(RetrainWorkflow, {
      taskQueue,
      workflowId: retrainWorkflowId('shop'),
      args: [{ pipeline: 'shop', runDate: '2026-11-23' }],
    });
    await expect(startRollback(env.client, { pipeline: 'shop' }, taskQueue)).rejects.toBeInstanceOf(RunConflictError);
    await running.terminate('test done');
  });
  expect(fake.counts.campaignUpdates).toBe(0);
});
