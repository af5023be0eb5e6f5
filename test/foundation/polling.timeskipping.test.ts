/**
 * The polling helper on the real time-skipping test server: a fake job that takes 30 simulated
 * hours is waited on with durable timers, in seconds of wall time, with a bounded history.
 */
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { createFakeJobActivities } from '../fixtures/fake-job';
import { PollFakeJobWorkflow } from '../fixtures/poll-workflows';
import { pollsFor, toWaitSchedule, DEFAULT_POLL } from '../../workflows/wait-schedule';

const HOUR = 3_600_000;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function runFakeJob(opts: { jobMs: number; deadline: string; outcome?: 'ACTIVE' | 'CREATE FAILED'; historyLimit?: number }) {
  const fake = createFakeJobActivities(() => env.currentTimeMs(), opts.outcome);
  const taskQueue = `poll-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../fixtures/poll-workflows'),
    activities: fake.activities,
  });
  const workflowId = `${taskQueue}-wf`;
  const started = Date.now();
  const run = worker.runUntil(async () => {
    const handle = await env.client.workflow.start(PollFakeJobWorkflow, {
      taskQueue,
      workflowId,
      args: [{ jobMs: opts.jobMs, deadline: opts.deadline, poll: DEFAULT_POLL, historyLimit: opts.historyLimit }],
    });
    return handle.result();
  });
  return { run, fake, workflowId, started };
}

test('a job finishing after 30 simulated hours is noticed with tens of polls, in seconds of wall time', async () => {
  const { run, fake, workflowId, started } = await runFakeJob({ jobMs: 30 * HOUR, deadline: '48h' });
  const result = await run;
  const wallMs = Date.now() - started;

  const expected = pollsFor(30 * HOUR, toWaitSchedule(DEFAULT_POLL));
  expect(result.status).toBe('ACTIVE');
  expect(result.polls).toBe(expected);
  expect(fake.describes()).toBe(expected);
  expect(result.waitedMs).toBeGreaterThanOrEqual(30 * HOUR);
  // Noticed within the schedule's fraction of the job's age.
  expect(result.waitedMs).toBeLessThanOrEqual(30 * HOUR * (1 + DEFAULT_POLL.fraction));

  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const timers = events.filter((e) => e.timerStartedEventAttributes).length;
  const markers = events.filter((e) => e.markerRecordedEventAttributes).length;
  expect(timers).toBe(expected - 1);
  expect(markers).toBe(expected); // each check is one local-activity marker
  expect(events.length).toBeLessThan(expected * 7 + 20);
  process.stderr.write(`[figures] poll_30h polls=${result.polls} history_events=${events.length} wall_ms=${wallMs}\n`);
});

test('a failed job fails the wait with its reason, non-retryable', async () => {
  const { run } = await runFakeJob({ jobMs: 3 * HOUR, deadline: '48h', outcome: 'CREATE FAILED' });
  const err = await run.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect((cause as ApplicationFailure).type).toBe('JobFailed');
  expect((cause as ApplicationFailure).message).toMatch(/CREATE FAILED: out of memory/);
});

test('a job past its deadline fails the wait at the deadline', async () => {
  const { run, fake } = await runFakeJob({ jobMs: 30 * HOUR, deadline: '5h' });
  const err = await run.catch((e: unknown) => e);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('JobDeadlineExceeded');
  expect(cause.message).toMatch(/within 5\.0 h/);
  expect(fake.describes()).toBeLessThan(pollsFor(30 * HOUR, toWaitSchedule(DEFAULT_POLL)));
});

test('a very long wait continues as new and keeps its deadline and poll count', async () => {
  const { run, workflowId } = await runFakeJob({ jobMs: 30 * HOUR, deadline: '48h', historyLimit: 120 });
  const result = await run;
  expect(result.status).toBe('ACTIVE');
  expect(result.polls).toBe(pollsFor(30 * HOUR, toWaitSchedule(DEFAULT_POLL)));
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  // The last run's history starts after the continue-as-new point, so it is short.
  expect(history.events!.length).toBeLessThan(200);
  expect(history.events![0].workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
});
