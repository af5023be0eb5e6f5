/**
 * Results that last, on the real local backends: run records feed the summary of a skipped run
 * (what the campaign serves), `status` (the model's age), `runs --json` / `runs --report`, and the
 * staleness watchdog, which alerts through the pipeline's webhook when the model is too old.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parse } from 'node-html-parser';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createLocalSetup, type LocalSetup } from '../e2e/local-setup';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { main, EXIT } from '../../client/cli';
import { StalenessWorkflow } from '../../workflows';
import type { RunHistoryRow } from '../../client/run-report';
import { removeScratchDirs } from '../helpers/scratch';

let env: TestWorkflowEnvironment;
let setup: LocalSetup;
let worker: Worker;
let running: Promise<void>;
const hooks: { outcome: string; reason: string; text: string }[] = [];
let hookServer: http.Server;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  const e = jest.spyOn(console, 'error').mockImplementation((m: string) => void err.push(m));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'cli', '--config', setup.configPath, ...args]);
    return { code, out: out.join(''), err: err.join('\n') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  const port = (hookServer.address() as { port: number }).port;
  env = await createDevServerEnv();
  setup = await createLocalSetup('history', {
    temporalAddress: env.address,
    extraYaml: `    notifications: { on: [FAILED], webhookUrl: "http://127.0.0.1:${port}/hook" }\n    staleness: { maxAgeDays: 2 }\n`,
  });
  worker = await createRetrainWorker({
    config: setup.config,
    connection: env.nativeConnection,
    registry: buildRegistry(setup.config, { local: { deployMs: 100 } }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  hookServer?.close();
  removeScratchDirs();
});

test('a second run of the same data is SKIPPED, and its summary names the model the campaign keeps serving', async () => {
  const first = await cli('run', '--run-date', setup.runDate);
  expect(first.code).toBe(EXIT.ok);
  const deployed = /campaign serves {2}(\S+) \(the new model\)/.exec(first.out)?.[1];
  expect(deployed).toMatch(/^arn:aws:personalize:local:000000000000:solution\/shop\//);

  const second = await cli('run', '--run-date', setup.runDate, '--rerun', 'r2');
  expect(second.code).toBe(EXIT.ok);
  expect(second.out).toMatch(/SKIPPED – nothing newer than the last trained run/);
  expect(second.out).toContain(`campaign serves  ${deployed} (unchanged; deployed by run shop-${setup.runDate})`);
  expect(second.out).not.toMatch(/nothing yet/);

  const status = await cli('status');
  expect(status.code).toBe(EXIT.ok);
  expect(status.out).toMatch(
    new RegExp(
      `model {12}${deployed!.replace(/[/.]/g, '\\$&')} trained \\d+ min ago by run shop-${setup.runDate}; last successful run \\d+ min ago\\n`
    )
  );
  expect(status.out).not.toMatch(/STALE/);
}, 120_000);

test('runs --json and runs --report: every recorded run, the HTML parsed', async () => {
  const json = await cli('runs', '--json');
  expect(json.code).toBe(EXIT.ok);
  const rows = JSON.parse(json.out) as RunHistoryRow[];
  expect(rows.map((r) => [r.runKey, r.outcome])).toEqual([
    [`shop-${setup.runDate}`, 'SUCCEEDED'],
    [`shop-${setup.runDate}-r2`, 'SKIPPED'],
  ]);
  expect(rows[0]!.candidate).toBeGreaterThan(rows[0]!.popularity!);
  expect(rows[0]!.rows).toBeGreaterThan(1000);

  const file = path.join(setup.dir, 'report.html');
  const report = await cli('runs', '--report', file);
  expect(report).toMatchObject({ code: EXIT.ok, out: `wrote ${file}: 2 runs of pipeline shop\n` });
  const doc = parse(fs.readFileSync(file, 'utf8'));
  const trs = doc.querySelectorAll('#runs tbody tr');
  expect(trs.map((tr) => tr.querySelectorAll('td')[2]!.text)).toEqual(['SUCCEEDED', 'SKIPPED']);
  expect(doc.querySelectorAll('svg circle[data-series="candidate"]')).toHaveLength(1);
}, 60_000);

test('the staleness watchdog: quiet while the model is fresh, one STALE alert on the webhook once it is not', async () => {
  const fresh = await env.client.workflow.execute(StalenessWorkflow, {
    taskQueue: setup.config.temporal.taskQueue,
    workflowId: 'staleness-fresh',
    args: [{ pipeline: 'shop', maxAgeDays: 2 }],
  });
  expect(fresh).toMatchObject({ stale: false, alerted: false, reasons: [] });
  expect(hooks).toHaveLength(0);

  // A limit of a few milliseconds makes the same model stale.
  const stale = await env.client.workflow.execute(StalenessWorkflow, {
    taskQueue: setup.config.temporal.taskQueue,
    workflowId: 'staleness-stale',
    args: [{ pipeline: 'shop', maxAgeDays: 1e-7 }],
  });
  expect(stale.stale).toBe(true);
  expect(stale.alerted).toBe(true);
  expect(hooks).toHaveLength(1);
  expect(hooks[0]!.outcome).toBe('STALE');
  expect(hooks[0]!.reason).toMatch(
    new RegExp(
      `^no run has SUCCEEDED for \\d+ min \\(the last was shop-${setup.runDate}\\); the limit is 1e-7 days; the deployed model is \\d+ min old`
    )
  );
  expect(hooks[0]!.text).toMatch(/^⏰ personalize-optimizer shop \d{4}-\d{2}-\d{2}: STALE – /);
}, 60_000);

test('schedule apply creates the staleness check next to the daily schedule; describe shows both', async () => {
  const applied = await cli('schedule', 'apply');
  expect(applied.out).toBe(
    'retrain-shop-daily: created\nretrain-shop-staleness: created (alerts when no fresh model for 2 days)\n'
  );
  const d = await env.client.schedule.getHandle('retrain-shop-staleness').describe();
  expect(d.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'StalenessWorkflow',
    args: [{ pipeline: 'shop', maxAgeDays: 2 }],
  });
  expect((await cli('schedule', 'describe')).out).toMatch(
    /\n {2}staleness {2}09:00 every day UTC: alerts when no run SUCCEEDED for 2 days \(retrain-shop-staleness\)\n/
  );
  // A trigger of the staleness schedule runs the real check through the worker.
  await env.client.schedule.getHandle('retrain-shop-staleness').trigger();
  const end = Date.now() + 30_000;
  let completed = 0;
  while (Date.now() < end && completed === 0) {
    for await (const wf of env.client.workflow.list({
      query: `WorkflowType = 'StalenessWorkflow' AND WorkflowId STARTS_WITH 'staleness-shop-' AND ExecutionStatus = 'Completed'`,
    }))
      completed += wf ? 1 : 0;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(completed).toBe(1);
}, 60_000);
