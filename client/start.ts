/**
 * `npm start`: the whole loop on this machine. Starts the Temporal dev server (Web UI on) and a
 * worker on the embedded backends, generates demo data when there is none, applies the daily
 * schedule, runs one retrain now, follows its phases live and prints the run summary.
 * With --keep, the server and worker stay up for the schedule and the UI (Ctrl-C stops both).
 * A second start continues from the stored state: schedule, campaign and history persist, and the
 * new model is compared with the deployed one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { generatePinpointData } from '../activities/local/generator/pinpoint';
import { loadConfig } from '../common/config';
import type { RetrainProgress } from '../common/types';
import { buildRegistry } from '../worker/backends';
import { createRetrainWorker } from '../worker/create-worker';
import { formatMs } from '../workflows/duration';
import { startDevServer } from './dev-server';
import { followRun, RunConflictError, startRun } from './run';
import { applySchedule } from './schedules';
import { quietTemporalRuntime } from './runtime';
import { formatSummary } from './summary';

const say = (line = '') => process.stdout.write(`${line}\n`);

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

async function main(): Promise<void> {
  const program = new Command('start')
    .description('Run the whole retraining loop on this machine (Temporal dev server + local backends)')
    .option('-c, --config <file>', 'config file', 'config/local.yaml')
    .option('--keep', 'keep the server and worker running for the schedule and the Web UI (Ctrl-C stops)', false)
    .option('--user <id>', 'whose recommendations to show afterwards', 'user-00001')
    .option('--events <n>', 'demo events to generate when there is no data', (v) => Number(v), 100_000)
    .parse();
  const opts = program.opts<{ config: string; keep: boolean; user: string; events: number }>();

  const config = loadConfig(opts.config);
  const pipeline = config.pipelines.find((p) => p.backend === 'local');
  if (!pipeline) throw new Error(`${opts.config} has no local pipeline to run`);
  const dataDir = config.local.dataDir;
  quietTemporalRuntime();

  say('personalize-optimizer: the retraining loop on this machine');
  const server = await startDevServer({ dataDir: path.join(dataDir, 'temporal'), progress: (l) => say(`  [temporal] ${l}`) });
  say(`• Temporal dev server ${server.owned ? 'started' : 'already running'} at ${server.address}; Web UI ${server.uiUrl}`);

  if (!fs.existsSync(path.join(dataDir, 'events'))) {
    const started = Date.now();
    const summary = await generatePinpointData({ dir: dataDir, seed: 7, endDate: yesterday(), days: 14, events: opts.events, malformed: 12 });
    say(`• generated demo data in ${formatMs(Date.now() - started)}: ${summary.events} Pinpoint events (${summary.recommendations} recommendations, ${summary.engagements} engagements) ${summary.firstDate} … ${summary.endDate}, ${summary.malformed} malformed lines`);
  } else {
    say(`• using the data in ${dataDir}`);
  }

  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const registry = buildRegistry(config, { phaseSearchAttribute: true, local: { minTrainingMs: 3000, deployMs: 1000 } });
  const worker = await createRetrainWorker({ config, connection: nativeConnection, registry, worker: { shutdownGraceTime: '5s' } });
  const workerRun = worker.run();
  say(`• worker polling task queue "${config.temporal.taskQueue}"`);

  const applied = await applySchedule(client, pipeline, config.temporal.taskQueue);
  say(`• daily schedule ${applied}: ${String(pipeline.schedule.hour).padStart(2, '0')}:${String(pipeline.schedule.minute).padStart(2, '0')} ${pipeline.schedule.timezone}`);

  let exitCode = 0;
  try {
    const rerun = `demo${Date.now().toString(36)}`;
    const handle = await startRun(client, { pipeline: pipeline.name, force: true, rerun }, config.temporal.taskQueue);
    say(`• run started: ${handle.workflowId}`);
    const started = Date.now();
    const result = await followRun(handle, (p: RetrainProgress) => say(`    ${formatMs(Date.now() - started).padStart(7)}  ${p.phase}${p.lastStatus ? `  ${p.lastStatus}` : ''}`));
    say();
    for (const line of formatSummary(result, { uiUrl: server.uiUrl, workflowId: handle.workflowId })) say(line);
    const recommender = registry.localRecommender(pipeline.name);
    const campaignArn = registry.settings(pipeline.name)!.campaignArn;
    if (recommender && result.campaignSolutionVersionArn) {
      const recs = await recommender.recommend(campaignArn, opts.user, 5);
      say(`  recommendations  for ${opts.user}: ${recs.itemList.map((i) => i.itemId).join(', ')}`);
      say(`                   (more with: npm run cli -- recommend --user ${opts.user})`);
    }
    if (result.outcome === 'FAILED') exitCode = 1;
  } catch (err) {
    exitCode = 1;
    if (err instanceof RunConflictError) say(`! ${err.message}`);
    else say(`! the run failed: ${(err as Error).message}`);
  }

  if (opts.keep) {
    say();
    say(`Server and worker keep running. Web UI: ${server.uiUrl}   Stop with Ctrl-C.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  worker.shutdown();
  await workerRun;
  await registry.close();
  await nativeConnection.close();
  await connection.close();
  await server.stop();
  process.exitCode = exitCode;
}

main().catch((err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exit(2);
});
