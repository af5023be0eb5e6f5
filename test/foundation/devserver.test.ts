/** The dev server (Temporal CLI) runs a real workflow with real timers, and its history can be read. */
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createFakeJobActivities } from '../fixtures/fake-job';
import { PollFakeJobWorkflow } from '../fixtures/poll-workflows';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('dev server: a polled job completes and its history shows the durable timers', async () => {
  const fake = createFakeJobActivities(async () => Date.now());
  const taskQueue = 'devserver-harness';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../fixtures/poll-workflows'),
    activities: fake.activities,
  });
  const workflowId = `devserver-${Date.now()}`;
  const result = await worker.runUntil(
    env.client.workflow.execute(PollFakeJobWorkflow, {
      taskQueue,
      workflowId,
      args: [{ jobMs: 1500, deadline: '1m', poll: { initial: '300ms', fraction: 0.1, max: '1s' } }],
    })
  );
  expect(result.status).toBe('ACTIVE');
  expect(result.polls).toBeGreaterThanOrEqual(3);

  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const types = (history.events ?? []).map((e) => Object.keys(e).find((k) => k.endsWith('EventAttributes')));
  expect(types[0]).toBe('workflowExecutionStartedEventAttributes');
  expect(types.filter((t) => t === 'timerFiredEventAttributes')).toHaveLength(result.polls - 1);
  expect(types.at(-1)).toBe('workflowExecutionCompletedEventAttributes');
  const description = await env.client.workflow.getHandle(workflowId).describe();
  expect(description.status.name).toBe('COMPLETED');
});
