/**
 * Every way a run ends, on the real time-skipping server with the scripted AWS fake: a training it
 * started is stopped whatever ends the run; a cancellation is CANCELLED in the workflow status, the
 * record, the notification and the memo; a notifier that fails never changes the outcome; a forced
 * re-run of a date trains anew; an older model is never deployed over a newer one; and the first
 * deploy check, which can still read the update before ours, does not fail a deploy that succeeds.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { HEALTHY_STATS, type Scenario } from '../fixtures/fake-aws';
import { runScenario, type ScenarioRun, startScenarioSuite } from './scenario';
import { statusQuery } from '../../workflows/defs';
import type { Outcome, Phase } from '../../common/types';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

const base: Scenario = { stats: HEALTHY_STATS };
const ALL: Outcome[] = ['SUCCEEDED', 'SKIPPED', 'REJECTED', 'FAILED', 'CANCELLED'];

/** Cancels the run once it is in `phase` (and, for a wait, has checked the job once). */
function cancelIn(phase: Phase, opts: { checked?: boolean } = {}) {
  return async (workflowId: string) => {
    const handle = env.client.workflow.getHandle(workflowId);
    for (;;) {
      const s = await handle.query(statusQuery).catch(() => undefined);
      if (s?.phase === phase && (!opts.checked || s.lastStatus)) break;
      await env.sleep('1 minute');
    }
    await handle.cancel();
  };
}

async function expectCancelledEverywhere(run: ScenarioRun, phase: Phase): Promise<void> {
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  expect((run.error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  const d = await env.client.workflow.getHandle(run.workflowId).describe();
  expect(d.status.name).toBe('CANCELLED');
  expect(d.memo).toMatchObject({ outcome: 'CANCELLED', reason: `cancelled during ${phase}` });
  expect(run.fake.records.map((r) => r.outcome)).toEqual(['CANCELLED']);
  expect(run.fake.notified.map((r) => r.outcome)).toEqual(['CANCELLED']);
}

describe('a training the run started is stopped on every way out', () => {
  test('cancelled while training: stopped, recorded and notified as CANCELLED, campaign untouched', async () => {
    const run = await runScenario(
      env,
      bundle,
      { ...base, trainingOutcome: { status: 'ACTIVE', ms: 20 * HOUR } },
      { settings: { notifyOn: ALL }, during: cancelIn('TRAIN', { checked: true }) }
    );
    await expectCancelledEverywhere(run, 'TRAIN');
    expect(run.fake.counts).toMatchObject({ trainings: 1, stops: 1, campaignUpdates: 0 });
    expect(run.fake.records[0]!.stoppedSolutionVersionArn).toBe(run.fake.stopped[0]);
    expect(run.fake.records[0]!.notes?.join(' ')).toMatch(/training .* stopped: the run ended before it finished/);
  });

  test('cancelled while startSolutionVersion is in flight (its ARN never recorded): the version is found by its name and stopped', async () => {
    const run = await runScenario(
      env,
      bundle,
      { ...base, trainingStartMs: 20_000 },
      {
        settings: { notifyOn: ALL },
        during: async (workflowId) => {
          const handle = env.client.workflow.getHandle(workflowId);
          for (;;) {
            const s = await handle.query(statusQuery);
            if (s.phase === 'TRAIN') break;
            await env.sleep('20 seconds');
          }
          await handle.cancel();
        },
      }
    );
    await expectCancelledEverywhere(run, 'TRAIN');
    // The start ended cancelled: the workflow never got the ARN, the cleanup had to find it.
    const events = (await env.client.workflow.getHandle(run.workflowId).fetchHistory()).events!;
    const start = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'startSolutionVersion'
    )!;
    const ofStart = (id: { toString(): string } | null | undefined) => id?.toString() === start.eventId!.toString();
    expect(events.some((e) => ofStart(e.activityTaskCanceledEventAttributes?.scheduledEventId))).toBe(true);
    expect(events.some((e) => ofStart(e.activityTaskCompletedEventAttributes?.scheduledEventId))).toBe(false);
    expect(
      events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'findSolutionVersion')
    ).toBe(true);
    const created = run.fake.byName.get('shop-20261123-train');
    expect(created).toBeDefined();
    expect(run.fake.stopped).toEqual([created]);
    expect(run.fake.records[0]!.stoppedSolutionVersionArn).toBe(created);
  });

  test('the training status checks fail for good (the role lost a permission): the run fails and the training is stopped', async () => {
    const run = await runScenario(env, bundle, {
      ...base,
      trainingOutcome: { status: 'ACTIVE', ms: 20 * HOUR },
      trainingChecksFailAfter: 2,
    });
    expect(run.error).toBeInstanceOf(WorkflowFailedError);
    expect((run.error as WorkflowFailedError).cause?.message).toMatch(
      /^TRAIN failed: .*not authorized to perform: personalize:DescribeSolutionVersion/
    );
    expect(run.fake.counts).toMatchObject({ trainings: 1, stops: 1, campaignUpdates: 0 });
    expect(run.fake.records[0]).toMatchObject({ outcome: 'FAILED', stoppedSolutionVersionArn: run.fake.stopped[0] });
  });

  test('a training that failed by itself is not stopped again; a run that got past training has nothing to stop', async () => {
    const failed = await runScenario(env, bundle, {
      ...base,
      trainingOutcome: { status: 'CREATE FAILED', reason: 'insufficient data' },
    });
    expect(failed.fake.counts.stops).toBe(0);
    const rejected = await runScenario(env, bundle, {
      ...base,
      candidateMetrics: { normalized_discounted_cumulative_gain_at_10: 0.1 },
    });
    expect(rejected.result?.outcome).toBe('REJECTED');
    expect(rejected.fake.counts.stops).toBe(0);
  });

  test('cancelled during DEPLOY: CANCELLED, and the record says the campaign update was requested and cannot be withdrawn', async () => {
    const run = await runScenario(
      env,
      bundle,
      { ...base, deployOutcome: { status: 'ACTIVE', ms: 90 * 60_000 } },
      { settings: { notifyOn: ALL }, during: cancelIn('DEPLOY', { checked: true }) }
    );
    await expectCancelledEverywhere(run, 'DEPLOY');
    expect(run.fake.counts).toMatchObject({ trainings: 1, stops: 0, campaignUpdates: 1 });
    const record = run.fake.records[0]!;
    expect(record.notes?.join(' ')).toMatch(
      /campaign update to .* had been requested; Personalize cannot withdraw it \(latest update .*: CREATE IN_PROGRESS\)/
    );
  });
});

test('a notifier that fails (sns:Publish denied) never changes the outcome: retried a few times, then the run ends as it was', async () => {
  const ok = await runScenario(env, bundle, { ...base, notifyFails: true }, { settings: { notifyOn: ALL } });
  expect(ok.result?.outcome).toBe('SUCCEEDED');
  expect(ok.fake.counts).toMatchObject({ records: 1, notifications: 0, notifyFailures: 5, campaignUpdates: 1 });
  const failed = await runScenario(
    env,
    bundle,
    { ...base, notifyFails: true, importOutcome: { status: 'CREATE FAILED', reason: 'bad header' } },
    { settings: { notifyOn: ALL } }
  );
  expect((failed.error as WorkflowFailedError).cause?.message).toMatch(
    /^IMPORT failed: dataset import ended CREATE FAILED: bad header$/
  );
  expect(failed.fake.records.map((r) => r.outcome)).toEqual(['FAILED']);
});

describe('never an older model than the campaign serves', () => {
  const scenario: Scenario = { ...base, trainingOutcome: { status: 'ACTIVE', ms: HOUR } };

  test('a forced re-run of a date already run trains anew under its own names (stated) and deploys that new model, never the earlier one', async () => {
    const first = await runScenario(env, bundle, scenario);
    const v1 = first.result!.jobs.solutionVersionArn!;
    const fake = first.fake;
    const second = await runScenario(env, bundle, scenario, { fake, input: { runDate: '2026-11-24' } });
    const v2 = second.result!.jobs.solutionVersionArn!;
    expect(fake.campaign.solutionVersionArn).toBe(v2);

    const forced = await runScenario(env, bundle, scenario, { fake, input: { runDate: '2026-11-23', force: true } });
    const r = forced.result!;
    expect(r.outcome).toBe('SUCCEEDED');
    expect(r.runKey).toMatch(/^shop-2026-11-23-f[0-9a-f]{7}$/);
    expect(r.notes?.[0]).toMatch(
      /run key shop-2026-11-23 was used by an earlier run \(SUCCEEDED\); this forced run trains anew/
    );
    expect(r.jobs.importJobArn).toMatch(/shop-20261123-f[0-9a-f]{7}-import$/);
    expect(fake.counts).toMatchObject({ imports: 3, trainings: 3, campaignUpdates: 3 });
    expect([v1, v2]).not.toContain(r.jobs.solutionVersionArn);
    expect(fake.campaign.solutionVersionArn).toBe(r.jobs.solutionVersionArn);
    // The gate compared it with the model actually deployed, not "first deployment".
    expect(r.gate?.reason).not.toMatch(/first deployment/);
  });

  test('a re-run that adopts the earlier training (its record lost) refuses to deploy it over the newer model deployed since', async () => {
    const first = await runScenario(env, bundle, { ...scenario, hideEarlierRuns: true });
    const fake = first.fake;
    const second = await runScenario(env, bundle, scenario, { fake, input: { runDate: '2026-11-24' } });
    const v2 = second.result!.jobs.solutionVersionArn!;
    const again = await runScenario(env, bundle, scenario, { fake, input: { runDate: '2026-11-23', force: true } });
    expect(again.result?.outcome).toBe('REJECTED');
    expect(again.result!.jobs.solutionVersionArn).toBe(first.result!.jobs.solutionVersionArn);
    expect(again.result!.reason).toMatch(/^not deployed: the campaign serves .* newer than this run's model/);
    expect(fake.counts).toMatchObject({ trainings: 2, campaignUpdates: 2 });
    expect(fake.campaign.solutionVersionArn).toBe(v2);
  });
});

test('the first deploy check right after UpdateCampaign can read the previous update: the deploy still succeeds', async () => {
  const run = await runScenario(env, bundle, { ...base, staleCampaignReads: 2 });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts.campaignUpdates).toBe(1);
  expect(run.fake.campaign.solutionVersionArn).toBe(run.result!.jobs.solutionVersionArn);
});
