/**
 * The real-time path on the dev server with the embedded backend: gateway → local event log →
 * RealtimeDeliveryWorkflow (references only) → deliverSegments → the local recommender's event log.
 * Events accepted while no worker runs are delivered once one starts, once each; a segment whose
 * reference never reached the workflow is handed over by the sweep; a record the mapping refuses at
 * delivery is dead-lettered with its reason and delivered after the replay command.
 */
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createLocalSetup, type LocalSetup } from '../e2e/local-setup';
import { createGateway, type Gateway } from '../../client/gateway/server';
import { replayDeadLetters } from '../../client/realtime-replay';
import { buildRegistry } from '../../worker/backends';
import { buildRealtimeLog } from '../../worker/realtime-backend';
import { createRetrainWorker } from '../../worker/create-worker';
import { deliveryStatusQuery, realtimeDeliveryWorkflowId } from '../../workflows/defs';
import { RealtimeSweepWorkflow } from '../../workflows';
import { removeScratchDirs } from '../helpers/scratch';

const KEY = 'write-key-0123456789';
let env: TestWorkflowEnvironment;
let setup: LocalSetup;
let gateway: Gateway;
let base: string;

beforeAll(async () => {
  env = await createDevServerEnv();
  setup = await createLocalSetup('gateway', {
    extraYaml: `    realtime:
      writeKeys: [${KEY}]
      customMappings:
        - { from: ITEM_ID, to: product_id }
        - { from: EVENT_VALUE, to: price }
`,
  });
  gateway = createGateway({ client: env.client, config: setup.config });
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  gateway?.server.closeAllConnections();
  await new Promise((r) => gateway?.server.close(r));
  await env?.teardown();
  removeScratchDirs();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const track = (n: number) => ({
  messageId: `m-${n}`,
  event: 'Product Viewed',
  userId: `user-${n % 3}`,
  anonymousId: `anon-${n % 3}`,
  timestamp: '2026-11-23T10:00:00Z',
  properties: { product_id: `item-${n}`, price: 9.5 },
});

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('accepted with no worker, delivered once each when one starts; a lost reference is swept; a refused record is dead-lettered and replayed', async () => {
  expect(await post('/v1/batch', { batch: [0, 1, 2, 3, 4].map((n) => ({ type: 'track', ...track(n) })) })).toEqual({ status: 200, body: { success: true, received: 5 } });
  expect((await post('/v1/track', track(2))).status).toBe(200); // a client retry of an acknowledged event
  expect((await post('/v1/identify', { messageId: 'id-1', userId: 'user-1', traits: { plan: 'pro' } })).status).toBe(200);
  await gateway.drain();

  // A segment whose reference never reached Temporal (as if the signal had failed), with one record
  // the mapping refuses (written by an older gateway, say).
  const pipeline = setup.config.pipelines[0]!;
  const { log } = buildRealtimeLog(setup.config, pipeline);
  await log.append([
    { ...track(10), type: 'track', receivedAt: new Date().toISOString() },
    { ...track(11), type: 'track', event: '', receivedAt: new Date().toISOString() },
  ]);

  const registry = buildRegistry(setup.config);
  const worker = await createRetrainWorker({ config: setup.config, connection: env.nativeConnection, registry });
  const handle = env.client.workflow.getHandle(realtimeDeliveryWorkflowId('shop', 0));
  const recommender = registry.localRecommender('shop')!;
  const eventIds = () => recommender.readEvents().filter((e) => e.kind === 'event').map((e) => String(e.eventId));
  await worker.runUntil(async () => {
    await until('delivery of the signalled segments', async () => (await handle.query(deliveryStatusQuery)).delivered === 6);
    expect(eventIds().sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);

    await env.client.workflow.execute(RealtimeSweepWorkflow, { taskQueue: setup.config.temporal.taskQueue, workflowId: 'sweep-now', args: [{ pipeline: 'shop', shards: 1 }] });
    await until('the sweep', () => eventIds().includes('m-10'));
    const letters = await log.listDeadLetters();
    expect(letters).toHaveLength(1);
    const [letter] = await log.readDeadLetters(letters[0]!);
    expect(letter).toMatchObject({ message: { messageId: 'm-11' }, reason: 'not mappable: event: a track call needs an event name', segment: expect.stringContaining('/events/') });

    // After a fix (here: the record edited), the replay command appends the letters as a new segment.
    const replayed = await replayDeadLetters({ client: env.client, config: setup.config, pipeline, fix: (m) => ({ ...m, event: 'Product Viewed' }) });
    expect(replayed).toEqual({ files: 1, records: 1 });
    await until('delivery of the replayed record', () => eventIds().includes('m-11'));
    expect(await log.listDeadLetters()).toEqual([]);
    expect(await replayDeadLetters({ client: env.client, config: setup.config, pipeline })).toEqual({ files: 0, records: 0 });
  });
  const ids = eventIds();
  expect(ids.sort()).toEqual(['m-0', 'm-1', 'm-10', 'm-11', 'm-2', 'm-3', 'm-4']);
  expect(recommender.readEvents().filter((e) => e.kind === 'user')).toEqual([expect.objectContaining({ userId: 'user-1' })]);
  expect(recommender.readEvents().find((e) => e.eventId === 'm-0')).toMatchObject({ trackingId: 'local-shop', itemId: 'item-0', eventValue: 9.5, eventType: 'Product Viewed' });
}, 90_000);
