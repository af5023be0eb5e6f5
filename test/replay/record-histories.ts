/**
 * Records RetrainWorkflow histories of the main paths on the real time-skipping server and writes
 * them to test/histories/. Run after a deliberate change to the workflow's command sequence:
 *   npx tsx test/replay/record-histories.ts
 * The replay test then proves every committed history still replays on the current code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { createFakeAws, HEALTHY_STATS, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { RetrainWorkflow } from '../../workflows';

const SCENARIOS: Record<string, Scenario> = {
  succeeded: { stats: HEALTHY_STATS },
  'first-deployment': { stats: HEALTHY_STATS, deployed: null },
  'skipped-too-few': { stats: { ...HEALTHY_STATS, rows: 10 } },
  rejected: { stats: HEALTHY_STATS, candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.1 } },
  'training-failed': { stats: HEALTHY_STATS, trainingOutcome: { status: 'CREATE FAILED', reason: 'insufficient data' } },
  'adopted-import': { stats: HEALTHY_STATS, importStartTimesOutOnce: true },
};

async function main(): Promise<void> {
  const env = await createTimeSkippingEnv();
  const outDir = path.resolve(__dirname, '..', 'histories');
  fs.mkdirSync(outDir, { recursive: true });
  try {
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const settings = settingsFor('shop');
      const fake = createFakeAws(() => env.currentTimeMs(), scenario, settings);
      const taskQueue = `record-${name}`;
      const workflowId = `retrain-${name}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowsPath: require.resolve('../../workflows'),
        activities: fake.activities,
      });
      await worker.runUntil(
        env.client.workflow
          .execute(RetrainWorkflow, { taskQueue, workflowId, args: [{ pipeline: 'shop', runDate: '2026-11-23' }] })
          .catch(() => undefined)
      );
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const file = path.join(outDir, `retrain-${name}.json`);
      fs.writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`${file}: ${history.events?.length} events`);
    }
  } finally {
    await env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
