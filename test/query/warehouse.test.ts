/**
 * The DuckDB warehouse as the workflow sees it: an asynchronous job polled like Athena, adopted on
 * a second start, surviving a worker restart, and counting every unusable record by reason.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDbWarehouse, queryIdFor } from '../../activities/local/warehouse';
import { INTERACTIONS_HEADER, type InteractionsSource, type PinpointSourceSpec } from '../../common/interactions';
import { eventsSource, pinpointSource, specOf } from '../helpers/specs';
import type { InteractionsQueryRequest } from '../../activities/ports';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'interactions');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-wh-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function pinpoint(): PinpointSourceSpec {
  return pinpointSource();
}

/** Writes lines into one hour folder of the event stream (relative to the data dir). */
function writeEvents(hour: string, name: string, body: string | Buffer): void {
  const folder = path.join(dir, 'events', hour);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, name), body);
}

const request = (token: string, extra: Partial<InteractionsQueryRequest> = {}): InteractionsQueryRequest => ({
  token: token.padEnd(32, '-'),
  runDate: '2026-11-23',
  lookbackDays: 2,
  outputPrefix: `file://${dir}/out/`,
  ...extra,
});

async function finished(wh: DuckDbWarehouse, queryId: string) {
  await wh.idle();
  return wh.describeQuery(queryId);
}

test('runs asynchronously, adopts a second start with the same token, and writes <prefix><id>.csv', async () => {
  writeEvents('2026/11/23/10', 'stream-1', fs.readFileSync(path.join(fixtures, 'events.jsonl')));
  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf(pinpoint()) });
  const req = request('run-2026-11-23');
  const { queryId } = await wh.startInteractionsQuery(req);
  expect(queryId).toBe(queryIdFor(req.token));
  expect((await wh.startInteractionsQuery(req)).queryId).toBe(queryId);
  expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain((await wh.describeQuery(queryId)).status);

  const done = await finished(wh, queryId);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.outputUri).toBe(`file://${dir}/out/${queryId}.csv`);
  const csv = fs.readFileSync(path.join(dir, 'out', `${queryId}.csv`), 'utf8');
  expect(csv.split('\n')[0]).toBe(INTERACTIONS_HEADER);
  // Without the endpoint filter, the fixture's expected rows plus the deleted endpoint's.
  expect(csv.trim().split('\n')).toHaveLength(fs.readFileSync(path.join(fixtures, 'expected.csv'), 'utf8').trim().split('\n').length + 1);
  expect(done.malformed).toEqual({ bad_json: 1, bad_timestamp: 1, recommendation_without_ids: 2 });

  // The state is in a small JSON file under the data dir; a restarted worker sees the finished job.
  expect(fs.existsSync(path.join(dir, '.warehouse', 'queries.json'))).toBe(true);
  const restarted = new DuckDbWarehouse({ dataDir: dir, spec: specOf(pinpoint()) });
  expect(await restarted.describeQuery(queryId)).toEqual(done);
  expect((await restarted.startInteractionsQuery(req)).queryId).toBe(queryId);
});

test('the same token with another request is refused rather than adopted', async () => {
  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf(pinpoint()) });
  await wh.startInteractionsQuery(request('tok'));
  await expect(wh.startInteractionsQuery(request('tok', { runDate: '2026-11-24' }))).rejects.toThrow(/already used/);
  await wh.idle();
});

test('a job left RUNNING by a dead worker is run again; one with a live heartbeat is left alone', async () => {
  writeEvents('2026/11/23/10', 'stream-1', fs.readFileSync(path.join(fixtures, 'events.jsonl')));
  const statePath = path.join(dir, 'state', 'jobs.json');
  const req = request('orphan');
  const id = queryIdFor(req.token);
  const orphan = { id, request: req, status: 'RUNNING', createdAt: new Date().toISOString(), runner: 'dead-worker', heartbeatAt: Date.now() - 60_000 };
  fs.mkdirSync(path.dirname(statePath), { recursive: true });
  fs.writeFileSync(statePath, JSON.stringify({ [id]: orphan }));

  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf(pinpoint()), statePath });
  expect((await wh.describeQuery(id)).status).toBe('RUNNING');
  const done = await finished(wh, id);
  expect(done.status).toBe('SUCCEEDED');
  expect(fs.existsSync(path.join(dir, 'out', `${id}.csv`))).toBe(true);

  const liveReq = request('live');
  const liveId = queryIdFor(liveReq.token);
  const live = { id: liveId, request: liveReq, status: 'RUNNING', createdAt: new Date().toISOString(), runner: 'other-worker', heartbeatAt: Date.now() };
  fs.writeFileSync(statePath, JSON.stringify({ ...JSON.parse(fs.readFileSync(statePath, 'utf8')), [liveId]: live }));
  expect((await wh.describeQuery(liveId)).status).toBe('RUNNING');
  await wh.idle();
  expect(fs.existsSync(path.join(dir, 'out', `${liveId}.csv`))).toBe(false);
});

test('a job whose runner process is gone (its worker was SIGKILLed) is run again at once, without waiting for its heartbeat to go stale', async () => {
  writeEvents('2026/11/23/10', 'stream-1', fs.readFileSync(path.join(fixtures, 'events.jsonl')));
  const statePath = path.join(dir, 'state', 'pid-jobs.json');
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
  const killed = request('killed');
  const alive = request('alive');
  const job = (req: ReturnType<typeof request>, pid: number) => ({ id: queryIdFor(req.token), request: req, status: 'RUNNING', createdAt: new Date().toISOString(), runner: `w-${pid}`, pid, heartbeatAt: Date.now() });
  fs.mkdirSync(path.dirname(statePath), { recursive: true });
  fs.writeFileSync(statePath, JSON.stringify({ [queryIdFor(killed.token)]: job(killed, deadPid), [queryIdFor(alive.token)]: job(alive, process.ppid) }));

  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf(pinpoint()), statePath });
  expect((await wh.describeQuery(queryIdFor(alive.token))).status).toBe('RUNNING');
  expect((await wh.describeQuery(queryIdFor(killed.token))).status).toBe('RUNNING');
  expect((await finished(wh, queryIdFor(killed.token))).status).toBe('SUCCEEDED');
  await wh.idle();
  expect(fs.existsSync(path.join(dir, 'out', `${queryIdFor(alive.token)}.csv`))).toBe(false);
});

test('malformed lines are counted by reason and never fail the query', async () => {
  const good = (endpoint: string, ts: number, type: string, attributes: Record<string, string>) =>
    JSON.stringify({ event_type: type, arrival_timestamp: ts, client: { client_id: endpoint }, attributes });
  const t = Date.UTC(2026, 10, 23, 10);
  const lines = [
    Buffer.from(good('ep-1', t, '_custom.recommender', { campaign_id: 'C', item_id: 'i1', personalize_user_id: 'u1' })),
    Buffer.from(good('ep-1', t + 60_000, '_email.click', { campaign_id: 'C' })),
    Buffer.from('{"event_type": "_email.open", "arrival_timestamp": 17'), // bad JSON
    Buffer.from('[1, 2, 3]'), // JSON, not an object
    Buffer.concat([Buffer.from('{"event_type":"_email.open","note":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), // invalid UTF-8
    Buffer.from('{}'), // an object without any field
    Buffer.from(JSON.stringify({ event_type: '_email.open', arrival_timestamp: t })), // no endpoint
    Buffer.from(good('ep-1', t, '_email.open', { campaign_id: 'C' }).replace(String(t), '"later"')), // wrong type
    Buffer.from(good('ep-1', 946_684_799_000, '_email.open', { campaign_id: 'C' })), // 1999
    Buffer.from(good('ep-1', Date.UTC(2026, 10, 25, 12), '_email.open', { campaign_id: 'C' })), // > 1 day after the run date
  ];
  writeEvents('2026/11/23/10', 'stream-1', Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf(pinpoint()) });
  const { queryId } = await wh.startInteractionsQuery(request('malformed', { lookbackDays: null }));
  const done = await finished(wh, queryId);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.malformed).toEqual({ bad_json: 2, unreadable_line: 1, missing_fields: 2, bad_timestamp: 1, absurd_timestamp: 2 });
  expect(fs.readFileSync(path.join(dir, 'out', `${queryId}.csv`), 'utf8')).toBe(`${INTERACTIONS_HEADER}\nu1,i1,_email.click,100.0,${t / 1000 + 60}\n`);
});

test('a missing endpoint export fails the job with a reason a person can act on', async () => {
  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf({ ...pinpoint(), useEndpointExport: true }) });
  const { queryId } = await wh.startInteractionsQuery(request('no-export', { endpointExportPrefix: `file://${dir}/exports/none/` }));
  const done = await finished(wh, queryId);
  expect(done.status).toBe('FAILED');
  expect(done.reason).toMatch(/endpoint export .* has no \.gz files/);
});

test('a generic event source maps RudderStack track events and counts rows without ids', async () => {
  const spec: InteractionsSource = eventsSource({
    eventsPrefix: `file://${dir}/track/`,
    mapping: { USER_ID: 'userId', ITEM_ID: 'properties.product_id', EVENT_TYPE: 'event', TIMESTAMP: 'timestamp' },
    scoring: { 'Product Viewed': 1, 'Order Completed': 10 },
  });
  const folder = path.join(dir, 'track', '2026', '11', '23', '09');
  fs.mkdirSync(folder, { recursive: true });
  const events = [
    { type: 'track', event: 'Product Viewed', userId: 'u1', properties: { product_id: 'p1' }, timestamp: '2026-11-23T09:00:00.000Z' },
    { type: 'track', event: 'Order Completed', userId: 'u1', properties: { product_id: 42 }, timestamp: 1795424500 },
    { type: 'track', event: 'Product Viewed', userId: 'u2', properties: { product_id: 'p2' }, timestamp: 1795424600123 },
    { type: 'track', event: 'Cart Viewed', userId: 'u2', properties: { product_id: 'p2' }, timestamp: 1795424600 }, // not scored
    { type: 'track', event: 'Product Viewed', anonymousId: 'a1', properties: { product_id: 'p3' }, timestamp: 1795424600 }, // no user
    { type: 'track', event: 'Product Viewed', userId: 'u3', properties: {}, timestamp: 1795424600 }, // no item
    { type: 'track', event: 'Product Viewed', userId: 'u3', properties: { product_id: 'p3' }, timestamp: '2026-11-20T09:00:00+02:00' }, // too old
  ];
  fs.writeFileSync(path.join(folder, 'rudder-1'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const wh = new DuckDbWarehouse({ dataDir: dir, spec: specOf(spec) });
  const { queryId } = await wh.startInteractionsQuery(request('track'));
  const done = await finished(wh, queryId);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.malformed).toEqual({ missing_user_id: 1, missing_item_id: 1 });
  // Unsorted: Personalize does not need the rows in order.
  const [header, ...rows] = fs.readFileSync(path.join(dir, 'out', `${queryId}.csv`), 'utf8').trim().split('\n');
  expect(header).toBe(INTERACTIONS_HEADER);
  expect(rows.sort()).toEqual(['u1,42,Order Completed,10.0,1795424500', 'u1,p1,Product Viewed,1.0,1795424400', 'u2,p2,Product Viewed,1.0,1795424600']);
});
