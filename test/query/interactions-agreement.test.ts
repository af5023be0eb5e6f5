/**
 * The DuckDB query and the Athena query agree: both run on the same fixture events (each pitfall of
 * the original is one case, named in its `note` attribute) and must produce exactly the same
 * expected rows (test/fixtures/interactions/expected.csv).
 *
 * The Athena SQL is executed on DuckDB over tables shaped like the Glue tables: struct and map
 * columns, `dt` taken from the hour folder each file lies in (as partition projection does), and
 * the endpoint export's "$path". Trino functions whose DuckDB namesake differs get a macro; the
 * lists below account for every function the SQL calls.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildAthenaInteractionsQuery, TRINO_FUNCTIONS_USED } from '../../activities/query/athena';
import { buildDuckDbInteractionsQuery, eventFilesForWindow } from '../../activities/query/duckdb';
import { hourPartition } from '../../activities/query/window';
import { DEFAULT_SCORING_MODEL, INTERACTIONS_HEADER, type PinpointSourceSpec } from '../../common/interactions';

/** Trino functions whose DuckDB namesake behaves differently, and the macro standing in for each. */
const DUCKDB_SHIMS: Record<string, string> = {
  // Trino: the value for the key, NULL when absent. DuckDB's element_at on a map returns a list.
  element_at: 'CREATE OR REPLACE MACRO element_at(m, k) AS m[k]',
};
/** Trino functions DuckDB has with the same meaning for the types used here. */
const SAME_IN_DUCKDB = ['coalesce', 'nullif', 'trim', 'floor', 'starts_with'];
/** SQL words followed by "(" that are not function calls. */
const NOT_FUNCTIONS = new Set(['as', 'in', 'values', 'cast', 'on', 'and', 'or', 'where', 'from', 'join', 'not', 'scoring']);

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'interactions');
const lines = fs.readFileSync(path.join(fixtures, 'events.jsonl'), 'utf8').trim().split('\n');
const expected = fs.readFileSync(path.join(fixtures, 'expected.csv'), 'utf8');
const runDate = '2026-11-23';
const lookbackDays = 2;
const WINDOW_S = 3600;
/** Where unparseable lines go (Firehose files them by its own arrival time, not theirs). */
const UNPARSEABLE_HOUR = '2026/11/23/10';

let dir: string;
let exportDir: string;
const spec = (useEndpointExport: boolean): PinpointSourceSpec => ({
  kind: 'pinpoint',
  eventsPrefix: `file://${dir}/events/`,
  recommendationEventType: '_custom.recommender',
  attributionWindowSeconds: WINDOW_S,
  scoring: DEFAULT_SCORING_MODEL,
  useEndpointExport,
});

function hourOf(line: string): string {
  try {
    const ts = (JSON.parse(line) as { arrival_timestamp: unknown }).arrival_timestamp;
    return typeof ts === 'number' ? hourPartition(ts) : UNPARSEABLE_HOUR;
  } catch {
    return UNPARSEABLE_HOUR;
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-agree-'));
  for (const line of lines) {
    const hour = path.join(dir, 'events', hourOf(line));
    fs.mkdirSync(hour, { recursive: true });
    fs.appendFileSync(path.join(hour, 'stream-1-2026'), `${line}\n`);
  }
  // This run's export, and an older one that still lists ep-7 (which must not count).
  exportDir = path.join(dir, 'exports', 'run-2026-11-23');
  const olderExport = path.join(dir, 'exports', 'run-2026-11-01');
  fs.mkdirSync(exportDir, { recursive: true });
  fs.mkdirSync(olderExport, { recursive: true });
  fs.writeFileSync(path.join(exportDir, 'part-0.gz'), zlib.gzipSync(fs.readFileSync(path.join(fixtures, 'endpoints.jsonl'))));
  fs.writeFileSync(path.join(olderExport, 'part-0.gz'), zlib.gzipSync('{"Id": "ep-7"}\n'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function withDb<T>(fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/** Runs a SELECT and returns the CSV DuckDB writes for it (the warehouse writes results the same way). */
async function csvOf(db: DuckDBConnection, select: string, name: string): Promise<string> {
  const out = path.join(dir, `${name}.csv`);
  await db.run(`COPY (${select}) TO '${out}' (FORMAT csv, HEADER)`);
  return fs.readFileSync(out, 'utf8');
}

const req = (days: number | null) => ({ runDate, lookbackDays: days, endpointExportPrefix: `${exportDir}/` });

function duckFiles(days: number | null) {
  return { events: eventFilesForWindow(path.join(dir, 'events'), runDate, days, WINDOW_S), endpoints: [path.join(exportDir, 'part-0.gz')] };
}

/** Loads the fixture files into Glue-shaped tables and defines the Trino shims. */
async function glueShaped(db: DuckDBConnection): Promise<void> {
  for (const macro of Object.values(DUCKDB_SHIMS)) await db.run(macro);
  // OpenX SerDe with ignore.malformed.json turns unreadable records into NULL rows; read_json with
  // ignore_errors does the same. dt is the record's folder, as partition projection sees it.
  await db.run(`CREATE TABLE event AS
    SELECT event_type, event_timestamp, arrival_timestamp, client, attributes,
           regexp_extract(filename, '(\\d{4}/\\d{2}/\\d{2}/\\d{2})/[^/]+$', 1) AS dt
    FROM read_json('${dir}/events/*/*/*/*/*', format = 'newline_delimited', ignore_errors = true, filename = true,
      columns = {event_type: 'VARCHAR', event_timestamp: 'BIGINT', arrival_timestamp: 'BIGINT',
                 client: 'STRUCT(client_id VARCHAR)', attributes: 'MAP(VARCHAR, VARCHAR)'})`);
  await db.run(`CREATE TABLE endpoint_export AS
    SELECT Id AS id, filename AS "$path"
    FROM read_json('${dir}/exports/*/*.gz', format = 'newline_delimited', filename = true, columns = {Id: 'VARCHAR'})`);
}

test('the DuckDB query produces exactly the expected rows', async () => {
  const csv = await withDb((db) => csvOf(db, buildDuckDbInteractionsQuery(spec(true), req(lookbackDays), duckFiles(lookbackDays)), 'duck'));
  expect(csv.split('\n')[0]).toBe(INTERACTIONS_HEADER);
  expect(csv).toBe(expected);
});

test('the Athena query, run over Glue-shaped tables, produces exactly the same rows', async () => {
  const sql = buildAthenaInteractionsQuery(spec(true), req(lookbackDays), { events: 'event', endpoints: 'endpoint_export' });
  const csv = await withDb(async (db) => {
    await glueShaped(db);
    return csvOf(db, sql, 'athena');
  });
  expect(csv).toBe(expected);
});

test('the shims account for every function the Athena SQL calls', () => {
  const sql = buildAthenaInteractionsQuery(spec(true), req(null), { events: 'event', endpoints: 'endpoint_export' });
  const called = new Set([...sql.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => m[1]!.toLowerCase()).filter((f) => !NOT_FUNCTIONS.has(f)));
  expect([...called].sort()).toEqual([...TRINO_FUNCTIONS_USED].sort());
  expect([...Object.keys(DUCKDB_SHIMS), ...SAME_IN_DUCKDB].sort()).toEqual([...TRINO_FUNCTIONS_USED].sort());
});

test('without the endpoint filter, both queries also count the deleted endpoint', async () => {
  const withDeleted = `${expected}`.replace('user-3,', 'user-7,item-F,_email.click,100.0,1795450200\nuser-3,');
  // user-7's click (1795450200) sorts after user-5's (1795447200): rebuild the expected order.
  const rows = withDeleted.trim().split('\n');
  const sorted = [rows[0], ...rows.slice(1).sort((a, b) => Number(a.split(',')[4]) - Number(b.split(',')[4]) || a.localeCompare(b))].join('\n') + '\n';
  const duck = await withDb((db) => csvOf(db, buildDuckDbInteractionsQuery(spec(false), req(lookbackDays), duckFiles(lookbackDays)), 'duck-all'));
  const athena = await withDb(async (db) => {
    await glueShaped(db);
    return csvOf(db, buildAthenaInteractionsQuery(spec(false), req(lookbackDays), { events: 'event', endpoints: 'endpoint_export' }), 'athena-all');
  });
  expect(duck).toBe(sorted);
  expect(athena).toBe(sorted);
});

test('a one-day window drops the engagement of the day before, in both queries', async () => {
  const duck = await withDb((db) => csvOf(db, buildDuckDbInteractionsQuery(spec(true), req(1), duckFiles(1)), 'duck-1d'));
  const athena = await withDb(async (db) => {
    await glueShaped(db);
    return csvOf(db, buildAthenaInteractionsQuery(spec(true), req(1), { events: 'event', endpoints: 'endpoint_export' }), 'athena-1d');
  });
  const oneDay = expected.replace('user-1,item-G,_campaign.opened_notification,100.0,1795306200\n', '');
  expect(oneDay).not.toBe(expected);
  expect(duck).toBe(oneDay);
  expect(athena).toBe(oneDay);
});

test('all history reads every partition and still ends with the run date', async () => {
  const sql = buildAthenaInteractionsQuery(spec(true), req(null), { events: 'event', endpoints: 'endpoint_export' });
  expect(sql).toContain('(dt IS NOT NULL)');
  const duck = await withDb((db) => csvOf(db, buildDuckDbInteractionsQuery(spec(true), req(null), duckFiles(null)), 'duck-history'));
  const athena = await withDb(async (db) => {
    await glueShaped(db);
    return csvOf(db, sql, 'athena-history');
  });
  // The too-old engagement (2026-11-20) now counts; the one after the run date still does not.
  expect(duck).toContain('user-6,item-E,_email.open,50.0,1795169100');
  expect(duck).not.toContain('item-I');
  expect(athena).toBe(duck);
});

test('the Athena query prunes partitions with the Firehose slack and parenthesises every predicate group', () => {
  const sql = buildAthenaInteractionsQuery(spec(false), { runDate, lookbackDays: 1 }, { events: 'event' });
  // Window 2026-11-23; recommendations from 22:00 the day before (1 h window); one hour of slack each side.
  expect(sql).toContain("(dt >= '2026/11/22/22' AND dt <= '2026/11/24/00')");
  expect(sql).not.toMatch(/CURRENT_DATE|now\(\)/i);
  expect(sql).not.toContain('endpoint_export');
  for (const clause of sql.split('\n').filter((l) => /^\s*AND /.test(l))) expect(clause.trim()).toMatch(/^AND \(.*\)$/);
  expect(sql).toMatch(/\(r\.ts <= g\.ts AND g\.ts <= r\.ts \+ 3600000\)/);
});
