/** Runs RetrainWorkflow against the scripted AWS fake on a time-skipping server, one task queue per run. */
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { sharedBundle } from '../helpers/workflow-bundle';
import { createFakeAws, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { RetrainWorkflow } from '../../workflows';
import type { PipelineSettings, RetrainInput, RetrainResult } from '../../common/types';

export interface ScenarioRun {
  result?: RetrainResult;
  error?: unknown;
  fake: ReturnType<typeof createFakeAws>;
  workflowId: string;
  firstRunId: string;
}

export interface ScenarioOptions {
  settings?: Partial<PipelineSettings>;
  input?: Partial<RetrainInput>;
  /** Reuse the fake of an earlier run (same "account"). */
  fake?: ReturnType<typeof createFakeAws>;
  during?: (workflowId: string) => Promise<void>;
}

export async function runScenario(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  scenario: Scenario,
  opts: ScenarioOptions = {}
): Promise<ScenarioRun> {
  const settings = settingsFor('shop', opts.settings);
  const fake = opts.fake ?? createFakeAws(() => env.currentTimeMs(), scenario, settings);
  const taskQueue = `retrain-${Math.random().toString(36).slice(2)}`;
  const workflowId = `${taskQueue}-wf`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: fake.activities,
  });
  let run: ScenarioRun | undefined;
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(RetrainWorkflow, {
      taskQueue,
      workflowId,
      args: [{ pipeline: 'shop', runDate: '2026-11-23', ...opts.input }],
    });
    run = { fake, workflowId, firstRunId: handle.firstExecutionRunId };
    if (opts.during) await opts.during(workflowId);
    try {
      run.result = await handle.result();
    } catch (err) {
      run.error = err;
    }
  });
  return run!;
}

export const quietLogger = { warn() {}, info() {}, debug() {}, error() {}, log() {}, trace() {} };

/** What a suite of scenarios runs on: one time-skipping server and one workflow bundle, made in its beforeAll. */
export async function startScenarioSuite(): Promise<{ env: TestWorkflowEnvironment; bundle: WorkflowBundleWithSourceMap }> {
  const env = await createTimeSkippingEnv();
  const bundle = await sharedBundle();
  return { env, bundle };
}
