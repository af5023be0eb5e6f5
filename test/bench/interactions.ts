/**
 * Interactions build on generated Pinpoint data: throughput, how close the query runs to a plain
 * scan of the same files, and what partition pruning buys.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generatePinpointData } from '../../activities/local/generator/pinpoint';
import { eventFilesIn, runInteractionsQuery } from '../../activities/local/warehouse';
import { DEFAULT_SCORING_MODEL, type PinpointSourceSpec } from '../../common/interactions';

type Report = (name: string, value: number) => void;

async function plainScanSeconds(files: string[]): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  const list = `[${files.map((f) => `'${f}'`).join(',')}]`;
  const t = Date.now();
  await db.runAndReadAll(`SELECT count(*) FROM read_csv(${list}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f', quote = '', escape = '', auto_detect = false, ignore_errors = true)`);
  const s = (Date.now() - t) / 1000;
  db.closeSync();
  instance.closeSync();
  return s;
}

export async function benchInteractions(report: Report, opts: { events: number }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-bench-'));
  try {
    const days = 90;
    const users = Math.max(2000, Math.round(opts.events / 400));
    let t = Date.now();
    const data = await generatePinpointData({ dir, seed: 1, users, items: 2000, clusters: 20, days, endDate: '2026-11-23', events: opts.events });
    report('generator_events_per_s', data.events / ((Date.now() - t) / 1000));
    const spec: PinpointSourceSpec = {
      kind: 'pinpoint',
      eventsPrefix: `file://${dir}/events/`,
      recommendationEventType: '_custom.recommender',
      attributionWindowSeconds: 86_400,
      scoring: DEFAULT_SCORING_MODEL,
      useEndpointExport: false,
    };
    const out = `file://${dir}/out/`;
    const files = eventFilesIn(path.join(dir, 'events'), null);

    t = Date.now();
    const full = await runInteractionsQuery(spec, { token: 'bench-full'.padEnd(32, '.'), runDate: '2026-11-23', lookbackDays: null, outputPrefix: out }, 'full.csv');
    const fullS = (Date.now() - t) / 1000;
    report('interactions_build_events_per_s', data.events / fullS);
    report('interactions_rows', full.rows);
    const scanS = await plainScanSeconds(files);
    report('interactions_build_vs_plain_scan', fullS / scanS);

    t = Date.now();
    await runInteractionsQuery(spec, { token: 'bench-1d'.padEnd(32, '.'), runDate: '2026-11-23', lookbackDays: 1, outputPrefix: out }, 'day.csv');
    report('window_1d_of_90d_vs_full', (Date.now() - t) / 1000 / fullS);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
