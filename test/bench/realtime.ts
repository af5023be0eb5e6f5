/**
 * Real-time path throughput on sessioned traffic:
 *  - realtime_events_per_s: HTTP gateway (loopback, /v1/batch of 100, 4 clients) → mapping and
 *    checks → the ingest workflow's logic (dedupe, batches of 200) → delivery (≤10 per call) to a
 *    counting sink. The Temporal hand-over is replaced by an in-process queue, so this is the
 *    gateway's and delivery's own cost, not the Temporal server's;
 *  - realtime_mapping_delivery_events_per_s: mapping + delivery alone, in process;
 *  - realtime_calls_per_event: Personalize calls per event (RudderStack makes one per event: 1.0).
 */
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createGateway } from '../../client/gateway/server';
import { parseConfig } from '../../common/config';
import { deliverRecords, type EventSink } from '../../activities/realtime/delivery';
import { mapMessage, type PersonalizeRecord } from '../../activities/realtime/mapping';
import { DELIVERY_BATCH, RecentIds, type IngestItem } from '../../workflows/ingest';

type Report = (name: string, value: number) => void;

const WRITE_KEY = 'bench-write-key';
const CONFIG = `temporal:
  taskQueue: bench
local:
  dataDir: /tmp/po-bench-realtime
pipelines:
  - name: shop
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/ }
    workPrefix: data/work/
    realtime:
      writeKeys: [${WRITE_KEY}]
      customMappings:
        - { from: ITEM_ID, to: product_id }
        - { from: EVENT_VALUE, to: price }
        - { from: CATEGORY, to: category }
`;

/** Browsing sessions of 1–20 events, 8 active at a time and interleaved, as a site produces them. */
function sessionedTraffic(events: number): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  const active: { id: number; left: number }[] = [];
  let next = 0;
  for (let n = 0; n < events; n++) {
    while (active.length < 8) {
      active.push({ id: next, left: 1 + ((next * 7919) % 20) });
      next++;
    }
    const s = active[n % active.length]!;
    messages.push({
      type: 'track',
      event: 'Product Viewed',
      messageId: `m${n}`,
      anonymousId: `anon-${s.id}`,
      userId: `u${s.id % 5000}`,
      timestamp: '2026-11-23T10:00:00Z',
      properties: { product_id: `sku-${n % 3000}`, price: '19.90', category: 'shoes' },
    });
    if (--s.left === 0) active.splice(active.indexOf(s), 1);
  }
  return messages;
}

function countingSink(): { sink: EventSink; calls: () => number } {
  let calls = 0;
  const count = async () => void calls++;
  return { sink: { putEvents: count, putItems: count, putUsers: count }, calls: () => calls };
}

/** The ingest workflow's buffer without the server: dedupe, then deliver 200 records per activity call. */
function inProcessIngest(sink: EventSink) {
  const recent = new RecentIds([], 10_000);
  const pending: IngestItem[] = [];
  let draining: Promise<void> = Promise.resolve();
  const drain = async () => {
    while (pending.length > 0) {
      const batch = pending.splice(0, DELIVERY_BATCH);
      await deliverRecords(
        batch.map((b) => b.record),
        { sink, deadLetters: { put: async () => undefined } }
      );
    }
  };
  const client = {
    workflow: {
      signalWithStart: async (_type: string, opts: { signalArgs: [IngestItem[]] }) => {
        pending.push(...recent.accept(opts.signalArgs[0]).fresh);
        draining = draining.then(drain);
        return {};
      },
    },
  } as unknown as Client;
  return { client, settled: () => draining };
}

async function throughGateway(messages: Record<string, unknown>[]): Promise<{ seconds: number; calls: number }> {
  const { sink, calls } = countingSink();
  const ingest = inProcessIngest(sink);
  const server = createGateway({ client: ingest.client, config: parseConfig(CONFIG) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/batch`;
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
  const bodies: string[] = [];
  for (let i = 0; i < messages.length; i += 100) bodies.push(JSON.stringify({ batch: messages.slice(i, i + 100) }));
  try {
    const t = process.hrtime.bigint();
    let nextBody = 0;
    const clientLoop = async () => {
      while (nextBody < bodies.length) {
        const body = bodies[nextBody++]!;
        const res = await fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
        if (res.status !== 200) throw new Error(`gateway answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    };
    await Promise.all([clientLoop(), clientLoop(), clientLoop(), clientLoop()]);
    await ingest.settled();
    return { seconds: Number(process.hrtime.bigint() - t) / 1e9, calls: calls() };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

async function inProcess(messages: Record<string, unknown>[]): Promise<number> {
  const config = parseConfig(CONFIG).pipelines[0]!.realtime!;
  const destination = { eventChoice: config.eventChoice, trackingId: 'local-shop', customMappings: config.customMappings };
  const { sink } = countingSink();
  const t = process.hrtime.bigint();
  const records: PersonalizeRecord[] = [];
  for (const m of messages) {
    const r = mapMessage(m, destination);
    if (r.ok) records.push(r.record);
  }
  for (let i = 0; i < records.length; i += DELIVERY_BATCH) {
    await deliverRecords(records.slice(i, i + DELIVERY_BATCH), { sink, deadLetters: { put: async () => undefined } });
  }
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export async function benchRealtime(report: Report, opts: { events?: number } = {}): Promise<void> {
  const messages = sessionedTraffic(opts.events ?? 100_000);
  const gateway = await throughGateway(messages);
  report('realtime_events_per_s', Math.round(messages.length / gateway.seconds));
  report('realtime_mapping_delivery_events_per_s', Math.round(messages.length / (await inProcess(messages))));
  report('realtime_calls_per_event', Number((gateway.calls / messages.length).toFixed(4)));
}
