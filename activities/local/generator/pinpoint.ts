/**
 * A seeded, deterministic generator of Pinpoint data in the exact formats AWS writes: Firehose
 * event-stream records (newline-delimited JSON under events/YYYY/MM/DD/HH/, optionally gzipped),
 * a Pinpoint endpoint export (gzip NDJSON of EndpointResponse) and the scoring model values.csv.
 *
 * Users and items belong to hidden taste clusters: a user engages far more often with items of
 * their own cluster, so a collaborative model measurably beats popularity. Each day every active
 * user receives `_custom.recommender` events (campaign_id, item_id, personalize_user_id) and
 * engages (`_email.open`, `_email.click`, `_campaign.opened_notification`, `_email.unsubscribe`)
 * after realistic delays.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** The synthetic world every generator shares: who, what, how long, with which hidden taste clusters. */
export interface SyntheticWorld {
  dir: string;
  seed?: number;
  users?: number;
  items?: number;
  clusters?: number;
  days?: number;
}

export interface PinpointDataOptions extends SyntheticWorld {
  /** Last day of events (YYYY-MM-DD, UTC); default yesterday. */
  endDate?: string;
  /** Approximate number of events to write; recommendations per user-day follow from it. */
  events?: number;
  /** Write this many malformed lines (bad JSON, missing fields, invalid UTF-8, absurd timestamps). */
  malformed?: number;
  gzip?: boolean;
  applicationId?: string;
  /** Share of messages sent by a journey (attributed by journey_id) rather than a campaign. */
  journeyShare?: number;
  /** Same as the second argument of generatePinpointData. */
  onProgress?: ProgressListener;
}

/** Called every few thousand user-days: how many are done, of how many. */
export type ProgressListener = (done: number, total: number) => void;

export interface PinpointDataSummary {
  events: number;
  recommendations: number;
  engagements: number;
  malformed: number;
  files: number;
  users: number;
  items: number;
  firstDate: string;
  endDate: string;
}

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

export const SCORING_CSV = `EVENT_TYPE,EVENT_VALUE
_campaign.opened_notification,100
_email.open,50
_email.click,100
_email.unsubscribe,-200
`;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function hourDir(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
}

function yesterday(): string {
  return new Date(Date.now() - DAY).toISOString().slice(0, 10);
}

export const userId = (u: number) => `user-${pad(u, 5)}`;
export const endpointId = (u: number) => `ep-${pad(u, 5)}`;
export const itemId = (i: number) => `item-${pad(i, 4)}`;

/** The hidden structure, exposed so tests can check a model against it. */
export function clusterOf(id: number, clusters: number, seed: number): number {
  return Math.floor(rng(seed * 7919 + id)() * clusters);
}

export async function generatePinpointData(opts: PinpointDataOptions, onProgress?: ProgressListener): Promise<PinpointDataSummary> {
  const progress = onProgress ?? opts.onProgress;
  const journeyShare = opts.journeyShare ?? 0.2;
  const seed = opts.seed ?? 42;
  const users = opts.users ?? 2000;
  const items = opts.items ?? 400;
  const clusters = opts.clusters ?? 8;
  const days = opts.days ?? 14;
  const endDate = opts.endDate ?? yesterday();
  const target = opts.events ?? 100_000;
  const appId = opts.applicationId ?? 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
  const random = rng(seed);
  const endMs = Date.parse(`${endDate}T00:00:00Z`) + DAY;
  const startMs = endMs - days * DAY;

  const userCluster = Array.from({ length: users }, (_, u) => clusterOf(u, clusters, seed));
  const itemCluster = Array.from({ length: items }, (_, i) => clusterOf(100_000 + i, clusters, seed));
  // Zipf-like popularity inside each cluster, so popularity is a real (but weaker) baseline.
  const itemsByCluster: number[][] = Array.from({ length: clusters }, () => []);
  itemCluster.forEach((c, i) => itemsByCluster[c]!.push(i));
  const pick = (list: number[]) => list[Math.min(list.length - 1, Math.floor(list.length * Math.pow(random(), 1.8)))]!;

  // About 1.65 events per recommendation (it, a send, engagements); 65 % of users get each day's campaign.
  const recsPerUserDay = Math.max(1, Math.round(target / (1.65 * 0.65 * users * days)));
  const byHour = new Map<string, string[]>();
  const push = (ms: number, record: unknown) => {
    const key = hourDir(ms);
    let list = byHour.get(key);
    if (!list) byHour.set(key, (list = []));
    list.push(JSON.stringify(record));
  };
  const envelope = (type: string, ms: number, u: number, attributes: Record<string, string>) => ({
    event_type: type,
    event_timestamp: ms - Math.floor(random() * 2000),
    arrival_timestamp: ms,
    event_version: '3.1',
    application: { app_id: appId, sdk: {} },
    client: { client_id: endpointId(u) },
    device: { platform: {} },
    session: {},
    attributes,
    awsAccountId: '123456789012',
  });

  fs.mkdirSync(opts.dir, { recursive: true });
  let files = 0;
  let events = 0;
  const written = new Set<string>();
  /** Writes every hour that can no longer receive events (large runs stay within memory). */
  const flush = (beforeMs: number, trailing: Buffer[] = []) => {
    const keys = [...byHour.keys()].filter((k) => Date.parse(`${k.replace(/\//g, '-').replace(/-(\d\d)$/, 'T$1')}:00:00Z`) < beforeMs).sort();
    keys.forEach((key, index) => {
      const lines = byHour.get(key)!;
      byHour.delete(key);
      events += lines.length;
      let body = Buffer.from(`${lines.join('\n')}\n`);
      if (index === keys.length - 1 && trailing.length) body = Buffer.concat([body, ...trailing.map((b) => Buffer.concat([b, Buffer.from('\n')]))]);
      const dir = path.join(opts.dir, 'events', key);
      fs.mkdirSync(dir, { recursive: true });
      // Firehose names objects <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>; one object per flush here.
      const name = `personalize-optimizer-stream-1-${key.replace(/\//g, '-')}-00-00-${pad(seed, 4)}${written.has(key) ? '-b' : ''}`;
      written.add(key);
      if (opts.gzip) fs.writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(body));
      else fs.writeFileSync(path.join(dir, name), body);
      files++;
    });
  };

  let recommendations = 0;
  let engagements = 0;
  const total = users * days;
  let progressed = 0;
  for (let day = 0; day < days; day++) {
    const dayStart = startMs + day * DAY;
    const dateTag = new Date(dayStart).toISOString().slice(0, 10).replace(/-/g, '');
    const campaignId = `camp${dateTag}${'0'.repeat(20)}`.slice(0, 32);
    const journeyId = `jrny${dateTag}${'0'.repeat(20)}`.slice(0, 32);
    const campaignAttributes = { campaign_id: campaignId, treatment_id: '0', campaign_activity_id: 'act1' };
    const journeyAttributes = { journey_id: journeyId, journey_activity_id: 'send1', journey_run_id: `run${dateTag}` };
    flush(dayStart);
    for (let u = 0; u < users; u++) {
      progressed++;
      if (progress && progressed % 5000 === 0) progress(progressed, total);
      if (random() < 0.35) continue; // not every user receives every day's campaign
      // A message comes from a campaign or a journey; its engagements carry the same id.
      const sentBy = random() < journeyShare ? journeyAttributes : campaignAttributes;
      const via: Record<string, string> = 'journey_id' in sentBy ? { journey_id: journeyId } : { campaign_id: campaignId };
      const recAt = dayStart + Math.floor(random() * 20 * HOUR);
      for (let k = 0; k < recsPerUserDay; k++) {
        // Recommendations mix the user's cluster with exploration, like a real recommender would.
        const own = random() < 0.5;
        const c = own ? userCluster[u]! : Math.floor(random() * clusters);
        const item = pick(itemsByCluster[c]!.length ? itemsByCluster[c]! : [0]);
        const t = recAt + k * 1000;
        push(t, envelope('_custom.recommender', t, u, { ...via, item_id: itemId(item), personalize_user_id: userId(u) }));
        recommendations++;
        const liked = itemCluster[item] === userCluster[u];
        const pOpen = liked ? 0.55 : 0.06;
        if (random() < pOpen) {
          const openAt = t + Math.floor(2 * 60_000 + random() * 6 * HOUR);
          if (openAt < endMs) {
            const type = random() < 0.3 ? '_campaign.opened_notification' : '_email.open';
            push(openAt, envelope(type, openAt, u, { ...sentBy }));
            engagements++;
            if (random() < (liked ? 0.5 : 0.1)) {
              const clickAt = openAt + Math.floor(10_000 + random() * 20 * 60_000);
              if (clickAt < endMs) {
                push(clickAt, envelope('_email.click', clickAt, u, { ...sentBy, feedback: `https://shop.example.com/p/${itemId(item)}` }));
                engagements++;
              }
            }
          }
        } else if (!liked && random() < 0.01) {
          const at = t + Math.floor(HOUR + random() * 10 * HOUR);
          if (at < endMs) {
            push(at, envelope('_email.unsubscribe', at, u, { ...sentBy }));
            engagements++;
          }
        }
        // Some sends are never engaged with; the send event itself is not an interaction.
        if (random() < 0.15) push(t + 500, envelope('_email.send', t + 500, u, { ...sentBy }));
      }
    }
  }

  const malformed = opts.malformed ?? 0;
  const bad: Buffer[] = [];
  for (let i = 0; i < malformed; i++) {
    const kind = i % 4;
    if (kind === 0) bad.push(Buffer.from('{"event_type": "_email.open", "arrival_timestamp": 17'));
    else if (kind === 1) bad.push(Buffer.from(JSON.stringify({ event_type: '_email.open', client: { client_id: endpointId(1) } })));
    else if (kind === 2) bad.push(Buffer.concat([Buffer.from('{"event_type":"_email.open","note":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    else bad.push(Buffer.from(JSON.stringify(envelope('_email.open', 12345, 1, { campaign_id: 'x' }))));
  }

  flush(Infinity, bad);
  if (progress) progress(total, total);

  // Endpoint export: every user but a few deleted endpoints (their history must not count when filtering).
  const endpoints: string[] = [];
  for (let u = 0; u < users; u++) {
    if (u % 97 === 96) continue;
    endpoints.push(
      JSON.stringify({
        Id: endpointId(u),
        ApplicationId: appId,
        ChannelType: 'EMAIL',
        Address: `${userId(u)}@example.com`,
        EndpointStatus: 'ACTIVE',
        OptOut: 'NONE',
        EffectiveDate: new Date(startMs).toISOString(),
        User: { UserId: userId(u) },
      })
    );
  }
  const exportDir = path.join(opts.dir, 'exports', 'endpoints');
  fs.mkdirSync(exportDir, { recursive: true });
  fs.writeFileSync(path.join(exportDir, 'export-00000.gz'), zlib.gzipSync(`${endpoints.join('\n')}\n`));
  fs.mkdirSync(path.join(opts.dir, 'scoring'), { recursive: true });
  fs.writeFileSync(path.join(opts.dir, 'scoring', 'values.csv'), SCORING_CSV);

  return {
    events,
    recommendations,
    engagements,
    malformed,
    files,
    users,
    items,
    firstDate: new Date(startMs).toISOString().slice(0, 10),
    endDate,
  };
}
