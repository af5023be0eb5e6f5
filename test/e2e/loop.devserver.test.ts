/**
 * The whole RetrainWorkflow on the real dev server with the embedded backends: DuckDB over
 * generated Pinpoint files, the local recommender training, evaluating and deploying for real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createLocalSetup, type LocalSetup } from './local-setup';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { LocalRecommender, BASELINE_PREFIX } from '../../activities/local/recommender';
import { RetrainWorkflow } from '../../workflows';
import { statusQuery } from '../../workflows/defs';
import { removeScratchDirs } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
  removeScratchDirs();
});

async function runWith(setup: LocalSetup, worker: Worker, workflowId: string) {
  return worker.runUntil(
    env.client.workflow.execute(RetrainWorkflow, {
      taskQueue: setup.config.temporal.taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: setup.runDate }],
    })
  );
}

test('a run trains on the generated events, beats popularity and the campaign serves the new version', async () => {
  const setup = await createLocalSetup('loop');
  const registry = buildRegistry(setup.config, { local: { deployMs: 100 } });
  const worker = await createRetrainWorker({ config: setup.config, connection: env.nativeConnection, registry });
  const result = await runWith(setup, worker, 'e2e-loop-1');

  expect(result.outcome).toBe('SUCCEEDED');
  expect(result.stats!.rows).toBeGreaterThan(1000);
  expect(result.malformed).toMatchObject({ bad_json: 1, absurd_timestamp: 1, unreadable_line: 1 });
  const metric = 'normalized_discounted_cumulative_gain_at_10';
  const candidate = result.metrics!.candidate!;
  expect(candidate[metric]).toBeGreaterThan(candidate[`${BASELINE_PREFIX}${metric}`]!);

  const recommender = registry.localRecommender('shop')!;
  const campaignArn = registry.settings('shop')!.campaignArn;
  const campaign = await recommender.describeCampaign(campaignArn);
  expect(campaign.solutionVersionArn).toBe(result.jobs.solutionVersionArn);
  expect(campaign.latestUpdate?.status).toBe('ACTIVE');
  const recs = await recommender.recommend(campaignArn, 'user-00001', 10);
  expect(recs.solutionVersionArn).toBe(result.jobs.solutionVersionArn);
  expect(recs.itemList).toHaveLength(10);

  // The next day with nothing new is skipped without a paid job; the campaign keeps its version.
  const nextWorker = await createRetrainWorker({ config: setup.config, connection: env.nativeConnection, registry });
  const again = await runWith(setup, nextWorker, 'e2e-loop-2');
  expect(again.outcome).toBe('SKIPPED');
  expect(again.reason).toMatch(/nothing newer/);
  expect(recommender.counts()).toEqual({ imports: 1, solutionVersions: 1 });
});

function startWorkerProcess(setup: LocalSetup, minTrainingMs: number): Promise<ChildProcess> {
  // Node itself runs the worker (tsx as a loader, no wrapper process), so SIGKILL really kills it.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts'), setup.configPath, env.address], {
    env: { ...process.env, MIN_TRAINING_MS: String(minTrainingMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('worker ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

test('a worker killed (SIGKILL) during training: a new worker finishes the run with one import, one training, one campaign update', async () => {
  const setup = await createLocalSetup('kill');
  const first = await startWorkerProcess(setup, 12_000);
  const handle = await env.client.workflow.start(RetrainWorkflow, {
    taskQueue: setup.config.temporal.taskQueue,
    workflowId: 'e2e-kill',
    args: [{ pipeline: 'shop', runDate: setup.runDate }],
  });
  for (;;) {
    const s = await handle.query(statusQuery).catch(() => undefined);
    if (s?.phase === 'TRAIN' && s.lastStatus === 'CREATE IN_PROGRESS') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  expect(first.signalCode).toBe('SIGKILL');

  const second = await startWorkerProcess(setup, 12_000);
  try {
    const result = await handle.result();
    expect(result.outcome).toBe('SUCCEEDED');
  } finally {
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }
  const recommender = new LocalRecommender({ stateDir: path.join(setup.config.local.dataDir, 'state', 'shop') });
  expect(recommender.counts()).toEqual({ imports: 1, solutionVersions: 1 });
  const campaignArn = 'arn:aws:personalize:local:000000000000:campaign/shop';
  expect(recommender.campaignUpdates(campaignArn)).toHaveLength(1);
}, 120_000);
