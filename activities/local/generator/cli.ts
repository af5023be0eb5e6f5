/**
 * `npm run generate -- --dir .data/big --events 10000000`: synthetic Pinpoint data in AWS's
 * formats, with a progress bar for large runs. `--source events --sessions` writes a session-
 * structured shop (item-to-item transitions, long-tail popularity), optionally drifting.
 */
import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { generateGenericEvents } from './events';
import { generatePinpointData } from './pinpoint';
import { generateSessionEvents } from './sessions';
import type { PoisonSpec } from './world';

const share = (v: string) => {
  const x = Number(v);
  if (!(x >= 0 && x <= 1)) throw new Error(`expected a share from 0 to 1, got "${v}"`);
  return x;
};

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
    .option('--sessions', 'events source: users browse in sessions (transitions, long tail); --events is ignored', false)
    .option('--clusters <n>', 'hidden taste clusters', int)
    .option('--drift <share>', 'sessions: share of users who change taste cluster each day', share, 0)
    .option('--new-items <n>', 'sessions: items added each day', int, 0)
    .option('--poison-day <n>', 'sessions: poison this day (1 = the first)', int)
    .option('--poison <kind>', 'sessions: bot-burst (bots hammer one item) or one-event-type (a broken producer)', 'bot-burst')
    .parse()
    .opts<{
      source: string;
      dir: string;
      seed: number;
      users: number;
      items: number;
      days: number;
      endDate?: string;
      events: number;
      malformed: number;
      gzip: boolean;
      sessions: boolean;
      clusters?: number;
      drift: number;
      newItems: number;
      poisonDay?: number;
      poison: string;
    }>();
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
  if (o.sessions && o.source !== 'events') throw new Error('--sessions writes RudderStack events: use it with --source events');
  if (o.poison !== 'bot-burst' && o.poison !== 'one-event-type') throw new Error(`--poison is bot-burst or one-event-type, not "${o.poison}"`);
  const poison: PoisonSpec | undefined = o.poisonDay === undefined ? undefined : { day: o.poisonDay - 1, kind: o.poison };
  const startDate = new Date(Date.parse(`${endDate}T00:00:00Z`) - (o.days - 1) * 86_400_000).toISOString().slice(0, 10);
  const summary = o.sessions
    ? await generateSessionEvents({ dir: o.dir, seed: o.seed, users: o.users, items: o.items, clusters: o.clusters, days: o.days, startDate, driftShare: o.drift, newItemsPerDay: o.newItems, poison })
    : o.source === 'events'
      ? await generateGenericEvents({ ...o, endDate }, onProgress)
      : await generatePinpointData(o, onProgress);
  bar?.stop();
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
