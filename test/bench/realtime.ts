/**
 * Real-time path throughput: mapping + grouping + delivery to a mocked sink, in process (the durable
 * hand-over to Temporal is measured by the gateway tests, not here), and calls per event on
 * sessioned traffic (RudderStack sends one call per event: 1.0).
 */
import { deliverRecords, type EventSink } from '../../activities/realtime/delivery';
import { mapMessage, type DestinationConfig, type PersonalizeRecord } from '../../activities/realtime/mapping';

type Report = (name: string, value: number) => void;

export async function benchRealtime(report: Report, opts: { events: number } = { events: 200_000 }): Promise<void> {
  const config: DestinationConfig = { eventChoice: 'PutEvents', trackingId: 't', customMappings: [{ from: 'ITEM_ID', to: 'product_id' }, { from: 'EVENT_VALUE', to: 'price' }, { from: 'CATEGORY', to: 'category' }] };
  let calls = 0;
  const sink: EventSink = {
    putEvents: async () => void calls++,
    putItems: async () => void calls++,
    putUsers: async () => void calls++,
  };
  // Sessions of 1–20 events, as browsing produces them, 8 sessions active at a time (interleaved).
  const messages: Record<string, unknown>[] = [];
  const active: { id: number; left: number }[] = [];
  let next = 0;
  for (let n = 0; n < opts.events; n++) {
    while (active.length < 8) {
      active.push({ id: next, left: 1 + ((next * 7919) % 20) });
      next++;
    }
    const s = active[n % active.length]!;
    messages.push({ type: 'track', event: 'Product Viewed', messageId: `m${n}`, anonymousId: `anon-${s.id}`, userId: `u${s.id % 5000}`, timestamp: '2026-11-23T10:00:00Z', properties: { product_id: `sku-${n % 3000}`, price: '19.90', category: 'shoes' } });
    if (--s.left === 0) active.splice(active.indexOf(s), 1);
  }
  const t = Date.now();
  const records: PersonalizeRecord[] = [];
  for (const m of messages) {
    const r = mapMessage(m, config);
    if (r.ok) records.push(r.record);
  }
  // The ingest workflow hands the activity 200 records at a time.
  for (let i = 0; i < records.length; i += 200) await deliverRecords(records.slice(i, i + 200), { sink, deadLetters: { put: async () => undefined } });
  report('realtime_events_per_s', records.length / ((Date.now() - t) / 1000));
  report('realtime_calls_per_event', calls / records.length);
}
