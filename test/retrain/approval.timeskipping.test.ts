/**
 * Approval between the gate and DEPLOY (gate.approval), on the real time-skipping server with the
 * scripted AWS fake: the run waits in AWAITING_APPROVAL (status query, memo, Web UI details) for the
 * `decide` update; approved it deploys, denied it ends REJECTED with the note, with no decision by
 * the deadline the default applies; the update is refused while nothing awaits a decision and once
 * one was given; on-doubt asks only inside the tolerance band; continue-as-new keeps the wait.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HEALTHY_STATS, type Scenario } from '../fixtures/fake-aws';
import { runScenario, startScenarioSuite } from './scenario';
import { decideUpdate, statusQuery } from '../../workflows/defs';
import { sendDecision } from '../../client/decision-commands';
import { EXIT, ExitError } from '../../client/exit-codes';
import type { ApprovalRequest, GateSettings, Phase, RetrainProgress } from '../../common/types';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const base: Scenario = { stats: HEALTHY_STATS };
const gate = (over: Partial<GateSettings>): GateSettings => ({
  metric: 'normalized_discounted_cumulative_gain_at_10',
  tolerance: 0.02,
  approvalTimeout: '6h',
  ...over,
});

/** Waits (advancing the server's clock a minute at a time) until the run is in `phase`. */
async function reach(workflowId: string, phase: Phase): Promise<RetrainProgress> {
  const handle = env.client.workflow.getHandle(workflowId);
  for (let i = 0; i < 300; i++) {
    const s = await handle.query(statusQuery).catch(() => undefined);
    if (s?.phase === phase) return s;
    await env.sleep('10 minutes');
  }
  throw new Error(`the run never reached ${phase}`);
}

async function decide(workflowId: string, req: ApprovalRequest) {
  return env.client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, { args: [req] });
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  return ((err as WorkflowUpdateFailedError).cause as Error).message;
}

test('approved: waits in AWAITING_APPROVAL (status, memo, notification), then deploys; the decision, who and note are in the record', async () => {
  const seen: { status?: RetrainProgress; memo?: Record<string, unknown>; early?: string; again?: string } = {};
  const run = await runScenario(env, bundle, base, {
    settings: { gate: gate({ approval: 'always' }) },
    during: async (workflowId) => {
      await reach(workflowId, 'TRAIN');
      seen.early = await refusal(decide(workflowId, { decision: 'approve', note: 'too soon' }));
      seen.status = await reach(workflowId, 'AWAITING_APPROVAL');
      seen.memo = (await env.client.workflow.getHandle(workflowId).describe()).memo;
      const answer = await decide(workflowId, { decision: 'approve', note: 'looks right on the dashboard', by: 'alice' });
      expect(answer).toMatchObject({ decision: 'approve', by: 'alice', note: 'looks right on the dashboard' });
      // The CLI's path: a refused decision is exit code 3 with the run's reason.
      const err = await sendDecision(env.client, workflowId, { decision: 'deny', note: 'changed my mind', by: 'bob' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).code).toBe(EXIT.conflict);
      seen.again = (err as ExitError).message;
    },
  });
  expect(seen.early).toMatch(/nothing awaits a decision: the run is in phase TRAIN/);
  expect(seen.status!.approval).toMatchObject({ default: 'deny', reason: expect.stringMatching(/always/) });
  expect(seen.status!.approval!.decision).toBeUndefined();
  expect(Date.parse(seen.status!.approval!.deadline) - Date.parse(seen.status!.approval!.askedAt)).toBe(6 * 3_600_000);
  expect(seen.memo).toMatchObject({ awaiting: 'approval', approvalDeadline: seen.status!.approval!.deadline });
  expect(seen.again).toMatch(/refused the decision: a decision was already given: approved by alice/);

  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts.campaignUpdates).toBe(1);
  expect(run.result!.approval).toMatchObject({ decision: 'approve', by: 'alice', note: 'looks right on the dashboard' });
  expect(run.fake.records[0]!.approval).toMatchObject({ decision: 'approve', by: 'alice' });
  expect(run.result!.timings.map((t) => t.phase)).toContain('AWAITING_APPROVAL');
  // The operator was told what awaits and how to answer, both ways.
  expect(run.fake.approvalRequests).toHaveLength(1);
  expect(run.fake.approvalRequests[0]!.reason).toContain('personalize-optimizer approve shop --note');
  expect(run.fake.approvalRequests[0]!.reason).toContain(`temporal workflow update execute --workflow-id ${run.workflowId} --name decide`);
  const memo = (await env.client.workflow.getHandle(run.workflowId).describe()).memo;
  expect(memo?.awaiting).toBeUndefined();
  expect(memo?.approval).toMatch(/^approved by alice/);
});

test('denied: REJECTED with the note, the campaign untouched', async () => {
  const run = await runScenario(env, bundle, base, {
    settings: { gate: gate({ approval: 'always' }) },
    during: async (workflowId) => {
      await reach(workflowId, 'AWAITING_APPROVAL');
      await decide(workflowId, { decision: 'deny', note: 'campaign freeze during the sale', by: 'bob' });
    },
  });
  expect(run.result?.outcome).toBe('REJECTED');
  expect(run.result!.reason).toMatch(/denied by bob .*: campaign freeze during the sale/);
  expect(run.fake.counts.campaignUpdates).toBe(0);
  expect(run.fake.records[0]!.approval).toMatchObject({ decision: 'deny', by: 'bob', note: 'campaign freeze during the sale' });
});

test('no decision by the deadline: the default applies (deny by default, approve when configured)', async () => {
  const denied = await runScenario(env, bundle, base, { settings: { gate: gate({ approval: 'always' }) } });
  expect(denied.result?.outcome).toBe('REJECTED');
  expect(denied.result!.approval).toMatchObject({ decision: 'deny', timedOut: true });
  expect(denied.result!.reason).toMatch(/denied by default: no decision by .* the default \(deny\) applies/);
  expect(denied.fake.counts.campaignUpdates).toBe(0);
  const waited = denied.result!.timings.find((t) => t.phase === 'AWAITING_APPROVAL')!;
  expect(Date.parse(waited.endedAt!) - Date.parse(waited.startedAt)).toBeGreaterThanOrEqual(6 * 3_600_000);

  const approved = await runScenario(env, bundle, base, {
    settings: { gate: gate({ approval: 'always', approvalDefault: 'approve' }) },
  });
  expect(approved.result?.outcome).toBe('SUCCEEDED');
  expect(approved.result!.approval).toMatchObject({ decision: 'approve', timedOut: true });
  expect(approved.result!.notes?.join(' ')).toMatch(/the default \(approve\) applies/);
  expect(approved.fake.counts.campaignUpdates).toBe(1);
});

test('on-doubt: a clear improvement deploys without asking; a candidate inside the tolerance band waits', async () => {
  // The fake's deployed version scores 0.2; the candidate 0.25 by default (+25 %).
  const clear = await runScenario(env, bundle, base, { settings: { gate: gate({ approval: 'on-doubt' }) } });
  expect(clear.result?.outcome).toBe('SUCCEEDED');
  expect(clear.result!.approval).toBeUndefined();
  expect(clear.fake.approvalRequests).toHaveLength(0);

  const close = await runScenario(
    env,
    bundle,
    { ...base, candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.201 } },
    { settings: { gate: gate({ approval: 'on-doubt' }) } }
  );
  expect(close.result?.outcome).toBe('REJECTED');
  expect(close.result!.approval).toMatchObject({ timedOut: true, reason: expect.stringMatching(/within the ±2.00 % tolerance band/) });
});

test('continue-as-new while waiting keeps the wait: same deadline, and the decision still lands', async () => {
  let before: RetrainProgress | undefined;
  let after: RetrainProgress | undefined;
  const run = await runScenario(env, bundle, base, {
    settings: { gate: gate({ approval: 'always', approvalTimeout: '4 days' }), historyLimit: 1 },
    during: async (workflowId) => {
      before = await reach(workflowId, 'AWAITING_APPROVAL');
      const handle = env.client.workflow.getHandle(workflowId);
      // The wait wakes daily; with the history limit forced low each wake continues as new.
      for (let i = 0; i < 200; i++) {
        after = await handle.query(statusQuery);
        if ((after.continued ?? 0) >= (before.continued ?? 0) + 2) break;
        await env.sleep('1 hour');
      }
      await decide(workflowId, { decision: 'approve', note: 'after the weekend', by: 'carol' });
    },
  });
  expect(after!.phase).toBe('AWAITING_APPROVAL');
  expect((after!.continued ?? 0) - (before!.continued ?? 0)).toBeGreaterThanOrEqual(2);
  expect(after!.approval).toEqual(before!.approval);
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.result!.approval).toMatchObject({ decision: 'approve', by: 'carol', deadline: before!.approval!.deadline });
  expect(run.fake.approvalRequests).toHaveLength(1);
  expect(run.fake.counts).toMatchObject({ trainings: 1, campaignUpdates: 1 });
});
