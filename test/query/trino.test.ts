/**
 * Trino suite: the exact SQL the Athena adapter sends, run on a real Trino (Athena engine v3's
 * engine) over Firehose-layout fixtures of every source kind, must return the rows the DuckDB path
 * (the embedded warehouse) writes, and both must be the fixtures' expected rows.
 *
 * The tables are the project's own Glue definitions (glue-tables.ts) registered in Trino's Hive
 * file metastore: OpenX JSON SerDe with ignore.malformed.json, partition projection on `dt` over
 * the hour folders, `storage.location.template`. The server is obtained by `npm test` beforehand
 * (`npm run trino:server -- ensure`) and started once here; it does not skip itself when missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { runInteractionsQuery } from '../../activities/local/warehouse';
import { buildAthenaInteractionsQuery, TRINO_FUNCTIONS_USED } from '../../activities/query/athena';
import { endpointExportTable, glueTableFor } from '../../activities/query/glue-tables';
import type { InteractionsColumn, InteractionsSource, InteractionsSpec } from '../../common/interactions';
import {
  ALL_COLUMNS,
  LOOKBACK_DAYS,
  RUN_DATE,
  sortRows,
  toRow,
  writeEventsFixture,
  writePinpointFixture,
  writeSesFixture,
  writeSmsFixture,
  type Row,
} from '../fixtures/sources';
import { startTrinoForTests, trinoLocation, type TrinoHandle } from '../helpers/trino';

const FIVE: InteractionsColumn[] = ['USER_ID', 'ITEM_ID', 'EVENT_TYPE', 'EVENT_VALUE', 'TIMESTAMP'];

let dir: string;
let trino: TrinoHandle;
let fixtures: {
  ses: ReturnType<typeof writeSesFixture>;
  sms: ReturnType<typeof writeSmsFixture>;
  events: ReturnType<typeof writeEventsFixture>;
  pinpoint: ReturnType<typeof writePinpointFixture>;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-trino-'));
  fixtures = {
    ses: writeSesFixture(path.join(dir, 'data', 'ses')),
    sms: writeSmsFixture(path.join(dir, 'data', 'sms')),
    events: writeEventsFixture(path.join(dir, 'data', 'track')),
    pinpoint: writePinpointFixture(path.join(dir, 'data', 'pinpoint'), path.join(dir, 'data', 'exports')),
  };
  trino = await startTrinoForTests(path.join(dir, 'trino'));
  process.stderr.write(
    `[trino] Trino suite: server started in ${trino.server.startSeconds.toFixed(1)} s on ${trino.server.url}\n`
  );
  // A short projection range: all-history queries enumerate every hour of it.
  for (const f of Object.values(fixtures)) trino.registerTable(glueTableFor(f.spec, { firstHour: '2026/11/01/00' }));
  trino.registerTable(endpointExportTable('endpoint_export', `file://${path.join(dir, 'data', 'exports')}/`));
}, 240_000);

afterAll(async () => {
  await trino?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  lookbackDays?: number | null;
  startMs?: number;
}

/** The Athena adapter's SQL for the spec, run on Trino. */
async function onTrino(spec: InteractionsSpec, run: Run = {}): Promise<Row[]> {
  const sql = buildAthenaInteractionsQuery(
    spec,
    {
      runDate: RUN_DATE,
      lookbackDays: run.lookbackDays === undefined ? LOOKBACK_DAYS : run.lookbackDays,
      startMs: run.startMs,
      endpointExportPrefix: trinoLocation(`file://${fixtures.pinpoint.exportDir}/`),
    },
    { endpoints: 'endpoint_export' }
  );
  return sortRows((await trino.query(sql)).map(toRow));
}

let outputs = 0;
/** The embedded warehouse's whole query on the same files: the CSV it writes, as rows. */
async function onDuckDb(spec: InteractionsSpec, run: Run = {}): Promise<Row[]> {
  const name = `duck-${outputs++}.csv`;
  const result = await runInteractionsQuery(
    spec,
    {
      token: `trino-suite-${name}`.padEnd(32, '.'),
      runDate: RUN_DATE,
      lookbackDays: run.lookbackDays === undefined ? LOOKBACK_DAYS : run.lookbackDays,
      startMs: run.startMs,
      endpointExportPrefix: `file://${fixtures.pinpoint.exportDir}/`,
      outputPrefix: `file://${dir}/out/`,
    },
    name,
    { dataDir: dir }
  );
  const text = fs.readFileSync(result.outputUri.slice('file://'.length), 'utf8');
  expect(text.split('\n')[0]).toBe(spec.columns.join(','));
  return sortRows((parse(text, { columns: true }) as Record<string, string>[]).map(toRow));
}

const only = (source: InteractionsSource, columns = ALL_COLUMNS): InteractionsSpec => ({ sources: [source], columns });

describe.each([
  ['ses', () => only(fixtures.ses.spec), () => fixtures.ses.expected],
  ['sms', () => only(fixtures.sms.spec), () => fixtures.sms.expected],
  ['events', () => only(fixtures.events.spec), () => fixtures.events.expected],
  ['pinpoint', () => only(fixtures.pinpoint.spec, FIVE), () => fixtures.pinpoint.expected],
])('%s source', (_kind, spec, expected) => {
  test('Trino runs the Athena SQL and returns the expected rows', async () => {
    expect(await onTrino(spec())).toEqual(sortRows(expected()));
  });
  test('the DuckDB path returns the same rows', async () => {
    expect(await onDuckDb(spec())).toEqual(sortRows(expected()));
  });
});

test('several sources in one pipeline: the union of each, on both engines', async () => {
  const spec: InteractionsSpec = {
    sources: [fixtures.pinpoint.spec, fixtures.ses.spec, fixtures.sms.spec, fixtures.events.spec],
    columns: ALL_COLUMNS,
  };
  const expected = sortRows([
    ...fixtures.pinpoint.expected,
    ...fixtures.ses.expected,
    ...fixtures.sms.expected,
    ...fixtures.events.expected,
  ]);
  const trinoRows = await onTrino(spec);
  expect(trinoRows).toEqual(expected);
  expect(await onDuckDb(spec)).toEqual(trinoRows);
});

test('a one-day window, all history and an import watermark give the same rows on both engines', async () => {
  const spec: InteractionsSpec = {
    sources: [fixtures.ses.spec, fixtures.sms.spec, fixtures.events.spec],
    columns: ALL_COLUMNS,
  };
  for (const run of [
    { lookbackDays: 1 },
    { lookbackDays: null },
    { startMs: Date.parse('2026-11-23T10:06:00Z') },
  ] as Run[]) {
    const trinoRows = await onTrino(spec, run);
    expect({ run, rows: await onDuckDb(spec, run) }).toEqual({ run, rows: trinoRows });
    expect(trinoRows.length).toBeGreaterThan(0);
  }
  // The watermark drops everything before it.
  const after = await onTrino(spec, { startMs: Date.parse('2026-11-23T10:06:00Z') });
  expect(after.every((r) => r[4] >= Date.parse('2026-11-23T10:06:00Z') / 1000)).toBe(true);
  expect(after.map((r) => r[2])).toContain('_email.click');
  expect(after.map((r) => r[2])).not.toContain('Order Completed');
});

test('the generated SQL calls only the Trino functions it declares', () => {
  const spec: InteractionsSpec = {
    sources: [fixtures.pinpoint.spec, fixtures.ses.spec, fixtures.sms.spec, fixtures.events.spec],
    columns: ALL_COLUMNS,
  };
  const sql = buildAthenaInteractionsQuery(
    spec,
    { runDate: RUN_DATE, lookbackDays: null, endpointExportPrefix: 's3://b/e/' },
    { endpoints: 'endpoint_export' }
  );
  const notFunctions = new Set([
    'as',
    'in',
    'values',
    'cast',
    'try_cast',
    'on',
    'and',
    'or',
    'where',
    'from',
    'join',
    'not',
    'with',
    'select',
    'then',
    'else',
    'is',
    'over',
    'by',
    'exists',
  ]);
  // A word before "(" is a call, unless it names a CTE or a VALUES alias (`AS s (event_type, …)`).
  const called = new Set(
    [...sql.matchAll(/(?<!\bAS )\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)]
      .map((m) => m[1]!.toLowerCase())
      .filter((f) => !notFunctions.has(f) && !/_(events|recs|engagements|matched|out|parsed)$/.test(f))
  );
  expect([...called].sort()).toEqual([...TRINO_FUNCTIONS_USED].sort());
});
