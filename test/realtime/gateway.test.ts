/**
 * The gateway on loopback with a scripted Temporal client: it acknowledges only after Temporal has
 * recorded the hand-over, and refuses (503, retry) when it cannot, so no acknowledged event is lost.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createGateway } from '../../client/gateway/server';
import { parseConfig } from '../../common/config';
import type { IngestItem } from '../../workflows/ingest';

const KEY = 'write-key-0123456789';
const config = parseConfig(`temporal:
  taskQueue: gw
local:
  dataDir: /tmp/po-gateway-test
pipelines:
  - name: shop
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/ }
    workPrefix: data/work/
    realtime:
      writeKeys: [${KEY}]
      customMappings: [{ from: ITEM_ID, to: product_id }]
`);

let handOver: (opts: { workflowId: string; signalArgs: [IngestItem[]] }) => Promise<void>;
const client = { workflow: { signalWithStart: (_type: string, opts: { workflowId: string; signalArgs: [IngestItem[]] }) => handOver(opts) } } as unknown as Client;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = createGateway({ client, config });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const track = { event: 'Product Viewed', userId: 'u1', timestamp: '2026-11-23T10:00:00Z', properties: { product_id: 'sku-1' } };
const post = async (body: unknown) => {
  const res = await fetch(`${url}/v1/track`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('answers only after Temporal has recorded the events, to the pipeline’s ingest workflow', async () => {
  const order: string[] = [];
  let held: IngestItem[] = [];
  handOver = async (opts) => {
    await new Promise((r) => setTimeout(r, 50));
    held = opts.signalArgs[0];
    order.push(`held by ${opts.workflowId}`);
  };
  const res = await post({ ...track, messageId: 'm-1' });
  order.push('acknowledged');
  expect(res).toEqual({ status: 200, body: { success: true, received: 1 } });
  expect(order).toEqual(['held by ingest-shop', 'acknowledged']);
  expect(held).toEqual([{ messageId: 'm-1', record: expect.objectContaining({ kind: 'event', userId: 'u1', event: expect.objectContaining({ eventId: 'm-1', itemId: 'sku-1' }) }) }]);
});

test('when Temporal cannot hold the events the client is told to retry (503), not acknowledged', async () => {
  handOver = async () => {
    throw new Error('connection refused');
  };
  expect(await post(track)).toEqual({ status: 503, body: { error: 'events not accepted, retry: connection refused' } });
});

test('an event without messageId gets one, so it is still delivered once', async () => {
  let held: IngestItem[] = [];
  handOver = async (opts) => void (held = opts.signalArgs[0]);
  expect((await post(track)).status).toBe(200);
  expect(held[0]!.messageId).toMatch(/^[0-9a-f-]{36}$/);
  expect((held[0]!.record as { event: { eventId: string } }).event.eventId).toBe(held[0]!.messageId);
});
