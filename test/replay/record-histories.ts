/**
 * Records RetrainWorkflow histories of the main paths on the real time-skipping server and writes
 * them to test/histories/. Run after a deliberate change to the workflow's command sequence:
 *   npx tsx test/replay/record-histories.ts            (all of them)
 *   npx tsx test/replay/record-histories.ts <name>…    (only those: a new path, the others left as they are)
 * The replay test then proves every committed history still replays on the current code. A run
 * that continues as new is recorded run by run (its first and its last run); a scheduled run is
 * recorded while the pipeline's lock is held by another run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { createFakeAws, HEALTHY_STATS, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { RetrainWorkflow, ScheduledRetrainWorkflow } from '../../workflows';
import { retrainWorkflowId, statusQuery } from '../../workflows/defs';
import type { PipelineSettings } from '../../common/types';

const HOUR = 3_600_000;

interface Recording {
  scenario: Scenario;
  settings?: Partial<PipelineSettings>;
  /** Cancel the run once it has checked its training. */
  cancelInTraining?: boolean;
}

const RECORDINGS: Record<string, Recording> = {
  succeeded: { scenario: { stats: HEALTHY_STATS } },
  'first-deployment': { scenario: { stats: HEALTHY_STATS, deployed: null } },
  'skipped-too-few': { scenario: { stats: { ...HEALTHY_STATS, rows: 10 } } },
  rejected: {
    scenario: { stats: HEALTHY_STATS, candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.1 } },
  },
  'training-failed': {
    scenario: { stats: HEALTHY_STATS, trainingOutcome: { status: 'CREATE FAILED', reason: 'insufficient data' } },
  },
  'adopted-import': { scenario: { stats: HEALTHY_STATS, importStartTimesOutOnce: true } },
  datasets: {
    scenario: { stats: HEALTHY_STATS, datasetFiles: { items: 'aaaa1111ffff', users: 'bbbb2222ffff' } },
    settings: {
      datasets: {
        items: { datasetArn: 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS', source: 's3://catalog/items/' },
        users: { datasetArn: 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/USERS', source: 's3://catalog/users.csv' },
      },
    },
  },
  recommender: {
    scenario: {
      stats: HEALTHY_STATS,
      recommenderRecord: {
        recommenderArn: 'arn:aws:personalize:us-east-1:123456789012:recommender/shop',
        modelUpdatedAt: '2026-11-20T00:00:00.000Z',
        metrics: { normalized_discounted_cumulative_gain_at_10: 0.2 },
        runKey: 'shop-2026-11-20',
      },
      recommenderModels: [
        { afterMs: 0, updatedAt: '2026-11-20T00:00:00.000Z', metrics: { normalized_discounted_cumulative_gain_at_10: 0.2 } },
        { afterMs: 5 * HOUR, updatedAt: '2026-11-24T00:00:00.000Z', metrics: { normalized_discounted_cumulative_gain_at_10: 0.22 } },
      ],
    },
    settings: { recommenderArn: 'arn:aws:personalize:us-east-1:123456789012:recommender/shop' },
  },
  resumed: {
    scenario: { stats: HEALTHY_STATS, trainingOutcome: { status: 'ACTIVE', ms: 6 * HOUR } },
    settings: { historyLimit: 60 },
  },
  'approval-timed-out': {
    scenario: { stats: HEALTHY_STATS },
    settings: { gate: { metric: 'normalized_discounted_cumulative_gain_at_10', tolerance: 0.02, approval: 'always', approvalTimeout: '2h', approvalDefault: 'approve' } },
  },
  'auto-trained': {
    scenario: {
      stats: HEALTHY_STATS,
      autoVersions: [{ arn: 'arn:aws:personalize:us-east-1:123456789012:solution/shop/a0000001', createdAt: '2026-11-20T00:00:00Z', metrics: { normalized_discounted_cumulative_gain_at_10: 0.24 } }],
    },
    settings: { autoTraining: 'gate' },
  },
  cancelled: {
    scenario: { stats: HEALTHY_STATS, trainingOutcome: { status: 'ACTIVE', ms: 20 * HOUR } },
    settings: { notifyOn: ['FAILED', 'CANCELLED'] },
    cancelInTraining: true,
  },
  recommendations: {
    scenario: { stats: HEALTHY_STATS, recommendOutcome: { status: 'ACTIVE', ms: 2 * HOUR, users: 88, errors: 2 } },
    settings: { recommendations: { audience: 'window', numResults: 10 } },
  },
  'recommendations-failed': {
    scenario: { stats: HEALTHY_STATS, recommendOutcome: { status: 'CREATE FAILED', reason: 'Filter is not ACTIVE', ms: HOUR } },
    settings: { recommendations: { audience: 's3://bucket/audiences/vip.json', numResults: 10, filterArn: 'arn:aws:personalize:us-east-1:123456789012:filter/x' } },
  },
};

async function save(
  env: TestWorkflowEnvironment,
  outDir: string,
  name: string,
  workflowId: string,
  runId?: string
): Promise<string | undefined> {
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = path.join(outDir, `${name}.json`);
  fs.writeFileSync(file, `${historyToJSON(history)}\n`);
  console.log(`${file}: ${history.events?.length} events`);
  return history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
}

async function recordRetrain(
  env: TestWorkflowEnvironment,
  outDir: string,
  name: string,
  rec: Recording
): Promise<void> {
  const settings = settingsFor('shop', rec.settings);
  const fake = createFakeAws(() => env.currentTimeMs(), rec.scenario, settings);
  const taskQueue = `record-${name}`;
  const workflowId = `retrain-${name}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: fake.activities,
  });
  let firstRunId = '';
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(RetrainWorkflow, {
      taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: '2026-11-23' }],
    });
    firstRunId = handle.firstExecutionRunId;
    if (rec.cancelInTraining) {
      for (;;) {
        const s = await handle.query(statusQuery);
        if (s.phase === 'TRAIN' && s.lastStatus) break;
        await env.sleep('10 minutes');
      }
      await handle.cancel();
    }
    await handle.result().catch(() => undefined);
  });
  if (!rec.settings?.historyLimit) {
    await save(env, outDir, `retrain-${name}`, workflowId, firstRunId);
    return;
  }
  // A chain: its first run (ends continued as new) and its last run (resumed, ends the run).
  let runId: string | undefined = await save(env, outDir, `retrain-${name}-first`, workflowId, firstRunId);
  let last = firstRunId;
  while (runId) {
    last = runId;
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  await save(env, outDir, `retrain-${name}-last`, workflowId, last);
}

/** A scheduled run that finds the pipeline's lock held waits, then runs its retrain under the lock. */
async function recordScheduledWaits(env: TestWorkflowEnvironment, outDir: string): Promise<void> {
  const settings = settingsFor('shop');
  const fake = createFakeAws(() => env.currentTimeMs(), { stats: HEALTHY_STATS }, settings);
  const taskQueue = 'record-scheduled';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: fake.activities,
  });
  await worker.runUntil(async () => {
    const holder = await env.client.workflow.start(RetrainWorkflow, {
      taskQueue,
      workflowId: retrainWorkflowId('shop'),
      args: [{ pipeline: 'shop', runDate: '2026-11-22' }],
    });
    const scheduled = await env.client.workflow.start(ScheduledRetrainWorkflow, {
      taskQueue,
      workflowId: 'retrain-shop-scheduled-2026-11-24T02:00:00Z',
      args: [{ pipeline: 'shop', runDate: '2026-11-23', whenBusy: 'wait' }],
    });
    await holder.result();
    await scheduled.result();
  });
  await save(env, outDir, 'scheduled-waited-for-lock', 'retrain-shop-scheduled-2026-11-24T02:00:00Z');
}

async function main(): Promise<void> {
  const env = await createTimeSkippingEnv();
  const outDir = path.resolve(__dirname, '..', 'histories');
  fs.mkdirSync(outDir, { recursive: true });
  try {
    const only = process.argv.slice(2);
    for (const [name, rec] of Object.entries(RECORDINGS)) if (!only.length || only.includes(name)) await recordRetrain(env, outDir, name, rec);
    if (!only.length || only.includes('scheduled')) await recordScheduledWaits(env, outDir);
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
