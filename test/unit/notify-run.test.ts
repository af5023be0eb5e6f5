/** The notifyRun activity: a failing notifier is counted (metrics) and retried by Temporal; the outcome is not its business. */
import { createActivities, type PipelineRegistry } from '../../activities';
import type { Notifier, PipelinePorts } from '../../activities/ports';
import type { RetrainResult } from '../../common/types';
import { RunMetrics } from '../../worker/telemetry';
import { settingsFor } from '../fixtures/fake-aws';

const result: RetrainResult = {
  outcome: 'CANCELLED',
  reason: 'cancelled during TRAIN',
  pipeline: 'shop',
  runDate: '2026-11-23',
  runKey: 'shop-2026-11-23',
  jobs: {},
  timings: [],
  durationMs: 5,
};

function registry(notifier: Notifier): PipelineRegistry {
  const settings = settingsFor('shop', { notifyOn: ['CANCELLED'] });
  return { list: () => ['shop'], settings: () => settings, ports: () => ({ notifier }) as unknown as PipelinePorts };
}

test('a notifier failure (sns:Publish denied) is counted in the worker metrics and rethrown for Temporal to retry', async () => {
  const metrics = new RunMetrics();
  const denied = Object.assign(new Error('User is not authorized to perform: sns:Publish'), {
    name: 'AuthorizationErrorException',
  });
  const acts = createActivities({
    pipelines: registry({ notify: async () => Promise.reject(denied) }),
    onNotifyFailed: (p, o) => metrics.notifyFailed(p, o),
  });
  await expect(acts.notifyRun({ result, workflowId: 'w' })).rejects.toBe(denied);
  await expect(acts.notifyRun({ result, workflowId: 'w' })).rejects.toBe(denied);
  expect(await metrics.registry.metrics()).toMatch(
    /personalize_optimizer_notify_failures_total\{pipeline="shop",outcome="CANCELLED"\} 2/
  );
});

test('a CANCELLED run notifies when the pipeline asks for it, saying CANCELLED', async () => {
  const sent: string[] = [];
  const acts = createActivities({
    pipelines: registry({ notify: async (n) => void sent.push(`${n.outcome}: ${n.reason}`) }),
  });
  await acts.notifyRun({ result, workflowId: 'w' });
  expect(sent).toEqual(['CANCELLED: cancelled during TRAIN']);
});

test('recommendations that failed after a deploy are notified where failures are, with the reason; a clean success is not', async () => {
  const sent: Record<string, unknown>[] = [];
  const settings = settingsFor('shop', { notifyOn: ['FAILED'] });
  const acts = createActivities({
    pipelines: { list: () => ['shop'], settings: () => settings, ports: () => ({ notifier: { notify: async (n: { summary: Record<string, unknown> }) => void sent.push(n.summary) } }) as unknown as PipelinePorts },
  });
  const succeeded: RetrainResult = { ...result, outcome: 'SUCCEEDED', reason: 'deployed v2' };
  await acts.notifyRun({ result: succeeded, workflowId: 'w' });
  expect(sent).toHaveLength(0);
  await acts.notifyRun({ result: { ...succeeded, recommendations: { failed: 'Filter is not ACTIVE' } }, workflowId: 'w' });
  expect(sent).toEqual([expect.objectContaining({ recommendations: { failed: 'Filter is not ACTIVE' } })]);
});
