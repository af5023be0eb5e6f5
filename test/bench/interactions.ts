/**
 * Interactions build on generated Pinpoint data (90 days): throughput, how close the whole build
 * (parse, join, write the file Personalize imports, count malformed records, compute the run's
 * facts) runs to the limit DuckDB's reader sets, and what partition pruning buys.
 *
 * interactions_build_vs_read_limit = (seconds DuckDB needs to read the same files with the same
 * columns, touching each) ÷ (seconds of the whole build). Higher is better; 1.0 = as fast as reading.
 * interactions_floor_vs_read_limit: the same ratio for the floor (read the files and write a CSV
 * as long as the result, no cleaning, no join), the most any plan of the build can reach.
 * window_1d_of_90d_vs_full: a one-day window's build ÷ all history's; lower is better.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { prepareInteractionsFile } from '../../activities/interactions-file';
import { generatePinpointData } from '../../activities/local/generator/pinpoint';
import { FileObjectStore } from '../../activities/local/store';
import { runInteractionsQuery } from '../../activities/local/warehouse';
import { eventFilesForWindow, lit, PINPOINT_COLUMNS } from '../../activities/query/duckdb';
import { DEFAULT_SCORING_MODEL, INTERACTIONS_COLUMNS, type InteractionsSpec } from '../../common/interactions';

type Report = (name: string, value: number) => void;

const RUN_DATE = '2026-11-23';
const DAYS = 90;

/** Seconds DuckDB needs to read the files with the query's columns, touching every one of them. */
async function readLimitSeconds(files: string[]): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  const schema = Object.entries(PINPOINT_COLUMNS)
    .map(([name, type]) => `${lit(name)}: ${lit(type)}`)
    .join(', ');
  try {
    const t = performance.now();
    await db.runAndReadAll(`SELECT count(event_type), max(arrival_timestamp), count(client.client_id), count(attributes.campaign_id),
        count(attributes.journey_id), count(attributes.item_id), count(attributes.personalize_user_id)
      FROM read_json([${files.map(lit).join(', ')}], format = 'newline_delimited', ignore_errors = true, columns = {${schema}})`);
    return (performance.now() - t) / 1000;
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

/**
 * Seconds DuckDB needs to read the files with the query's columns and write a CSV of about `rows`
 * rows from them: each record is written `rows / records` times on average (whole copies, plus one
 * more for a share of records picked by their timestamp). Nothing is cleaned, grouped or joined.
 */
async function floorSeconds(files: string[], records: number, rows: number, outPath: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', preserve_insertion_order: 'false' });
  const db = await instance.connect();
  const schema = Object.entries(PINPOINT_COLUMNS)
    .map(([name, type]) => `${lit(name)}: ${lit(type)}`)
    .join(', ');
  const perRecord = rows / Math.max(1, records);
  const whole = Math.floor(perRecord);
  const copies = Array.from({ length: whole + 1 }, (_, k) => `(${k})`).join(', ');
  const extraPerMille = Math.round((perRecord - whole) * 1000);
  try {
    const t = performance.now();
    await db.run(`COPY (
      SELECT coalesce(attributes.personalize_user_id, client.client_id) AS USER_ID,
        coalesce(attributes.item_id, attributes.campaign_id, attributes.journey_id) AS ITEM_ID,
        event_type AS EVENT_TYPE, 1.0e0 AS EVENT_VALUE, arrival_timestamp // 1000 AS "TIMESTAMP"
      FROM (VALUES ${copies}) copies (k),
        read_json([${files.map(lit).join(', ')}], format = 'newline_delimited', ignore_errors = true, columns = {${schema}})
      WHERE k < ${whole} OR arrival_timestamp % 1000 < ${extraPerMille}
    ) TO ${lit(outPath)} (FORMAT csv, HEADER, DELIMITER ',')`);
    return (performance.now() - t) / 1000;
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

export async function benchInteractions(report: Report, opts: { events: number }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-bench-'));
  try {
    const users = Math.max(2000, Math.round(opts.events / 400));
    const t = performance.now();
    const data = await generatePinpointData({
      dir,
      seed: 1,
      users,
      items: 2000,
      clusters: 20,
      days: DAYS,
      endDate: RUN_DATE,
      events: opts.events,
      malformed: 100,
    });
    report('generator_events_per_s', data.events / ((performance.now() - t) / 1000));

    const spec: InteractionsSpec = {
      sources: [
        {
          kind: 'pinpoint',
          eventsPrefix: `file://${dir}/events/`,
          table: 'event',
          lateArrivalSeconds: 0,
          eventTypes: {},
          recommendationEventType: '_custom.recommender',
          attributionWindowSeconds: 86_400,
          scoring: DEFAULT_SCORING_MODEL,
          useEndpointExport: false,
        },
      ],
      columns: [...INTERACTIONS_COLUMNS],
    };
    const out = `file://${dir}/out/`;
    const store = new FileObjectStore();
    /** The whole build: the warehouse query, then the file Personalize imports with its facts. */
    const build = async (lookbackDays: number | null, name: string) => {
      const start = performance.now();
      const result = await runInteractionsQuery(
        spec,
        { token: `bench-${name}`.padEnd(32, '.'), runDate: RUN_DATE, lookbackDays, outputPrefix: out },
        `${name}.csv`
      );
      const stats = await prepareInteractionsFile(
        store,
        result.outputUri,
        `${out}${name}-interactions.csv`,
        { columns: spec.columns }
      );
      return { seconds: (performance.now() - start) / 1000, result, stats };
    };

    const files = eventFilesForWindow(path.join(dir, 'events'), RUN_DATE, null, 86_400);
    const readBefore = await readLimitSeconds(files);
    const full = await build(null, 'full');
    report('interactions_build_events_per_s', data.events / full.seconds);
    report('interactions_rows', full.stats.rows);
    report('interactions_build_s', full.seconds);
    // The faster of two reads (before and after the build): the limit, less the machine's noise.
    const readS = Math.min(readBefore, await readLimitSeconds(files));
    report('interactions_read_limit_s', readS);
    report('interactions_build_vs_read_limit', readS / full.seconds);
    const floorS = await floorSeconds(files, data.events, full.stats.rows, path.join(dir, 'floor.csv'));
    report('interactions_floor_s', floorS);
    report('interactions_floor_vs_read_limit', readS / floorS);

    const day = await build(1, 'day');
    report('window_1d_of_90d_vs_full', day.seconds / full.seconds);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
