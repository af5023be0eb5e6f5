/**
 * `npm run bench`: prints one line per figure, `<name> <value>`, names in snake_case with their
 * unit in the name, so runs can be compared. Pick benchmarks with arguments: `npm run bench -- retrain`.
 * Sizes: BENCH_EVENTS (default 10,000,000), BENCH_INTERACTIONS (default 1,000,000).
 */
import { benchInteractions } from './interactions';
import { benchRealtime } from './realtime';
import { benchRecovery } from './recovery';
import { benchRetrainHistory } from './retrain-history';
import { benchSimulate } from './simulate';
import { benchTraining } from './training';

type Report = (name: string, value: number) => void;
const report: Report = (name, value) => console.log(`${name} ${Number.isInteger(value) ? value : value.toPrecision(4)}`);

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const INTERACTIONS = Number(process.env.BENCH_INTERACTIONS ?? 1_000_000);

const BENCHES: Record<string, () => Promise<void>> = {
  retrain: () => benchRetrainHistory(report),
  training: () => benchTraining(report, { interactions: INTERACTIONS }),
  interactions: () => benchInteractions(report, { events: EVENTS }),
  realtime: () => benchRealtime(report),
  simulate: () => benchSimulate(report),
  recovery: () => benchRecovery(report),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  for (const name of names) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark "${name}"; choose from ${Object.keys(BENCHES).join(', ')}`);
    process.stderr.write(`# ${name}\n`);
    await bench();
  }
}

// Exits explicitly: Temporal's native runtime can keep a handle open after everything closed.
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
