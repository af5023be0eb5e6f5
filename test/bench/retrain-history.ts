/**
 * History cost of a full RetrainWorkflow run whose training takes 48 simulated hours, on the real
 * time-skipping server, plus how fast the Temporal servers start.
 */
import { Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, createTimeSkippingEnv } from '../helpers/temporal-env';
import { createFakeAws, HEALTHY_STATS, settingsFor } from '../fixtures/fake-aws';
import { RetrainWorkflow } from '../../workflows';

const HOUR = 3_600_000;
const MINUTE = 60_000;

export async function benchRetrainHistory(report: (name: string, value: number) => void): Promise<void> {
  let t = Date.now();
  const env = await createTimeSkippingEnv();
  report('test_server_start_s', (Date.now() - t) / 1000);
  try {
    const settings = settingsFor('shop', { deadlines: { export: '2h', query: '1h', import: '6h', training: '72h', deploy: '2h' } });
    const fake = createFakeAws(() => env.currentTimeMs(), {
      stats: HEALTHY_STATS,
      exportOutcome: { status: 'COMPLETED', ms: 5 * MINUTE },
      queryOutcome: { status: 'SUCCEEDED', ms: 1 * MINUTE },
      importOutcome: { status: 'ACTIVE', ms: 20 * MINUTE },
      trainingOutcome: { status: 'ACTIVE', ms: 48 * HOUR },
      deployOutcome: { status: 'ACTIVE', ms: 15 * MINUTE },
    }, settings);
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'bench', workflowsPath: require.resolve('../../workflows'), activities: fake.activities });
    t = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(RetrainWorkflow, { taskQueue: 'bench', workflowId: 'bench-48h', args: [{ pipeline: 'shop', runDate: '2026-11-23' }] })
    );
    report('retrain_48h_wall_s', (Date.now() - t) / 1000);
    const history = await env.client.workflow.getHandle('bench-48h').fetchHistory();
    report('retrain_history_events_48h_training', history.events?.length ?? 0);
    report('retrain_training_polls_48h', result.timings.find((p) => p.phase === 'TRAIN')?.polls ?? 0);
  } finally {
    await env.teardown();
  }
  t = Date.now();
  const dev: TestWorkflowEnvironment = await createDevServerEnv();
  report('dev_server_start_s', (Date.now() - t) / 1000);
  await dev.teardown();
}
