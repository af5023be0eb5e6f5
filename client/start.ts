/**
 * `npm start`: the whole loop on this machine. Starts the Temporal dev server (Web UI on) and a
 * worker on the embedded backends, generates demo data when there is none, applies the daily
 * schedule and the staleness check, runs one retrain now (or follows the one an interrupted start
 * left going), shows its phases live and prints the run summary.
 *
 * With --keep, server and worker stay up for the schedule and the UI. SIGINT (Ctrl-C), SIGTERM and
 * SIGHUP stop them in order – the worker first, then the server – and the command exits with its
 * run's code; a second signal stops at once. A second start continues from the stored state:
 * schedule, campaign and history persist, and the new model is compared with the deployed one.
 *
 * Exit codes: 0 the run SUCCEEDED or SKIPPED · 1 it failed or was rejected · 2 config error ·
 * 3 the server's ports are taken · 5 the run was cancelled · 128 + signal when stopped mid-run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { generatePinpointData } from '../activities/local/generator/pinpoint';
import { fileUriToPath } from '../activities/local/files';
import { ConfigError, loadConfig, type Config, type PipelineConfig } from '../common/config';
import type { RetrainProgress, RetrainResult } from '../common/types';
import { buildRegistry, type Registry } from '../worker/backends';
import { createRetrainWorker } from '../worker/create-worker';
import { formatMs } from '../workflows/duration';
import { retrainScheduleId } from '../workflows/defs';
import { PortTakenError, startDevServer, type DevServer } from './dev-server';
import { findRunningRun, followRun, startRun } from './run';
import { exitCodeOf, runEndOf, type RunEnd } from './run-end';
import { applySchedule, applyStalenessSchedule, stalenessScheduleId } from './schedules';
import { applyRealtimeSweepSchedule } from './realtime-schedule';
import { localLogRoot } from '../worker/realtime-backend';
import { realtimeSweepScheduleId } from '../workflows/defs';
import { quietTemporalRuntime } from './runtime';
import { formatRunEnd } from './summary';
import { plural } from './text';

const say = (line = '') => process.stdout.write(`${line}\n`);

const SIGNAL_CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

function yesterday(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

const hhmm = (h: number, m: number) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;

/** A path as a person would type it: relative to the current directory when inside it. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

/**
 * The rerun suffix of this start's run: `start1`, `start2`, … for the npm start runs of one date,
 * so each trains anew instead of adopting an earlier run's import and training (same names).
 */
export function nextStartSuffix(existingRecordNames: string[], pipeline: string, runDate: string): string {
  const re = new RegExp(`^${pipeline}-${runDate}-start(\\d+)\\.json$`);
  const used = existingRecordNames
    .map((n) => re.exec(n)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
  return `start${used.length ? Math.max(...used) + 1 : 1}`;
}

/**
 * The first SIGINT/SIGTERM/SIGHUP asks for an orderly stop; a second one stops at once. One Ctrl-C
 * can arrive twice within milliseconds (the terminal signals the whole group, and tsx relays it to
 * its child again), so a repeat within REPEAT_MS is the same request.
 */
const REPEAT_MS = 2000;

class StopRequest {
  signal?: NodeJS.Signals;
  private at = 0;
  readonly requested: Promise<NodeJS.Signals>;
  private onForce: () => void = () => undefined;
  constructor() {
    let resolve!: (s: NodeJS.Signals) => void;
    this.requested = new Promise((r) => (resolve = r));
    const handler = (sig: NodeJS.Signals) => {
      if (this.signal && Date.now() - this.at < REPEAT_MS) return;
      if (this.signal) {
        say(`\n! ${sig} again: stopping at once`);
        this.onForce();
        process.exit(SIGNAL_CODES[sig] ?? 1);
      }
      this.signal = sig;
      this.at = Date.now();
      resolve(sig);
    };
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, handler);
  }
  forceWith(fn: () => void): void {
    this.onForce = fn;
  }
}

interface Running {
  /** Aborted on the first signal: no further step of the demo starts. */
  abort: AbortController;
  server?: DevServer;
  worker?: Worker;
  workerRun?: Promise<void>;
  registry?: Registry;
  nativeConnection?: NativeConnection;
  connection?: Connection;
}

/**
 * Worker first (it drains its activities), then the connections, then the server. A run still
 * being followed keeps the client connection open until the process exits: closing it under the
 * follow loop's calls would make their retries throw.
 */
async function stopAll(r: Running, following: boolean): Promise<void> {
  r.abort.abort();
  if (r.worker && r.worker.getState() === 'RUNNING') r.worker.shutdown();
  await Promise.race([r.workerRun?.catch(() => undefined), new Promise((res) => setTimeout(res, 15_000))]);
  await r.registry?.close().catch(() => undefined);
  await r.nativeConnection?.close().catch(() => undefined);
  if (!following) await r.connection?.close().catch(() => undefined);
  if (r.server?.owned) await r.server.stop();
}

async function runDemo(
  opts: { keep: boolean; user: string; events: number },
  config: Config,
  pipeline: PipelineConfig,
  r: Running
): Promise<RunEnd> {
  const server = r.server!;
  const dataDir = config.local.dataDir;
  const taskQueue = config.temporal.taskQueue;
  if (!fs.existsSync(path.join(dataDir, 'events'))) {
    const started = Date.now();
    const summary = await generatePinpointData({
      dir: dataDir,
      seed: 7,
      endDate: yesterday(),
      days: 14,
      events: opts.events,
      malformed: 12,
    });
    say(
      `• generated demo data in ${formatMs(Date.now() - started)} under ${shown(dataDir)}: ${plural(summary.events, 'Pinpoint event')} ` +
        `(${plural(summary.recommendations, 'recommendation')}, ${plural(summary.engagements, 'engagement')}) ${summary.firstDate} … ${summary.endDate}, ${plural(summary.malformed, 'malformed line')}`
    );
  } else {
    say(`• using the data in ${shown(dataDir)}`);
  }

  const step = () => {
    if (r.abort.signal.aborted) throw new Error('stopped');
  };
  step();
  r.connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: r.connection, namespace: 'default' });
  r.nativeConnection = await NativeConnection.connect({ address: server.address });
  const notifications = path.join(dataDir, 'notifications.log');
  r.registry = buildRegistry(config, {
    phaseSearchAttribute: true,
    local: { minTrainingMs: 3000, deployMs: 1000 },
    // Run notifications go to a file: the terminal shows the summary instead of a JSON line.
    notificationLog: (line, fields) =>
      fs.appendFileSync(notifications, `${JSON.stringify({ time: new Date().toISOString(), msg: line, ...fields })}\n`),
  });
  const worker = await createRetrainWorker({
    config,
    connection: r.nativeConnection,
    registry: r.registry,
    worker: { shutdownGraceTime: '5s' },
  });
  step();
  r.worker = worker;
  r.workerRun = worker.run();
  say(`• worker polling task queue "${taskQueue}" (run notifications are logged to ${shown(notifications)})`);

  const applied = await applySchedule(client, pipeline, taskQueue);
  const staleness = await applyStalenessSchedule(client, pipeline, taskQueue);
  say(
    `• daily schedule ${retrainScheduleId(pipeline.name)} ${applied}: ${hhmm(pipeline.schedule.hour, pipeline.schedule.minute)} ${pipeline.schedule.timezone}`
  );
  if (pipeline.realtime) {
    const sweep = await applyRealtimeSweepSchedule(client, pipeline, taskQueue);
    say(`  real-time sweep ${realtimeSweepScheduleId(pipeline.name)} ${sweep}; \`npm run gateway\` accepts events (write key ${pipeline.realtime.writeKeys[0]}) into ${shown(localLogRoot(config, pipeline))}`);
  }
  if (staleness !== 'off' && staleness !== 'deleted') {
    say(
      `  staleness check ${stalenessScheduleId(pipeline.name)} ${staleness}: ${hhmm(pipeline.staleness.hour, pipeline.staleness.minute)} ${pipeline.schedule.timezone}, alerts when no fresh model for ${plural(pipeline.staleness.maxAgeDays, 'day')}`
    );
  }

  step();
  const going = await findRunningRun(client, pipeline.name);
  const handle = going
    ? client.workflow.getHandle(going)
    : await (async () => {
        const runDate = yesterday();
        const recordsDir = fileUriToPath(`${pipeline.workPrefix}runs/`);
        const names = fs.existsSync(recordsDir) ? fs.readdirSync(recordsDir) : [];
        const rerun = nextStartSuffix(names, pipeline.name, runDate);
        const h = await startRun(client, { pipeline: pipeline.name, runDate, force: true, rerun }, taskQueue);
        say(
          `• run ${h.workflowId} started: run date ${runDate} (yesterday: the last day of events it reads), run key ${pipeline.name}-${runDate}-${rerun}`
        );
        say(
          `  ("-${rerun}" numbers the npm start runs of a date, so each trains anew instead of adopting an earlier run's jobs)`
        );
        return h;
      })();
  if (going) say(`• run ${going} is still going from an earlier start: following it`);

  const started = Date.now();
  step();
  const settled = await followRun(handle, (p: RetrainProgress) => {
    if (p.phase !== 'STARTING')
      say(`    ${formatMs(Date.now() - started).padStart(7)}  ${p.phase}${p.lastStatus ? `  ${p.lastStatus}` : ''}`);
  }).then(
    (result: RetrainResult) => ({ result }),
    (error: unknown) => ({ error })
  );
  step();
  const end = runEndOf(settled);
  const result = end.kind === 'result' || end.kind === 'cancelled' ? end.result : undefined;
  const recommender = r.registry.localRecommender(pipeline.name);
  const campaignArn = r.registry.settings(pipeline.name)!.campaignArn;
  const serving = recommender ? (await recommender.describeCampaign(campaignArn)).solutionVersionArn : undefined;
  say();
  const lines = formatRunEnd(end, handle.workflowId, {
    uiUrl: server.uiUrl,
    uiStopped: !opts.keep && server.owned,
    servingNow: serving === undefined ? undefined : { arn: serving },
    recordUri: result ? shown(fileUriToPath(`${pipeline.workPrefix}runs/${result.runKey}.json`)) : undefined,
  });
  // The Web UI line last: it is what a person opens next.
  const ui = lines.findIndex((l) => l.startsWith('  Web UI'));
  const body = ui >= 0 ? lines.slice(0, ui) : lines;
  body.forEach((l) => say(l));
  if (recommender && serving) {
    const recs = await recommender.recommend(campaignArn, opts.user, 5);
    const known = await recommender.knowsUser(campaignArn, opts.user);
    say(
      `  recommendations  for ${opts.user}: ${recs.itemList.map((i) => i.itemId).join(', ')}${known ? '' : ' (popularity fallback: a user the model has not seen)'}`
    );
    say(`                   (more with: npx personalize-optimizer recommend --user ${opts.user})`);
  }
  if (ui >= 0) lines.slice(ui).forEach((l) => say(l));
  return end;
}

async function main(): Promise<number> {
  const program = new Command('start')
    .description('Run the whole retraining loop on this machine (Temporal dev server + local backends)')
    .option('-c, --config <file>', 'config file', 'config/local.yaml')
    .option('--keep', 'keep the server and worker running for the schedule and the Web UI (Ctrl-C stops both)', false)
    .option('--user <id>', 'whose recommendations to show afterwards', 'user-00001')
    .option('--events <n>', 'demo events to generate when there is no data', (v) => Number(v), 100_000)
    .option('--port <port>', 'the dev server’s gRPC port', (v) => Number(v), 7233)
    .option('--ui-port <port>', 'the dev server’s Web UI port', (v) => Number(v), 8233)
    .parse();
  const opts = program.opts<{
    config: string;
    keep: boolean;
    user: string;
    events: number;
    port: number;
    uiPort: number;
  }>();

  let config: Config;
  try {
    config = loadConfig(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const pipeline = config.pipelines.find((p) => p.backend === 'local');
  if (!pipeline) {
    console.error(`${opts.config} has no pipeline with backend: local to run on this machine`);
    return 2;
  }
  const dataDir = config.local.dataDir;
  quietTemporalRuntime('ERROR', { handleSignals: false });
  const stop = new StopRequest();
  const running: Running = { abort: new AbortController() };

  say('personalize-optimizer: the retraining loop on this machine');
  try {
    running.server = await startDevServer({
      dataDir: path.join(dataDir, 'temporal'),
      port: opts.port,
      uiPort: opts.uiPort,
      progress: (l) => say(`  [temporal] ${l}`),
    });
  } catch (err) {
    console.error(`! ${(err as Error).message}`);
    return err instanceof PortTakenError ? 3 : 1;
  }
  const server = running.server;
  stop.forceWith(() => server.kill());
  say(
    `• Temporal dev server ${server.owned ? 'started' : 'already running'} at ${server.address}; Web UI ${server.uiUrl}; state in ${shown(path.join(dataDir, 'temporal'))}`
  );
  server.notes.forEach((n) => say(`  (${n})`));

  let exitCode: number;
  const demo = runDemo(opts, config, pipeline, running);
  demo.catch(() => undefined); // when a signal wins the race below, the demo's last calls fail as things stop
  const first = await Promise.race([
    demo.then(
      (end) => ({ end }),
      (error: unknown) => ({ error })
    ),
    stop.requested.then((signal) => ({ signal })),
  ]);
  if ('signal' in first) {
    say(
      `\n! ${first.signal}: stopping before the run ended; the run goes on the next time a worker runs (npm start follows it)`
    );
    exitCode = SIGNAL_CODES[first.signal] ?? 1;
    running.abort.abort();
  } else if ('error' in first) {
    console.error(`! ${(first.error as Error).message ?? String(first.error)}`);
    exitCode = 1;
  } else {
    exitCode = exitCodeOf(first.end);
    if (opts.keep) {
      say();
      say(
        `Server and worker keep running: Web UI ${server.uiUrl}, gRPC ${server.address}, schedule ${retrainScheduleId(pipeline.name)}.`
      );
      say(
        `In another terminal: npx personalize-optimizer status | runs | schedule describe  (README: "Try it on the dev server").`
      );
      say(`Stop with Ctrl-C (or kill -TERM ${process.pid}): the worker stops first, then the server.`);
      const signal = await stop.requested;
      say(`\n${signal}: stopping`);
    }
  }

  await stopAll(running, 'signal' in first);
  if (server.owned)
    say(`• stopped the worker and the Temporal dev server (${server.address} and ${server.uiUrl} are free)`);
  else say(`• stopped the worker; the Temporal dev server stays up with the npm start that owns it`);
  if (!opts.keep && 'end' in first) say(`  npm start -- --keep keeps them running for the schedule and the Web UI`);
  return exitCode;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error((err as Error).message ?? err);
      process.exit(1);
    }
  );
}
