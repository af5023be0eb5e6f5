import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDbWarehouse } from '../../activities/local/warehouse';
import { generatePinpointData, clusterOf } from '../../activities/local/generator/pinpoint';
import { pinpointSource, specOf } from '../helpers/specs';
import { hourPartitions, eventWindow } from '../../activities/query/window';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

function tmp(): string {
  return scratchDir('po-wh-');
}

function digest(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(path.relative(dir, p)).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

test('the generator is deterministic: same seed, same bytes; another seed, other bytes', async () => {
  const [a, b, c] = [tmp(), tmp(), tmp()];
  const opts = { users: 100, items: 40, days: 3, endDate: '2026-11-23', events: 3000 };
  await generatePinpointData({ dir: a, seed: 5, ...opts });
  await generatePinpointData({ dir: b, seed: 5, ...opts });
  await generatePinpointData({ dir: c, seed: 6, ...opts });
  expect(digest(a)).toBe(digest(b));
  expect(digest(a)).not.toBe(digest(c));
});

test('generated engagements follow the hidden taste clusters', async () => {
  const dir = tmp();
  const seed = 8;
  await generatePinpointData({ dir, seed, users: 300, items: 80, clusters: 4, days: 4, endDate: '2026-11-23', events: 20_000 });
  const recItem = new Map<string, string>();
  let inCluster = 0;
  let total = 0;
  const lines: { event_type: string; client: { client_id: string }; attributes: Record<string, string>; arrival_timestamp: number }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else for (const l of fs.readFileSync(p, 'utf8').split('\n')) if (l) lines.push(JSON.parse(l));
    }
  };
  walk(path.join(dir, 'events'));
  lines.sort((x, y) => x.arrival_timestamp - y.arrival_timestamp);
  for (const e of lines) {
    const key = `${e.client.client_id}|${e.attributes.campaign_id}`;
    if (e.event_type === '_custom.recommender') recItem.set(key, e.attributes.item_id!);
    else if (e.event_type === '_email.click' && recItem.has(key)) {
      const user = Number(e.client.client_id.slice(3));
      const item = Number(recItem.get(key)!.slice(5));
      total++;
      if (clusterOf(user, 4, seed) === clusterOf(100_000 + item, 4, seed)) inCluster++;
    }
  }
  expect(total).toBeGreaterThan(100);
  expect(inCluster / total).toBeGreaterThan(0.6); // 1 in 4 by chance
});

test('partition pruning reads only the hours a window can touch', () => {
  const w = eventWindow('2026-11-23', 1, 3600);
  const parts = hourPartitions(w.recommendationsFromMs!, w.endMs);
  expect(parts[0]).toBe('2026/11/22/23');
  expect(parts.at(-1)).toBe('2026/11/23/23');
  expect(parts).toHaveLength(25);
});

test('the DuckDB warehouse runs asynchronously, adopts a second start, and counts malformed lines', async () => {
  const dir = tmp();
  await generatePinpointData({ dir, seed: 2, users: 200, items: 50, days: 3, endDate: '2026-11-23', events: 8000, malformed: 8, gzip: true });
  const spec = specOf(pinpointSource({ eventsPrefix: `file://${dir}/events/`, attributionWindowSeconds: 86_400 }));
  const wh = new DuckDbWarehouse({ spec, dataDir: dir, statePath: path.join(dir, 'state', 'queries.json') });
  const req = { token: 'token-of-the-run-2026-11-23-abcdef', runDate: '2026-11-23', lookbackDays: null, outputPrefix: `file://${dir}/out/` };
  const { queryId } = await wh.startInteractionsQuery(req);
  expect((await wh.startInteractionsQuery(req)).queryId).toBe(queryId);
  const first = await wh.describeQuery(queryId);
  expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(first.status);
  await wh.idle();
  const done = await wh.describeQuery(queryId);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.outputUri).toBe(`file://${dir}/out/${queryId}.csv`);
  expect(fs.readFileSync(`${dir}/out/${queryId}.csv`, 'utf8').split('\n')[0]).toBe('USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP');
  expect(done.malformed).toEqual({ bad_json: 2, bad_timestamp: 2, absurd_timestamp: 2, unreadable_line: 2 });

  // A new warehouse on the same state (a restarted worker) sees the finished job, runs nothing again.
  const restarted = new DuckDbWarehouse({ spec, dataDir: dir, statePath: path.join(dir, 'state', 'queries.json') });
  expect((await restarted.describeQuery(queryId)).status).toBe('SUCCEEDED');
});
