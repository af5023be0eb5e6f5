/**
 * The DuckDB query and the Athena query agree: both run on the same fixture events (each pitfall of
 * the original is one case, named in its `note`) and must produce exactly the same expected rows.
 * The Athena SQL is executed on DuckDB over tables shaped like the Glue tables (struct and map
 * columns, the projected `dt` partition, "$path"), with one shim: Trino's element_at on a map
 * returns the value, DuckDB's a list, so the test defines element_at as map subscript.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { runInteractionsQuery } from '../../activities/local/warehouse';
import { buildAthenaInteractionsQuery, TRINO_FUNCTIONS_USED } from '../../activities/query/athena';
import { eventWindow } from '../../activities/query/window';
import { hourDir } from '../../activities/local/generator/pinpoint';
import { DEFAULT_SCORING_MODEL, type PinpointSourceSpec } from '../../common/interactions';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'interactions');
const events = fs.readFileSync(path.join(fixtures, 'events.jsonl'), 'utf8').trim().split('\n');
const expected = fs.readFileSync(path.join(fixtures, 'expected.csv'), 'utf8');
const runDate = '2026-11-23';
const lookbackDays = 2;

let dir: string;
const spec = (useEndpointExport: boolean): PinpointSourceSpec => ({
  kind: 'pinpoint',
  eventsPrefix: `file://${dir}/events/`,
  recommendationEventType: '_custom.recommender',
  attributionWindowSeconds: 3600,
  scoring: DEFAULT_SCORING_MODEL,
  useEndpointExport,
});

beforeAll(() => {
  // Lay the fixture out as Firehose does: by arrival hour.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-agree-'));
  for (const line of events) {
    const e = JSON.parse(line) as { arrival_timestamp: number };
    const hour = path.join(dir, 'events', hourDir(e.arrival_timestamp));
    fs.mkdirSync(hour, { recursive: true });
    fs.appendFileSync(path.join(hour, 'stream-1'), `${line}\n`);
  }
  fs.mkdirSync(path.join(dir, 'export'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'export', 'part-0.gz'), zlib.gzipSync(fs.readFileSync(path.join(fixtures, 'endpoints.jsonl'))));
});

function toCsv(header: string[], rows: unknown[][]): string {
  return `${header.join(',')}\n${rows.map((r) => r.map(String).join(',')).join('\n')}\n`;
}

test('the DuckDB query produces exactly the expected rows', async () => {
  const out = await runInteractionsQuery(
    spec(true),
    { token: 'agree'.padEnd(32, '-'), runDate, lookbackDays, outputPrefix: `file://${dir}/out/`, endpointExportPrefix: `file://${dir}/export/` },
    'duck.csv'
  );
  expect(fs.readFileSync(path.join(dir, 'out', 'duck.csv'), 'utf8')).toBe(expected);
  expect(out.rows).toBe(5);
});

test('the Athena query, run over Glue-shaped tables, produces exactly the same rows', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run(`CREATE MACRO element_at(m, k) AS m[k]`);
    await db.run(`CREATE TABLE event AS
      SELECT event_type, event_timestamp, arrival_timestamp, client, attributes,
             strftime(make_timestamp(arrival_timestamp * 1000), '%Y/%m/%d/%H') AS dt
      FROM read_json('${path.join(fixtures, 'events.jsonl')}', format = 'newline_delimited',
        columns = {event_type: 'VARCHAR', event_timestamp: 'BIGINT', arrival_timestamp: 'BIGINT', client: 'STRUCT(client_id VARCHAR)', attributes: 'MAP(VARCHAR, VARCHAR)'})`);
    const exportPrefix = 's3://bucket/work/runs/2026-11-23/endpoints/';
    await db.run(`CREATE TABLE endpoint_export AS
      SELECT Id AS id, '${exportPrefix}part-0.gz' AS "$path" FROM read_json('${path.join(fixtures, 'endpoints.jsonl')}', format = 'newline_delimited')
      UNION ALL SELECT 'ep-7', 's3://bucket/work/runs/2026-11-01/endpoints/part-0.gz'`);
    const sql = buildAthenaInteractionsQuery(spec(true), eventWindow(runDate, lookbackDays, 3600), { events: 'event', endpoints: 'endpoint_export' }, { endpointExportPrefix: exportPrefix });
    const reader = await db.runAndReadAll(sql);
    const header = reader.columnNames();
    const rows = reader.getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
    const csv = toCsv(header, rows.map((r) => r.map((v, i) => (header[i] === 'EVENT_VALUE' ? Number(v).toFixed(1) : v))));
    expect(csv).toBe(expected);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
});

test('the Athena query prunes partitions and parenthesises its window', () => {
  const sql = buildAthenaInteractionsQuery(spec(false), eventWindow(runDate, 1, 3600), { events: 'event' });
  expect(sql).toContain("(dt >= '2026/11/22/23' AND dt <= '2026/11/23/23')");
  expect(sql).not.toMatch(/CURRENT_DATE/);
  // The shim list documents every Trino function the SQL relies on.
  for (const f of TRINO_FUNCTIONS_USED) expect(sql).toContain(`${f}(`);
  // All history reads every partition.
  expect(buildAthenaInteractionsQuery(spec(false), eventWindow(runDate, null, 3600), { events: 'event' })).toContain('WHERE true');
});

test('with a window of one day, older engagements drop out (DuckDB)', async () => {
  await runInteractionsQuery(spec(false), { token: 'one-day'.padEnd(32, '-'), runDate, lookbackDays: 1, outputPrefix: `file://${dir}/out/` }, 'one-day.csv');
  const text = fs.readFileSync(path.join(dir, 'out', 'one-day.csv'), 'utf8');
  expect(text).not.toContain('item-G'); // 2026-11-22 engagement
  expect(text).toContain('item-A');
  // Without the endpoint filter the deleted endpoint's interaction counts.
  expect(text).toContain('user-7,item-F');
});
