/**
 * A seeded generator of generic events: RudderStack `track` calls as its warehouse/S3 destinations
 * write them (one JSON object per line under events/YYYY/MM/DD/HH/), with the same hidden taste
 * clusters as the Pinpoint generator, for the `events` source and its default field mapping.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterOf, hourDir, itemId, rng, userId, type ProgressListener, type SyntheticWorld } from './pinpoint';

export interface GenericEventsOptions extends SyntheticWorld {
  /** Last day of events (YYYY-MM-DD, UTC). */
  endDate: string;
  /** Approximate number of events. */
  events?: number;
}

const DAY = 86_400_000;
/** Funnel: a view may lead to an add, an add to an order; affinity raises every step. */
const FUNNEL = ['Product Viewed', 'Product Added', 'Order Completed'] as const;

/** A RudderStack `track` call as its S3 destination writes it. */
export function trackRecord(e: { event: string; userId: string; anonymousId: string; messageId: string; productId: string; price?: number; at: number }): Record<string, unknown> {
  const timestamp = new Date(e.at).toISOString();
  return {
    type: 'track',
    event: e.event,
    userId: e.userId,
    anonymousId: e.anonymousId,
    messageId: e.messageId,
    properties: { product_id: e.productId, ...(e.price !== undefined && { price: e.price }) },
    context: { library: { name: 'analytics-node', version: '6.0.0' } },
    timestamp,
    originalTimestamp: timestamp,
    sentAt: timestamp,
    receivedAt: timestamp,
  };
}

/** Writes JSON lines by hour folder (`events/YYYY/MM/DD/HH/rudderstack-…-<tag>.json`); returns the files written. */
export function writeHourFiles(dir: string, byHour: Map<string, string[]>, tag: string): number {
  let files = 0;
  for (const [hour, lines] of [...byHour.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const folder = path.join(dir, 'events', hour);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, `rudderstack-${hour.replace(/\//g, '-')}-${tag}.json`), `${lines.join('\n')}\n`);
    files++;
  }
  return files;
}

export async function generateGenericEvents(opts: GenericEventsOptions, onProgress?: ProgressListener): Promise<{ events: number; files: number }> {
  const seed = opts.seed ?? 42;
  const users = opts.users ?? 1000;
  const items = opts.items ?? 200;
  const clusters = opts.clusters ?? 8;
  const days = opts.days ?? 7;
  const perUserDay = Math.max(1, Math.round((opts.events ?? 50_000) / (1.3 * users * days)));
  const random = rng(seed);
  const endMs = Date.parse(`${opts.endDate}T00:00:00Z`) + DAY;
  const userCluster = Array.from({ length: users }, (_, u) => clusterOf(u, clusters, seed));
  const itemCluster = Array.from({ length: items }, (_, i) => clusterOf(100_000 + i, clusters, seed));
  let events = 0;
  let files = 0;
  for (let day = 0; day < days; day++) {
    const dayStart = endMs - (days - day) * DAY;
    const byHour = new Map<string, string[]>();
    for (let u = 0; u < users; u++) {
      for (let k = 0; k < perUserDay; k++) {
        const item = Math.floor(random() * items);
        const affinity = itemCluster[item] === userCluster[u] ? 0.6 : 0.08;
        let at = dayStart + Math.floor(random() * (DAY - 3_600_000));
        for (const [step, event] of FUNNEL.entries()) {
          if (step > 0 && random() >= affinity) break;
          at += step * Math.floor(random() * 600_000);
          const record = trackRecord({ event, userId: userId(u), anonymousId: `anon-${u}`, messageId: `${seed}-${day}-${u}-${k}-${step}`, productId: itemId(item), price: 5 + (item % 50), at });
          const key = hourDir(at);
          (byHour.get(key) ?? byHour.set(key, []).get(key)!).push(JSON.stringify(record));
          events++;
        }
      }
    }
    files += writeHourFiles(opts.dir, byHour, String(seed));
    onProgress?.((day + 1) * users, days * users);
  }
  return { events, files };
}
