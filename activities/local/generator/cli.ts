/**
 * `npm run generate -- --dir .data/big --events 10000000`: synthetic Pinpoint data in AWS's
 * formats, with a progress bar for large runs.
 */
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { generateGenericEvents } from './events';
import { generatePinpointData } from './pinpoint';

const int = (v: string) => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got "${v}"`);
  return n;
};

async function main(): Promise<void> {
  const o = new Command('generate')
    .description('Generate Pinpoint event-stream files, an endpoint export and values.csv (or RudderStack track events)')
    .option('--source <kind>', 'pinpoint | events (RudderStack track JSON)', 'pinpoint')
    .requiredOption('--dir <dir>', 'output directory (events/, exports/endpoints/, scoring/)')
    .option('--seed <n>', 'random seed', int, 42)
    .option('--users <n>', 'users', int, 2000)
    .option('--items <n>', 'items', int, 400)
    .option('--days <n>', 'days of events', int, 14)
    .option('--end-date <date>', 'last day of events (YYYY-MM-DD); default yesterday')
    .option('--events <n>', 'approximate number of events', int, 100_000)
    .option('--malformed <n>', 'malformed lines to add', int, 0)
    .option('--gzip', 'gzip the event files', false)
    .parse()
    .opts<{ source: string; dir: string; seed: number; users: number; items: number; days: number; endDate?: string; events: number; malformed: number; gzip: boolean }>();
  const bar = process.stderr.isTTY && o.events >= 1_000_000 ? new SingleBar({ format: 'generating [{bar}] {percentage}% | {value}/{total} user-days | {eta_formatted} left' }, Presets.shades_classic) : undefined;
  let started = false;
  if (o.source !== 'pinpoint' && o.source !== 'events') throw new Error(`--source is pinpoint or events, not "${o.source}"`);
  const onProgress = (done: number, total: number) => {
    if (!bar) return;
    if (!started) {
      bar.start(total, 0);
      started = true;
    }
    bar.update(done);
  };
  const endDate = o.endDate ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const summary = o.source === 'events' ? await generateGenericEvents({ ...o, endDate }, onProgress) : await generatePinpointData(o, onProgress);
  bar?.stop();
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
