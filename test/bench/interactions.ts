/**
 * Interactions build on generated Pinpoint data (90 days): throughput, how close the whole query
 * (parse, join, write CSV, count malformed) runs to a plain DuckDB scan of the same files, and what
 * partition pruning buys (a one-day window against all history).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generatePinpointData } from '../../activities/local/generator/pinpoint';
import { runInteractionsQuery } from '../../activities/local/warehouse';
import { eventFilesForWindow, lit } from '../../activities/query/duckdb';
import { DEFAULT_SCORING_MODEL, type PinpointSourceSpec } from '../../common/interactions';

type Report = (name: string, value: number) => void;

const RUN_DATE = '2026-11-23';
const DAYS = 90;

/** Seconds DuckDB needs just to read the files: `count(*)` over read_json, nothing else. */
async function plainScanSeconds(files: string[]): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  try {
    const t = performance.now();
    await db.runAndReadAll(`SELECT count(*) FROM read_json([${files.map(lit).join(', ')}], format = 'newline_delimited', ignore_errors = true)`);
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
    const data = await generatePinpointData({ dir, seed: 1, users, items: 2000, clusters: 20, days: DAYS, endDate: RUN_DATE, events: opts.events, malformed: 100 });
    report('generator_events_per_s', data.events / ((performance.now() - t) / 1000));

    const spec: PinpointSourceSpec = {
      kind: 'pinpoint',
      eventsPrefix: `file://${dir}/events/`,
      recommendationEventType: '_custom.recommender',
      attributionWindowSeconds: 86_400,
      scoring: DEFAULT_SCORING_MODEL,
      useEndpointExport: false,
    };
    const out = `file://${dir}/out/`;
    const run = async (lookbackDays: number | null, name: string) => {
      const start = performance.now();
      const result = await runInteractionsQuery(spec, { token: `bench-${name}`.padEnd(32, '.'), runDate: RUN_DATE, lookbackDays, outputPrefix: out }, `${name}.csv`);
      return { seconds: (performance.now() - start) / 1000, result };
    };

    const full = await run(null, 'full');
    report('interactions_build_events_per_s', data.events / full.seconds);
    report('interactions_rows', full.result.rows);
    const scanS = await plainScanSeconds(eventFilesForWindow(path.join(dir, 'events'), RUN_DATE, null, 86_400));
    report('interactions_build_vs_plain_scan', full.seconds / scanS);

    const day = await run(1, 'day');
    report('window_1d_of_90d_vs_full', day.seconds / full.seconds);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
