/**
 * The synthetic Pinpoint generator (deterministic, AWS's envelope, a hidden preference structure)
 * and the file pruning both queries rely on.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { clusterOf, generatePinpointData } from '../../activities/local/generator/pinpoint';
import { eventFilesForWindow, eventPartitionsForWindow, mappingColumns } from '../../activities/query/duckdb';
import { generateGenericEvents } from '../../activities/local/generator/events';
import { DuckDbWarehouse } from '../../activities/local/warehouse';
import { DEFAULT_FIELD_MAPPING } from '../../common/interactions';
import { eventsSource, specOf } from '../helpers/specs';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

const tmp = () => scratchDir('po-gen-');

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

function digest(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of filesUnder(dir)) h.update(path.relative(dir, f)).update(fs.readFileSync(f));
  return h.digest('hex');
}

interface Rec {
  event_type: string;
  arrival_timestamp: number;
  client: { client_id: string };
  attributes: Record<string, string>;
}

function records(dir: string): Rec[] {
  return filesUnder(path.join(dir, 'events')).flatMap((f) => {
    const raw = f.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(f)) : fs.readFileSync(f);
    return raw
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Rec];
        } catch {
          return [];
        }
      });
  });
}

const base = { users: 100, items: 40, days: 3, endDate: '2026-11-23', events: 3000 };

test('same seed, same bytes; another seed, other bytes', async () => {
  const [a, b, c] = [tmp(), tmp(), tmp()];
  await generatePinpointData({ dir: a, seed: 5, ...base, gzip: true });
  await generatePinpointData({ dir: b, seed: 5, ...base, gzip: true });
  await generatePinpointData({ dir: c, seed: 6, ...base, gzip: true });
  expect(digest(a)).toBe(digest(b));
  expect(digest(a)).not.toBe(digest(c));
});

test('records carry the Pinpoint event-stream envelope, under their arrival hour', async () => {
  const dir = tmp();
  const progress: number[] = [];
  const summary = await generatePinpointData({ dir, seed: 3, ...base, malformed: 4 }, (done) => progress.push(done));
  const recs = records(dir);
  // Of the 4 malformed lines only the truncated one fails JSON.parse here (invalid UTF-8 decodes to U+FFFD).
  expect(recs.length).toBe(summary.events + 3);
  const rec = recs.find((r) => r.event_type === '_custom.recommender')!;
  expect(Object.keys(rec)).toEqual(
    expect.arrayContaining(['event_type', 'event_timestamp', 'arrival_timestamp', 'event_version', 'application', 'client', 'device', 'session', 'attributes', 'awsAccountId'])
  );
  expect(rec.attributes).toEqual(expect.objectContaining({ item_id: expect.any(String), personalize_user_id: expect.any(String) }));
  const types = new Set(recs.map((r) => r.event_type));
  for (const t of ['_custom.recommender', '_email.open', '_email.click', '_campaign.opened_notification']) expect(types).toContain(t);
  expect(recs.some((r) => r.attributes.journey_id)).toBe(true);
  // Every parseable, plausible record sits in the folder of its arrival hour.
  for (const f of filesUnder(path.join(dir, 'events')).slice(0, 5)) {
    const hour = path.relative(path.join(dir, 'events'), path.dirname(f));
    for (const line of fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.startsWith('{"event_type":"_'))) {
      const ts = (JSON.parse(line) as Rec).arrival_timestamp;
      if (ts > Date.UTC(2000, 0, 1)) expect(new Date(ts).toISOString().slice(0, 13).replace(/-/g, '/').replace('T', '/')).toBe(hour);
    }
  }
  const exportLines = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'exports', 'endpoints', 'export-00000.gz'))).toString().trim().split('\n');
  expect((JSON.parse(exportLines[0]!) as { Id: string }).Id).toMatch(/^ep-/);
  expect(fs.readFileSync(path.join(dir, 'scoring', 'values.csv'), 'utf8')).toContain('_email.click,100');
  expect(progress.at(-1)).toBe(base.users * base.days);
});

test('engagements follow the hidden taste clusters, so a collaborative model can beat popularity', async () => {
  const dir = tmp();
  const seed = 8;
  await generatePinpointData({ dir, seed, users: 300, items: 80, clusters: 4, days: 4, endDate: '2026-11-23', events: 20_000 });
  const recs = records(dir).sort((x, y) => x.arrival_timestamp - y.arrival_timestamp);
  // Click rate of in-cluster vs out-of-cluster recommendations.
  const shown = { in: 0, out: 0 };
  const clicked = { in: 0, out: 0 };
  const lastRecs = new Map<string, Rec[]>();
  for (const r of recs) {
    const key = `${r.client.client_id}|${r.attributes.campaign_id ?? r.attributes.journey_id}`;
    const user = Number(r.client.client_id.slice(3));
    if (r.event_type === '_custom.recommender') {
      const side = clusterOf(user, 4, seed) === clusterOf(100_000 + Number(r.attributes.item_id!.slice(5)), 4, seed) ? 'in' : 'out';
      shown[side]++;
      lastRecs.set(key, [...(lastRecs.get(key) ?? []), r]);
    } else if (r.event_type === '_email.click') {
      const item = Number(r.attributes.feedback!.split('/').pop()!.slice(5));
      clicked[clusterOf(user, 4, seed) === clusterOf(100_000 + item, 4, seed) ? 'in' : 'out']++;
    }
  }
  expect(shown.in).toBeGreaterThan(100);
  expect(clicked.in / shown.in).toBeGreaterThan(5 * (clicked.out / shown.out));
});

test('pruning lists only the hour folders the window can touch, plus the Firehose slack', () => {
  const parts = eventPartitionsForWindow('2026-11-23', 1, 3600)!;
  // Recommendations from 23:00 the day before, one hour of slack either side.
  expect(parts[0]).toBe('2026/11/22/22');
  expect(parts.at(-1)).toBe('2026/11/24/00');
  expect(parts).toHaveLength(27);
  expect(eventPartitionsForWindow('2026-11-23', null, 3600)).toBeNull();
  expect(() => eventPartitionsForWindow('23/11/2026', 1, 3600)).toThrow(/YYYY-MM-DD/);

  const root = tmp();
  for (const [hour, name] of [
    ['2026/11/22/21', 'too-early'],
    ['2026/11/22/22', 'slack.gz'],
    ['2026/11/23/12', 'a'],
    ['2026/11/23/12', 'b.gz'],
    ['2026/11/23/12', '.hidden'],
    ['2026/11/24/00', 'slack'],
    ['2026/11/24/01', 'too-late'],
  ] as const) {
    fs.mkdirSync(path.join(root, hour), { recursive: true });
    fs.writeFileSync(path.join(root, hour, name), '');
  }
  const rel = (files: string[]) => files.map((f) => path.relative(root, f));
  expect(rel(eventFilesForWindow(root, '2026-11-23', 1, 3600))).toEqual(['2026/11/22/22/slack.gz', '2026/11/23/12/a', '2026/11/23/12/b.gz', '2026/11/24/00/slack']);
  expect(rel(eventFilesForWindow(root, '2026-11-23', null, 3600))).toHaveLength(6);
  expect(eventFilesForWindow(path.join(root, 'missing'), '2026-11-23', 1, 3600)).toEqual([]);
});

test('a field mapping becomes nested read_json columns; a path used as value and object is refused', () => {
  expect(mappingColumns(['userId', 'properties.product_id', 'properties.price', 'context.traits.id'])).toEqual({
    userId: 'VARCHAR',
    properties: 'STRUCT("product_id" VARCHAR, "price" VARCHAR)',
    context: 'STRUCT("traits" STRUCT("id" VARCHAR))',
  });
  expect(() => mappingColumns(['properties', 'properties.product_id'])).toThrow(/value/);
});

test('generic RudderStack track events: deterministic, and the events source turns them into interactions', async () => {
  const [a, b] = [tmp(), tmp()];
  const opts = { users: 60, items: 30, days: 2, endDate: '2026-11-23', events: 2000 };
  const summary = await generateGenericEvents({ dir: a, seed: 4, ...opts });
  await generateGenericEvents({ dir: b, seed: 4, ...opts });
  expect(digest(a)).toBe(digest(b));
  const wh = new DuckDbWarehouse({
    dataDir: a,
    spec: specOf(eventsSource({ mapping: DEFAULT_FIELD_MAPPING, scoring: { 'Product Viewed': 1, 'Order Completed': 5 } })),
  });
  const { queryId } = await wh.startInteractionsQuery({ token: 'generic-events'.padEnd(32, '.'), runDate: '2026-11-23', lookbackDays: 2, outputPrefix: `file://${a}/out/` });
  await wh.idle();
  const done = await wh.describeQuery(queryId);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.malformed).toEqual({});
  const rows = fs.readFileSync(path.join(a, 'out', `${queryId}.csv`), 'utf8').trim().split('\n').slice(1);
  // Views and orders count, adds (not scored) do not.
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.length).toBeLessThan(summary.events);
  expect(rows.some((r) => r.includes(',Order Completed,5.0,'))).toBe(true);
  expect(rows.some((r) => r.includes('Product Added'))).toBe(false);
});
