/**
 * Continue-as-new inside every phase, on the real time-skipping server: with the history limit
 * forced low, a run continues as new at each wait of EXPORT, QUERY, IMPORT, TRAIN and DEPLOY, and
 * still ends SUCCEEDED with one job of each kind, each phase timed once, its polls counted across
 * runs, its deadline kept, and the duration of the whole chain.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { HEALTHY_STATS, settingsFor, type Scenario } from '../fixtures/fake-aws';
import { runScenario, startScenarioSuite } from './scenario';
import type { RetrainInput } from '../../common/types';

const HOUR = 3_600_000;
const MINUTE = 60_000;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
beforeAll(async () => ({ env, bundle } = await startScenarioSuite()));
afterAll(() => env?.teardown());

interface ChainRun {
  runId: string;
  events: temporal.api.history.v1.IHistoryEvent[];
  /** The phase the next run resumes in (undefined for the last run). */
  continuedIn?: string;
}

/** Every run of a chain, first to last, following the ContinuedAsNew events. */
async function chainOf(workflowId: string, firstRunId: string): Promise<ChainRun[]> {
  const runs: ChainRun[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const can: temporal.api.history.v1.IWorkflowExecutionContinuedAsNewEventAttributes | null | undefined =
      events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    const next = can ? (defaultPayloadConverter.fromPayload(can.input!.payloads![0]!) as RetrainInput) : undefined;
    runs.push({ runId, events, continuedIn: next?.resume?.phase });
    runId = can?.newExecutionRunId ?? undefined;
  }
  return runs;
}

const eventMs = (e: temporal.api.history.v1.IHistoryEvent) =>
  Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);

const JOBS: Scenario = {
  stats: HEALTHY_STATS,
  exportOutcome: { status: 'COMPLETED', ms: 10 * MINUTE },
  queryOutcome: { status: 'SUCCEEDED', ms: 2 * MINUTE },
  importOutcome: { status: 'ACTIVE', ms: 40 * MINUTE },
  trainingOutcome: { status: 'ACTIVE', ms: 3 * HOUR },
  deployOutcome: { status: 'ACTIVE', ms: 20 * MINUTE },
};

test('with the history limit forced low, the run continues as new inside EXPORT, QUERY, IMPORT, TRAIN and DEPLOY and still succeeds with one job of each kind', async () => {
  const run = await runScenario(env, bundle, JOBS, { settings: { historyLimit: 1 } });
  expect(run.result?.outcome).toBe('SUCCEEDED');
  expect(run.fake.counts).toMatchObject({
    exports: 1,
    queries: 1,
    imports: 1,
    trainings: 1,
    campaignUpdates: 1,
    stops: 0,
    records: 1,
  });

  const chain = await chainOf(run.workflowId, run.firstRunId);
  const continuedIn = new Set(chain.map((r) => r.continuedIn).filter(Boolean));
  for (const phase of ['EXPORT', 'QUERY', 'IMPORT', 'TRAIN', 'DEPLOY']) expect(continuedIn).toContain(phase);
  expect(chain.length).toBeGreaterThan(10);

  // Each phase is timed once across the chain, and its checks are counted across runs.
  const r = run.result!;
  expect(r.timings.map((t) => t.phase)).toEqual([
    'EXPORT',
    'QUERY',
    'DECIDE',
    'IMPORT',
    'TRAIN',
    'EVALUATE',
    'DEPLOY',
    'RECORD',
  ]);
  const trainPolls = r.timings.find((t) => t.phase === 'TRAIN')!.polls!;
  expect(trainPolls).toBe(chain.filter((c) => c.continuedIn === 'TRAIN').length + 1);

  // The duration is the chain's, not the last run's.
  const chainMs = eventMs(chain.at(-1)!.events.at(-1)!) - eventMs(chain[0]!.events[0]!);
  const lastRunMs = eventMs(chain.at(-1)!.events.at(-1)!) - eventMs(chain.at(-1)!.events[0]!);
  const jobsMs = 10 * MINUTE + 2 * MINUTE + 40 * MINUTE + 3 * HOUR + 20 * MINUTE;
  expect(r.durationMs).toBeGreaterThanOrEqual(jobsMs);
  expect(Math.abs(r.durationMs - chainMs)).toBeLessThan(60_000);
  expect(r.durationMs).toBeGreaterThan(lastRunMs * 2);

  const resumed = chain.slice(1).map((c) => c.events.length);
  process.stderr.write(
    `[figures] retrain_resumed_run_history_events ${Math.max(...resumed)} (max of ${resumed.length} resumed runs; the last has ${resumed.at(-1)})\n`
  );
});

test('a 48-hour training continued as new keeps its poll schedule: as many checks as without continue-as-new', async () => {
  const scenario: Scenario = { stats: HEALTHY_STATS, trainingOutcome: { status: 'ACTIVE', ms: 48 * HOUR } };
  const deadlines = { ...settingsFor('x').deadlines, training: '72h' };
  const plain = await runScenario(env, bundle, scenario, { settings: { deadlines } });
  const resumed = await runScenario(env, bundle, scenario, { settings: { deadlines, historyLimit: 60 } });
  expect(resumed.result?.outcome).toBe('SUCCEEDED');
  const chain = await chainOf(resumed.workflowId, resumed.firstRunId);
  expect(chain.filter((c) => c.continuedIn === 'TRAIN').length).toBeGreaterThan(3);
  const polls = (r: typeof plain) => r.result!.timings.find((t) => t.phase === 'TRAIN')!.polls;
  expect(polls(resumed)).toBe(polls(plain));
  expect(resumed.fake.counts).toMatchObject({ trainings: 1, campaignUpdates: 1, stops: 0 });
});

test('the deadline survives continue-as-new: a training past 48 hours is stopped at 48 hours of the chain, not of the last run', async () => {
  const run = await runScenario(
    env,
    bundle,
    { stats: HEALTHY_STATS, trainingOutcome: { status: 'ACTIVE', ms: 60 * HOUR } },
    { settings: { historyLimit: 1 } }
  );
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  expect((run.error as WorkflowFailedError).cause?.message).toMatch(/training did not finish within 48\.0 h/);
  expect(run.fake.counts).toMatchObject({ trainings: 1, stops: 1, campaignUpdates: 0 });
  const train = run.fake.records[0]!.timings.find((t) => t.phase === 'TRAIN')!;
  const trainedMs = Date.parse(train.endedAt!) - Date.parse(train.startedAt);
  expect(trainedMs).toBeGreaterThanOrEqual(48 * HOUR);
  expect(trainedMs).toBeLessThan(49 * HOUR);
  expect(run.fake.records[0]!.stoppedSolutionVersionArn).toBe(run.fake.stopped[0]);
});
