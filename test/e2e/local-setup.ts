/** A temporary local pipeline with small generated data, for end-to-end tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generatePinpointData, type PinpointDataSummary } from '../../activities/local/generator/pinpoint';
import { loadConfig, type Config } from '../../common/config';
import { scratchDir } from '../helpers/scratch';

export interface LocalSetup {
  dir: string;
  configPath: string;
  config: Config;
  data: PinpointDataSummary;
  runDate: string;
}

/**
 * How much data and how fast the local jobs are polled. `test`: 6,000 events over the same 400 users and
 * 120 items (still well past the gate's minimums and enough for the trained model to beat popularity),
 * polled from 200 ms; DuckDB builds it in a few seconds where 30,000 events take ~15 s on this machine.
 * `full`: 30,000 events and LOCAL_POLL, what the recovery benchmark has always measured.
 */
export type SetupSize = 'test' | 'full';

export interface LocalSetupOptions {
  extraYaml?: string;
  temporalAddress?: string;
  local?: string;
  withoutExport?: boolean;
  size?: SetupSize;
}

/**
 * The local jobs end within a second or two: with LOCAL_POLL's 1 s first wait each phase sits on a timer.
 * 200 ms keeps a run's history bounded (a 6 s training is ~15 checks) and its wall time short.
 */
const TEST_POLL_YAML = '    poll: { initial: 200ms, fraction: 0.2, max: 2s }\n';

export async function createLocalSetup(name: string, opts: LocalSetupOptions = {}): Promise<LocalSetup> {
  const dir = scratchDir(`po-${name}-`);
  const runDate = '2026-11-23';
  const full = opts.size === 'full';
  const data = await generatePinpointData({ dir: path.join(dir, 'data'), seed: 11, users: 400, items: 120, days: 7, endDate: runDate, events: full ? 30_000 : 6_000, malformed: 4 });
  if (opts.withoutExport) fs.rmSync(path.join(dir, 'data', 'exports'), { recursive: true, force: true });
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    configPath,
    `temporal:
  taskQueue: e2e-${name}${opts.temporalAddress ? `\n  address: "${opts.temporalAddress}"` : ''}
local:
  dataDir: data${opts.local ? `\n  ${opts.local}` : ''}
pipelines:
  - name: shop
    backend: local
    source:
      kind: pinpoint
      eventsPrefix: data/events/
      endpointExport: { enabled: true }
    lookbackDays: 7
    workPrefix: data/work/
${full ? '' : TEST_POLL_YAML}${opts.extraYaml ?? ''}`
  );
  return { dir, configPath, config: loadConfig(configPath), data, runDate };
}
