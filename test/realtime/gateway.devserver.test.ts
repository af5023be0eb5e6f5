/**
 * The gateway on loopback with the dev server and the embedded backend: events are acknowledged
 * once a workflow holds them, delivered to the local recommender's event log, once each; events
 * accepted while no worker runs are delivered when one starts; bad requests are refused precisely.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { createLocalSetup, type LocalSetup } from '../e2e/local-setup';
import { createGateway } from '../../client/gateway/server';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { ingestStatusQuery, ingestWorkflowId } from '../../workflows/ingest';

const KEY = 'write-key-0123456789';
let env: TestWorkflowEnvironment;
let setup: LocalSetup;
let server: http.Server;
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
  server = createGateway({ client: env.client, config: setup.config, maxBodyBytes: 64 * 1024 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await env?.teardown();
});

async function post(path: string, body: unknown, key: string = KEY): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
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

test('events accepted while no worker runs are held by the workflow and delivered once a worker starts, once each', async () => {
  const first = await post('/v1/batch', { batch: [0, 1, 2, 3, 4].map((n) => ({ type: 'track', ...track(n) })) });
  expect(first).toEqual({ status: 200, body: { success: true, received: 5 } });
  const again = await post('/v1/track', track(2)); // a client retry of an acknowledged event
  expect(again).toEqual({ status: 200, body: { success: true, received: 1 } });
  const identify = await post('/v1/identify', { messageId: 'id-1', userId: 'user-1', traits: { plan: 'pro' } });
  expect(identify.status).toBe(200);

  const registry = buildRegistry(setup.config);
  const worker = await createRetrainWorker({ config: setup.config, connection: env.nativeConnection, registry });
  const handle = env.client.workflow.getHandle(ingestWorkflowId('shop'));
  await worker.runUntil(async () => {
    for (let i = 0; i < 100; i++) {
      const s = await handle.query(ingestStatusQuery);
      if (s.pending === 0 && s.delivered === 6 && s.duplicates === 1) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('events were not delivered');
  });
  const log = registry.localRecommender('shop')!.readEvents();
  const events = log.filter((e) => e.kind === 'event');
  expect(events.map((e) => e.eventId).sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
  expect(events[0]).toMatchObject({ trackingId: 'local-shop', itemId: 'item-0', eventValue: 9.5, eventType: 'Product Viewed' });
  expect(log.filter((e) => e.kind === 'user')).toEqual([expect.objectContaining({ userId: 'user-1' })]);
}, 60_000);

test('a bad event is refused with which event, which field and why, and nothing of the request is accepted', async () => {
  const res = await post('/v1/batch', { batch: [{ type: 'track', ...track(10) }, { type: 'track', ...track(11), properties: { product_id: 'x', price: '3.4abc' } }, { type: 'page', messageId: 'p' }] });
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('2 of 3 events cannot be sent; nothing was accepted');
  expect(res.body.events).toEqual([
    { index: 1, messageId: 'm-11', errors: [{ field: 'properties.price', reason: 'EVENT_VALUE "3.4abc" is not a number' }] },
    { index: 2, messageId: 'p', errors: [{ field: 'type', reason: 'page calls are not sent to Personalize (track and identify are)' }] },
  ]);
  // Nothing reached the workflow: still only the three signals of the first test.
  const history = await env.client.workflow.getHandle(ingestWorkflowId('shop')).fetchHistory();
  expect(history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(3);
});

test('auth, size limit, JSON and routes', async () => {
  expect((await post('/v1/track', track(1), '')).status).toBe(401);
  expect((await post('/v1/track', track(1), 'wrong-key-123')).status).toBe(401);
  const big = await post('/v1/batch', { batch: Array.from({ length: 400 }, (_, n) => ({ type: 'track', ...track(n), properties: { product_id: 'x'.repeat(200) } })) });
  expect(big.status).toBe(413);
  expect(big.body.error).toMatch(/over the 65536-byte limit/);
  expect((await post('/v1/track', '{not json')).status).toBe(400);
  expect(await post('/v1/track', 'null')).toEqual({ status: 400, body: { error: 'the body must be a JSON object' } });
  expect((await post('/v1/alias', {})).status).toBe(404);
});
