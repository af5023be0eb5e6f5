/**
 * The CLI's words and exit codes against a real dev server: a cancelled run is CANCELLED with exit
 * code 5 in `run`, `watch` and `status`; `trigger --force` and `backfill --force` train where a
 * plain backfill skips; a deleted schedule is "not found" by name for every command; and a server
 * that is not there is exit code 6 at once, with the address and what to do.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { sharedBundle } from '../helpers/workflow-bundle';
import { createFakeAws, HEALTHY_STATS, settingsFor } from '../fixtures/fake-aws';
import { main, EXIT } from '../../client/cli';
import { freePort } from '../../infra/temporal/net';
import type { RetrainResult } from '../../common/types';
import { statusQuery } from '../../workflows/defs';
import { findRunningRun } from '../../client/run';
import { applyStalenessSchedule } from '../../client/schedules';
import { loadConfig } from '../../common/config';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let dir: string;
const taskQueue = 'cli-messages';

function writeConfig(file: string, address: string): string {
  fs.writeFileSync(
    file,
    `temporal: { address: "${address}", taskQueue: ${taskQueue} }
pipelines:
  - name: shop
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/ }
    workPrefix: data/work/
    schedule: { hour: 2, minute: 0, jitter: 0s }
`
  );
  return file;
}

async function cli(config: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = jest.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'cli', '--config', config, ...args]);
    return { code, out: out.join(''), err: err.join('\n') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

let config: string;

beforeAll(async () => {
  env = await createDevServerEnv();
  dir = scratchDir('po-cli-');
  config = writeConfig(path.join(dir, 'config.yaml'), env.address);
  // The last trained run already covers these interactions: a plain run skips, a forced one trains.
  const settings = settingsFor('shop', {
    poll: { initial: '200ms', fraction: 0.2, max: '500ms' },
    exportEndpoints: false,
  });
  const fake = createFakeAws(
    async () => Date.now(),
    {
      stats: HEALTHY_STATS,
      lastRunMaxTimestamp: HEALTHY_STATS.maxTimestamp,
      queryOutcome: { status: 'SUCCEEDED', ms: 50 },
      importOutcome: { status: 'ACTIVE', ms: 50 },
      trainingOutcome: { status: 'ACTIVE', ms: 2500 },
      deployOutcome: { status: 'ACTIVE', ms: 50 },
    },
    settings
  );
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await sharedBundle(),
    activities: fake.activities,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  removeScratchDirs();
});

async function scheduledResults(): Promise<RetrainResult[]> {
  const out: RetrainResult[] = [];
  for await (const wf of env.client.workflow.list({
    query: `WorkflowId STARTS_WITH 'retrain-shop-scheduled' AND ExecutionStatus = 'Completed'`,
  })) {
    out.push((await env.client.workflow.getHandle(wf.workflowId, wf.runId).result()) as RetrainResult);
  }
  return out;
}

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('no server: exit code 6 within seconds, naming the address, with what to do', async () => {
  const port = await freePort();
  const noServer = writeConfig(path.join(dir, 'nowhere.yaml'), `127.0.0.1:${port}`);
  const started = Date.now();
  const r = await cli(noServer, 'runs');
  expect(Date.now() - started).toBeLessThan(5000);
  expect(r.code).toBe(EXIT.unreachable);
  expect(r.err).toMatch(new RegExp(`^cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(connection refused`));
  expect(r.err).toMatch(/npm start -- --keep/);
  expect(r.err).not.toMatch(/Failed to connect before the deadline/);
});

test('the worker, too, exits 6 at once when nothing listens at its address', async () => {
  const port = await freePort();
  const started = Date.now();
  const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve(__dirname, '../../worker/main.ts'),
        '--config',
        writeConfig(path.join(dir, 'worker.yaml'), `127.0.0.1:${port}`),
        '--health-port',
        '0',
        '--metrics-port',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => resolve({ code, err }));
  });
  expect(r.code).toBe(6);
  expect(r.err).toMatch(new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(connection refused`));
  expect(Date.now() - started).toBeLessThan(30_000);
}, 60_000);

test('a silent address (accepts nothing, answers nothing) is unreachable too, within the probe time', async () => {
  // A listener that never completes the gRPC handshake.
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const started = Date.now();
    const r = await cli(writeConfig(path.join(dir, 'silent.yaml'), `127.0.0.1:${port}`), 'schedule', 'describe');
    expect(r.code).toBe(EXIT.unreachable);
    expect(r.err).toMatch(new RegExp(`cannot reach Temporal at 127\\.0\\.0\\.1:${port}`));
    expect(Date.now() - started).toBeLessThan(9000);
  } finally {
    sockets.forEach((s) => s.destroy());
    server.close();
  }
});

test('trigger and backfill: plain runs of trained-on data skip; --force trains them', async () => {
  expect((await cli(config, 'schedule', 'apply')).code).toBe(EXIT.ok);
  const plain = await cli(config, 'schedule', 'backfill', '--from', '2026-11-10', '--to', '2026-11-10');
  expect(plain.code).toBe(EXIT.ok);
  expect(plain.out).toMatch(/--force trains them anyway/);
  let results = await waitFor(scheduledResults, (r) => r.length >= 1);
  expect(results.map((r) => [r.runDate, r.outcome])).toEqual([['2026-11-10', 'SKIPPED']]);

  const forced = await cli(config, 'schedule', 'backfill', '--from', '2026-11-11', '--to', '2026-11-12', '--force');
  expect(forced.code).toBe(EXIT.ok);
  expect(forced.out).toContain(
    'retrain-shop-forced: backfill of run dates 2026-11-11 … 2026-11-12 requested (overlap BUFFER_ALL, forced)'
  );
  results = await waitFor(scheduledResults, (r) => r.length >= 3, 90_000);
  const byDate = Object.fromEntries(results.map((r) => [r.runDate, r.outcome]));
  expect(byDate).toEqual({ '2026-11-10': 'SKIPPED', '2026-11-11': 'SUCCEEDED', '2026-11-12': 'SUCCEEDED' });

  const trigger = await cli(config, 'schedule', 'trigger', '--force');
  expect(trigger.code).toBe(EXIT.ok);
  expect(trigger.out).toMatch(/retrain-shop-forced triggered \(overlap SKIP, forced/);
  // While that run goes, a second forced trigger is refused like an ad hoc run (its schedule cannot see the other runs).
  await waitFor(
    () => findRunningRun(env.client, 'shop'),
    (id) => id !== undefined,
    15_000
  );
  const again = await cli(config, 'schedule', 'trigger', '--force');
  expect(again.code).toBe(EXIT.conflict);
  // The forced run does its work under the pipeline's lock id.
  expect(again.err).toMatch(/already has a run going: retrain-shop;/);
  results = await waitFor(scheduledResults, (r) => r.length >= 4, 60_000);
  expect(results.filter((r) => r.outcome === 'SUCCEEDED')).toHaveLength(3);
  // The forced schedule never runs on its own.
  const forcedSchedule = await env.client.schedule.getHandle('retrain-shop-forced').describe();
  expect(forcedSchedule.state.paused).toBe(true);
}, 180_000);

test('a cancelled run: run, watch and status say CANCELLED and exit 5', async () => {
  const started = await cli(config, 'run', '--run-date', '2026-11-20', '--force', '--no-wait');
  expect(started.code).toBe(EXIT.ok);
  const handle = env.client.workflow.getHandle('retrain-shop');
  await waitFor(
    () => handle.query(statusQuery).catch(() => undefined),
    (s) => s?.phase === 'TRAIN',
    30_000
  );
  // Cancelled from elsewhere while `watch` follows (one CLI at a time here: each captures stdout).
  const watching = cli(config, 'watch');
  await new Promise((r) => setTimeout(r, 500));
  await handle.cancel();
  const watched = await watching;
  expect(watched.code).toBe(EXIT.cancelled);
  expect(watched.out).toMatch(/CANCELLED/);
  expect(watched.out).not.toMatch(/without a result/);
  const status = await cli(config, 'status', 'retrain-shop');
  expect(status.code).toBe(EXIT.cancelled);
  expect(status.out).toMatch(/^retrain-shop: CANCELLED\n {2}Run .*: CANCELLED/);
  const runs = await cli(config, 'runs', '--pipeline', 'shop', '--limit', '1');
  expect(runs.out).toMatch(/CANCELLED\s+retrain-shop/);
  // `cancel` itself, and `run` following a run that gets cancelled.
  const followed = cli(config, 'run', '--run-date', '2026-11-21', '--force');
  await waitFor(
    () => handle.query(statusQuery).catch(() => undefined),
    (x) => x?.runDate === '2026-11-21' && x.phase === 'TRAIN',
    30_000
  );
  await env.client.workflow.getHandle('retrain-shop').cancel();
  const run = await followed;
  expect(run.code).toBe(EXIT.cancelled);
  expect(run.out).toMatch(/CANCELLED/);
  const nothing = await cli(config, 'cancel');
  expect(nothing).toMatchObject({ code: EXIT.notFound, err: 'pipeline "shop" has no run going' });
}, 60_000);

test('after schedule delete, every schedule command is "not found" by name (exit 4)', async () => {
  expect((await cli(config, 'schedule', 'apply')).code).toBe(EXIT.ok);
  const deleted = await cli(config, 'schedule', 'delete');
  expect(deleted.code).toBe(EXIT.ok);
  // The forced schedule exists when an earlier test of this file triggered with --force.
  expect(deleted.out).toMatch(/^retrain-shop-daily deleted, and (retrain-shop-forced, )?retrain-shop-staleness\n$/);
  for (const args of [
    ['schedule', 'describe'],
    ['schedule', 'trigger'],
    ['schedule', 'trigger', '--force'],
    ['schedule', 'delete'],
    ['schedule', 'pause'],
    ['schedule', 'backfill', '--from', 'yesterday', '--to', 'yesterday'],
  ]) {
    const r = await cli(config, ...args);
    expect({ args, code: r.code }).toEqual({ args, code: EXIT.notFound });
    expect(r.err).toBe(
      'schedule retrain-shop-daily not found: it was deleted or never created; "schedule apply" creates it'
    );
  }
  // A staleness check left without its daily schedule is still removed by delete.
  await applyStalenessSchedule(env.client, loadConfig(config).pipelines[0]!, taskQueue);
  const partial = await cli(config, 'schedule', 'delete');
  expect(partial).toMatchObject({
    code: EXIT.ok,
    out: 'retrain-shop-daily did not exist; deleted retrain-shop-staleness\n',
  });
}, 60_000);
