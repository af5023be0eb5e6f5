/** A temporary local pipeline with small generated data, for end-to-end tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatePinpointData, type PinpointDataSummary } from '../../activities/local/generator/pinpoint';
import { loadConfig, type Config } from '../../common/config';

export interface LocalSetup {
  dir: string;
  configPath: string;
  config: Config;
  data: PinpointDataSummary;
  runDate: string;
}

export async function createLocalSetup(name: string, opts: { extraYaml?: string; temporalAddress?: string; local?: string; withoutExport?: boolean } = {}): Promise<LocalSetup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `po-${name}-`));
  const runDate = '2026-11-23';
  const data = await generatePinpointData({ dir: path.join(dir, 'data'), seed: 11, users: 400, items: 120, days: 7, endDate: runDate, events: 30_000, malformed: 4 });
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
${opts.extraYaml ?? ''}`
  );
  return { dir, configPath, config: loadConfig(configPath), data, runDate };
}
