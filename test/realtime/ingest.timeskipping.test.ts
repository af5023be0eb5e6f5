/**
 * IngestWorkflow on the time-skipping test server with a scripted deliverRealtime activity:
 * events are delivered once each, in order, across continue-as-new and activity retries.
 */
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import type { DeliveryReport } from '../../activities/realtime/delivery';
import type { EventRecord, PersonalizeRecord } from '../../activities/realtime/mapping';
import { acceptEvents, ingestStatusQuery, RecentIds, shouldContinueAsNew, wellFormed, type IngestInput, type IngestItem, type IngestStatus, type IngestWorkflow } from '../../workflows/ingest';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: { warn() {}, info() {}, debug() {}, error() {}, log() {}, trace() {} } });
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});

const item = (id: string): IngestItem => ({
  messageId: id,
  record: { kind: 'event', trackingId: 't', sessionId: 's', event: { eventId: id, eventType: 'click', sentAt: 1_795_000_000_000 } },
});

/** Runs a worker whose deliverRealtime is `deliver`, sends the signals, waits until `done` holds. */
async function ingest(opts: {
  input: Partial<IngestInput>;
  signals: IngestItem[][];
  deliver: (records: PersonalizeRecord[]) => Promise<DeliveryReport>;
  done: (s: IngestStatus) => boolean;
}): Promise<{ status: IngestStatus; firstRun: string }> {
  const taskQueue = `ingest-${Math.random().toString(36).slice(2)}`;
  const workflowId = `${taskQueue}-wf`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { deliverRealtime: (req: { records: PersonalizeRecord[] }) => opts.deliver(req.records) },
  });
  return worker.runUntil(async () => {
    let firstRunId: string | undefined;
    for (const items of opts.signals) {
      const started = await env.client.workflow.signalWithStart<typeof IngestWorkflow, [IngestItem[]]>('IngestWorkflow', {
        taskQueue,
        workflowId,
        args: [{ pipeline: 'shop', ...opts.input }],
        signal: acceptEvents,
        signalArgs: [items],
      });
      firstRunId ??= started.signaledRunId;
    }
    const handle = env.client.workflow.getHandle(workflowId);
    for (let i = 0; i < 200; i++) {
      const status = await handle.query(ingestStatusQuery);
      if (opts.done(status)) {
        const first = await env.client.workflow.getHandle(workflowId, firstRunId).describe();
        return { status, firstRun: first.status.name };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('events were not delivered');
  });
}

const ids = (records: PersonalizeRecord[]) => records.map((r) => (r as EventRecord).event.eventId!);

test('repeated messageIds are delivered once, also after continue-as-new, in arrival order', async () => {
  const delivered: string[] = [];
  const { status, firstRun } = await ingest({
    input: { maxEventsPerRun: 2 },
    signals: [[item('a'), item('b'), item('a')], [item('c')], [item('b'), item('d')], [item('c'), item('e')]],
    deliver: async (records) => {
      delivered.push(...ids(records));
      return { calls: 1, delivered: records.length, deadLettered: 0 };
    },
    done: (s) => s.pending === 0 && s.delivered === 5,
  });
  expect(delivered).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(status).toEqual({ pending: 0, delivered: 5, deadLettered: 0, duplicates: 3 });
  expect(firstRun).toBe('CONTINUED_AS_NEW');
}, 60_000);

test('a delivery AWS keeps throttling is retried by Temporal until it succeeds; dead letters are counted', async () => {
  let attempts = 0;
  const delivered: string[] = [];
  const { status } = await ingest({
    input: {},
    signals: [[item('x'), item('y')]],
    deliver: async (records) => {
      if (++attempts < 3) throw ApplicationFailure.retryable('still throttled', 'DeliveryThrottled');
      delivered.push(...ids(records));
      return { calls: 1, delivered: records.length - 1, deadLettered: 1 };
    },
    done: (s) => s.pending === 0 && s.delivered + s.deadLettered === 2,
  });
  expect(attempts).toBe(3);
  expect(delivered).toEqual(['x', 'y']);
  expect(status).toMatchObject({ delivered: 1, deadLettered: 1 });
}, 60_000);

describe('pure decisions', () => {
  test('RecentIds keeps the first of each id and forgets the oldest beyond its limit', () => {
    const recent = new RecentIds(['a'], 3);
    expect(recent.accept([item('a'), item('b'), item('b'), item('c')])).toEqual({ fresh: [item('b'), item('c')], duplicates: 2 });
    recent.accept([item('d')]);
    expect(recent.toArray()).toEqual(['b', 'c', 'd']);
    expect(recent.accept([item('a')]).fresh).toHaveLength(1); // forgotten, so accepted again
    expect(new RecentIds(['1', '2', '3', '4'], 2).toArray()).toEqual(['3', '4']);
  });
  test('malformed signal payloads are ignored, not fatal', () => {
    expect(wellFormed([item('a'), null, { messageId: 1 }, { messageId: 'b' }, 'x'])).toEqual([item('a')]);
    expect(wellFormed({ not: 'a list' })).toEqual([]);
  });
  test('continue-as-new when suggested, when history is long, or after N events', () => {
    const base = { deliveredThisRun: 0, maxEventsPerRun: 100, historyLength: 10, suggested: false };
    expect(shouldContinueAsNew(base)).toBe(false);
    expect(shouldContinueAsNew({ ...base, suggested: true })).toBe(true);
    expect(shouldContinueAsNew({ ...base, historyLength: 5001 })).toBe(true);
    expect(shouldContinueAsNew({ ...base, deliveredThisRun: 100 })).toBe(true);
  });
});
