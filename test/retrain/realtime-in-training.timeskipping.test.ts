/**
 * The workflow path of a training's real-time count: real RetrainWorkflow runs on the embedded
 * backends (DuckDB over RudderStack files, the local recommender) of a pipeline with a real-time
 * section. Records put through its event sink before a run are what the run's result, its record
 * and its summary say the training included; a forced second run counts the new total.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { writeWorldDay } from '../../activities/local/generator/sessions';
import { FUNNEL_SCORING, SessionWorld } from '../../activities/local/generator/world';
import { fileUriToPath } from '../../activities/local/files';
import { DEFAULT_WORLD } from '../../client/simulate/loop';
import { formatSummary } from '../../client/summary';
import { loadConfig } from '../../common/config';
import type { RetrainInput, RetrainResult } from '../../common/types';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { RETRAIN_WORKFLOW_TYPE } from '../../workflows/defs';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
  removeScratchDirs();
});

test('what the sink recorded before a run is what its result, record and summary say the training included', async () => {
  const dir = scratchDir('po-rt-workflow-');
  const taskQueue = `rt-training-${Date.now().toString(36)}`;
  const scoring = Object.entries(FUNNEL_SCORING).map(([k, v]) => `        "${k}": ${v}`).join('\n');
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    `temporal:\n  taskQueue: ${taskQueue}\nlocal:\n  dataDir: ${dir}/data\n  deployLatency: 0\npipelines:\n  - name: shop\n    backend: local\n    source:\n      kind: events\n      eventsPrefix: ${dir}/data/events/\n      scoring:\n${scoring}\n    lookbackDays: all\n    workPrefix: ${dir}/data/work/\n    gate: { holdout: { days: 1, minUsers: 20, whenTooSmall: promote } }\n    poll: { initial: 200ms, fraction: 0.2, max: 2s }\n    notifications: { on: [] }\n    realtime:\n      writeKeys: [rt-training-key]\n`
  );
  const config = loadConfig(path.join(dir, 'config.yaml'));
  const registry = buildRegistry(config, { local: { deployMs: 0 } });
  const sink = registry.ports('shop')!.eventSink!;
  const world = new SessionWorld({ ...DEFAULT_WORLD, users: 1200, items: 200, newItemsPerDay: 40, days: 2 });
  writeWorldDay(path.join(dir, 'data'), world, 0);
  writeWorldDay(path.join(dir, 'data'), world, 1);
  const events = (from: number, n: number) =>
    sink.putEvents({
      trackingId: 'local',
      sessionId: 'rt-session',
      userId: 'rt-user',
      events: Array.from({ length: n }, (_, k) => ({ eventId: `rt-${from + k}`, eventType: 'click', sentAt: Date.parse(`${world.date(1)}T12:00:00Z`) + from + k, itemId: `rt-item-${(from + k) % 7}` })),
    });
  const worker = await createRetrainWorker({ config, connection: env.nativeConnection, registry, worker: { shutdownGraceTime: '5s' } });
  const run = (id: string, input: Partial<RetrainInput> = {}): Promise<RetrainResult> =>
    env.client.workflow.execute(RETRAIN_WORKFLOW_TYPE, { taskQueue, workflowId: `${taskQueue}-${id}`, args: [{ pipeline: 'shop', runDate: world.date(1), ...input }] });
  const results: RetrainResult[] = [];
  try {
    await worker.runUntil(async () => {
      await events(0, 30);
      await sink.putUsers({ datasetArn: 'arn:aws:personalize:local:000000000000:dataset/shop/USERS', users: [{ userId: 'rt-user' }] });
      results.push(await run('first'));
      await events(30, 20);
      results.push(await run('second', { force: true }));
    });
  } finally {
    await registry.close();
  }
  const [first, second] = results;
  expect(first!.jobs.solutionVersionArn).toBeDefined();
  expect(first!.realtimeInTraining).toEqual({ reported: true, events: 30, items: 0, users: 1 });
  expect(second!.jobs.solutionVersionArn).not.toBe(first!.jobs.solutionVersionArn);
  expect(second!.realtimeInTraining).toEqual({ reported: true, events: 50, items: 0, users: 1 });
  // The run record (what `runs --json` and `status` read) carries it too.
  const record = JSON.parse(fs.readFileSync(path.join(fileUriToPath(`file://${dir}/data/work/`), 'runs', `${second!.runKey}.json`), 'utf8')) as RetrainResult;
  expect(record.realtimeInTraining).toEqual(second!.realtimeInTraining);
  expect(formatSummary(second!).filter((l) => l.includes('real-time'))).toEqual(['  real-time        training included 50 real-time events (PutEvents) and 0 item / 1 user records (recorded, not trained on locally)']);
}, 180_000);
