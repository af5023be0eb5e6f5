/**
 * The production worker (worker/main.ts) as its own process on the dev server: SIGTERM during a run
 * drains it without failing any activity, the next worker finishes the run, its metrics endpoint
 * counts the run; and a failed run reaches a webhook on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createLocalSetup } from '../e2e/local-setup';
import { freePort } from '../../infra/temporal/net';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
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

async function startWorker(configPath: string, healthPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../worker/main.ts'), '--config', configPath, '--metrics-port', '0', '--health-port', String(healthPort), '--shutdown-grace', '20s'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const end = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${healthPort}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}`);
    if (Date.now() > end) throw new Error('worker did not become healthy');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('SIGTERM mid-run: the worker drains and exits 0, no activity fails, the next worker finishes the run and counts it', async () => {
  const setup = await createLocalSetup('sigterm', { temporalAddress: env.address, local: 'minTraining: 8s' });
  const first = await startWorker(setup.configPath, await freePort());
  const handle = await env.client.workflow.start(RetrainWorkflow, {
    taskQueue: setup.config.temporal.taskQueue,
    workflowId: 'sigterm-run',
    args: [{ pipeline: 'shop', runDate: setup.runDate }],
  });
  for (;;) {
    const s = await handle.query(statusQuery).catch(() => undefined);
    if (s?.phase === 'TRAIN') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  first.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => first.once('exit', (c) => r(c)));
  expect(code).toBe(0);

  const healthPort = await freePort();
  const second = await startWorker(setup.configPath, healthPort);
  try {
    const result = await handle.result();
    expect(result.outcome).toBe('SUCCEEDED');
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(/personalize_optimizer_runs_total\{pipeline="shop",outcome="SUCCEEDED"\} 1/);
  } finally {
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }
  const history = await handle.fetchHistory();
  const failed = history.events!.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes);
  expect(failed).toHaveLength(0);
}, 120_000);

test('a failed run notifies the webhook', async () => {
  const bodies: { outcome: string; text: string }[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    // No endpoint export on disk: the export step fails, and so does the run.
    const setup = await createLocalSetup('webhook', {
      withoutExport: true,
      extraYaml: `    notifications: { on: [FAILED], webhookUrl: "http://127.0.0.1:${port}/hook" }\n`,
    });
    const worker = await createRetrainWorker({ config: setup.config, connection: env.nativeConnection, registry: buildRegistry(setup.config) });
    const err = await worker
      .runUntil(env.client.workflow.execute(RetrainWorkflow, { taskQueue: setup.config.temporal.taskQueue, workflowId: 'webhook-run', args: [{ pipeline: 'shop', runDate: setup.runDate }] }))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.outcome).toBe('FAILED');
    expect(bodies[0]!.text).toMatch(/EXPORT failed: endpoint export ended FAILED: .*no endpoint export/);
  } finally {
    server.close();
  }
});
