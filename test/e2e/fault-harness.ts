/**
 * Fault injection for RetrainWorkflow on a real dev server with the embedded backends: a worker
 * process is SIGKILLed while a chosen activity is in flight (or while a training runs, or the dev
 * server itself is killed), a fresh worker takes over, and the run is followed to its end. It
 * reports what a real account would be billed for, counted in the local recommender's own state,
 * and how long the run took from the kill to entering its next phase.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Phase, RetrainResult } from '../../common/types';
import { LocalRecommender, localArns } from '../../activities/local/recommender';
import { RetrainWorkflow } from '../../workflows';
import { statusQuery } from '../../workflows/defs';
import { createLocalSetup, type LocalSetup, type SetupSize } from './local-setup';
import type { KillableDevServer } from '../helpers/dev-server-process';
import { sharedBundlePath } from '../helpers/workflow-bundle';

export interface KillPoint {
  /** Names the point in test titles and figures. */
  name: string;
  /** Kill the worker while this activity is running (it is held for `holdMs` first)… */
  activity?: string;
  /** …or while the local training runs, or kill the dev server while it does. */
  during?: 'training' | 'training-server';
  /** The phase whose start ends the recovery. */
  next: Phase;
}

export const KILL_POINTS: KillPoint[] = [
  { name: 'EXPORT', activity: 'startEndpointExport', next: 'QUERY' },
  { name: 'QUERY', activity: 'startInteractionsQuery', next: 'DECIDE' },
  { name: 'prepareInteractions', activity: 'prepareInteractions', next: 'DECIDE' },
  { name: 'DECIDE', activity: 'readLastRun', next: 'IMPORT' },
  { name: 'IMPORT', activity: 'startDatasetImport', next: 'TRAIN' },
  { name: 'TRAIN', activity: 'startSolutionVersion', next: 'EVALUATE' },
  { name: 'TRAIN-running', during: 'training', next: 'EVALUATE' },
  { name: 'EVALUATE', activity: 'getSolutionMetrics', next: 'DEPLOY' },
  { name: 'DEPLOY', activity: 'updateCampaign', next: 'RECORD' },
  { name: 'RECORD', activity: 'recordRun', next: 'DONE' },
  { name: 'dev-server-TRAIN', during: 'training-server', next: 'EVALUATE' },
];

export interface FaultOutcome {
  result: RetrainResult;
  counts: { imports: number; solutionVersions: number; campaignUpdates: number };
  /** Kill → the next phase entered (ms). */
  recoveryMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run's workflow bundle (test/helpers/workflow-bundle.ts), so every worker process starts in about a second. */
export async function prebuiltBundle(dir: string): Promise<string> {
  return sharedBundlePath(dir);
}

export function startWorkerProcess(
  setup: LocalSetup,
  address: string,
  env: Record<string, string>
): Promise<ChildProcess> {
  // Node itself runs the worker (tsx as a loader, no wrapper process), so SIGKILL really kills it.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'worker-process.ts'), setup.configPath, address],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker process did not get ready within 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('worker ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

export interface FaultRunOptions {
  server: KillableDevServer;
  bundlePath: string;
  point: KillPoint;
  /** How long the chosen activity is held on the first worker (it is killed within that). */
  holdMs?: number;
  /** Local training lasts at least this long. */
  minTrainingMs?: number;
  /** Give up waiting for the run after this long. */
  timeoutMs: number;
  log?: (line: string) => void;
  /** The data and poll of the run (test/e2e/local-setup.ts); `full` by default, what the recovery benchmark measures. */
  size?: SetupSize;
}

export async function runWithFault(opts: FaultRunOptions): Promise<FaultOutcome> {
  const { server, point } = opts;
  const log = opts.log ?? (() => undefined);
  const setup = await createLocalSetup(`fault-${point.name.toLowerCase()}`, { temporalAddress: server.address, size: opts.size ?? 'full' });
  const workerEnv = { WORKFLOW_BUNDLE_PATH: opts.bundlePath, MIN_TRAINING_MS: String(opts.minTrainingMs ?? 6000) };
  let connection = await Connection.connect({ address: server.address });
  let client = new Client({ connection });
  const workers: ChildProcess[] = [];
  try {
    workers.push(
      await startWorkerProcess(setup, server.address, {
        ...workerEnv,
        SLOW_ACTIVITY: point.activity ?? '',
        SLOW_ACTIVITY_MS: String(opts.holdMs ?? 120_000),
      })
    );
    const workflowId = `fault-${point.name.toLowerCase()}-${Date.now()}`;
    const handle = await client.workflow.start(RetrainWorkflow, {
      taskQueue: setup.config.temporal.taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: setup.runDate }],
    });

    await reached(handle, point, 120_000);

    const killedAt = Date.now();
    if (point.during === 'training-server') {
      await server.kill();
      log(`${point.name}: dev server killed`);
      await server.restart();
      await connection.close().catch(() => undefined);
      connection = await Connection.connect({ address: server.address });
      client = new Client({ connection });
    } else {
      await stopProcess(workers[0]!, 'SIGKILL');
      log(`${point.name}: worker killed (${workers[0]!.signalCode})`);
      workers.push(await startWorkerProcess(setup, server.address, workerEnv));
    }

    const result = await Promise.race([
      client.workflow.getHandle<typeof RetrainWorkflow>(workflowId).result(),
      sleep(opts.timeoutMs).then(() => {
        throw new Error(`${point.name}: the run did not end within ${opts.timeoutMs} ms of the kill`);
      }),
    ]);
    const description = await client.workflow.getHandle(workflowId).describe();
    const nextAt =
      point.next === 'DONE'
        ? (description.closeTime?.getTime() ?? NaN)
        : Date.parse(
            result.timings.find((t) => t.phase === point.next && Date.parse(t.startedAt) >= killedAt - 1000)
              ?.startedAt ?? 'x'
          );
    const stateDir = path.join(setup.config.local.dataDir, 'state', 'shop');
    const recommender = new LocalRecommender({ stateDir });
    const counts = {
      ...recommender.counts(),
      campaignUpdates: recommender.campaignUpdates(localArns('shop').campaignArn).length,
    };
    return { result, counts, recoveryMs: nextAt - killedAt };
  } finally {
    for (const w of workers) await stopProcess(w, 'SIGTERM');
    await connection.close().catch(() => undefined);
    fs.rmSync(setup.dir, { recursive: true, force: true });
  }
}

/** Waits until the run is at `point`: its activity started on a worker, or its training running. */
async function reached(
  handle: WorkflowHandle<typeof RetrainWorkflow>,
  point: KillPoint,
  timeoutMs: number
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > end) throw new Error(`the run never reached the kill point ${point.name} within ${timeoutMs} ms`);
    if (point.activity) {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      // State 2 = STARTED: a worker holds the attempt.
      if (pending.some((a) => a.activityType?.name === point.activity && Number(a.state) === 2)) return;
    } else {
      const s = await handle.query(statusQuery).catch(() => undefined);
      if (s?.phase === 'TRAIN' && s.lastStatus === 'CREATE IN_PROGRESS') return;
    }
    await sleep(100);
  }
}

export interface SequentialOutcome extends Omit<FaultOutcome, 'recoveryMs'> {
  /** Per kill point: kill → the run at the next point (or, after the last, done). */
  recoveryMs: Record<string, number>;
}

/**
 * One run, the worker killed at every point in turn: each new worker holds the next point's
 * activity, so the run is killed again there. The harshest case, and one run's worth of time.
 */
export async function runWithKillsAtEveryPoint(opts: {
  server: KillableDevServer;
  bundlePath: string;
  points: KillPoint[];
  timeoutMs: number;
  log?: (line: string) => void;
}): Promise<SequentialOutcome> {
  const { server, points } = opts;
  const log = opts.log ?? (() => undefined);
  const setup = await createLocalSetup('fault-every-point', { temporalAddress: server.address });
  const workerEnv = { WORKFLOW_BUNDLE_PATH: opts.bundlePath, MIN_TRAINING_MS: '6000' };
  const holding = (p: KillPoint | undefined) => ({
    ...workerEnv,
    SLOW_ACTIVITY: p?.activity ?? '',
    SLOW_ACTIVITY_MS: '120000',
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const workers: ChildProcess[] = [];
  try {
    workers.push(await startWorkerProcess(setup, server.address, holding(points[0])));
    const workflowId = `fault-every-point-${Date.now()}`;
    const handle = await client.workflow.start(RetrainWorkflow, {
      taskQueue: setup.config.temporal.taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: setup.runDate }],
    });
    const recoveryMs: Record<string, number> = {};
    let killedAt = 0;
    for (const [i, point] of points.entries()) {
      await reached(handle, point, i === 0 ? 120_000 : opts.timeoutMs);
      if (i > 0) recoveryMs[points[i - 1]!.name] = Date.now() - killedAt;
      killedAt = Date.now();
      await stopProcess(workers.at(-1)!, 'SIGKILL');
      log(`${point.name}: worker killed (${workers.at(-1)!.signalCode})`);
      workers.push(await startWorkerProcess(setup, server.address, holding(points[i + 1])));
    }
    const result = await Promise.race([
      handle.result(),
      sleep(opts.timeoutMs).then(() => {
        throw new Error(`the run did not end within ${opts.timeoutMs} ms of the last kill`);
      }),
    ]);
    const closed = (await handle.describe()).closeTime?.getTime() ?? NaN;
    recoveryMs[points.at(-1)!.name] = closed - killedAt;
    const recommender = new LocalRecommender({ stateDir: path.join(setup.config.local.dataDir, 'state', 'shop') });
    const counts = {
      ...recommender.counts(),
      campaignUpdates: recommender.campaignUpdates(localArns('shop').campaignArn).length,
    };
    return { result, counts, recoveryMs };
  } finally {
    for (const w of workers) await stopProcess(w, 'SIGTERM');
    await connection.close().catch(() => undefined);
    fs.rmSync(setup.dir, { recursive: true, force: true });
  }
}

export function scratchDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `po-${name}-`));
}
