/**
 * `npm run simulate`: the daily loop over simulated days of a drifting shop, on a real Temporal
 * server with the embedded backends. Prints a table (next-day NDCG@10 of the loop, a stale model and
 * an oracle), writes the chart and the results under --out. `--bench` prints only the figures
 * (`loop_ndcg_vs_oracle`, `stale_ndcg_vs_oracle`, `poisoned_day_rejected`), as `npm run bench` does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import type { PoisonSpec } from '../../activities/local/generator/world';
import { DEFAULT_WORLD, runSimulation, type SimulationOptions } from './loop';
import { benchLines, chartOf, formatDay, formatTable, TABLE_HEADER } from './report';
import { startSimulationServer, type ServerKind } from './server';

const int = (v: string) => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number ≥ 1, got "${v}"`);
  return n;
};

export interface SimulateCliOptions {
  days: number;
  seed: number;
  users: number;
  items: number;
  poison: 'bot-burst' | 'one-event-type' | 'none';
  poisonDay?: number;
  server: ServerKind;
  out: string;
  bench: boolean;
}

/** The simulation a command line asks for (poisoned day: the middle one unless named). */
export function simulationOptions(o: SimulateCliOptions): Omit<SimulationOptions, 'onDay'> {
  const day = (o.poisonDay ?? Math.floor(o.days / 2) + 1) - 1;
  if (o.poison !== 'none' && !(day >= 0 && day < o.days)) throw new Error(`--poison-day must be from 1 to ${o.days}`);
  const poison: PoisonSpec | null = o.poison === 'none' ? null : { day, kind: o.poison };
  return {
    days: o.days,
    world: { ...DEFAULT_WORLD, seed: o.seed, users: o.users, items: o.items },
    poison,
    dir: path.join(o.out, 'work'),
  };
}

async function main(): Promise<void> {
  const program = new Command('simulate')
    .description(
      'Run the daily retraining loop over simulated days of a drifting shop and compare it with a stale model and an oracle'
    )
    .option('--days <n>', 'simulated days (one RetrainWorkflow run each)', int, 14)
    .option('--seed <n>', 'world seed', int, DEFAULT_WORLD.seed!)
    .option('--users <n>', 'users', int, DEFAULT_WORLD.users!)
    .option('--items <n>', 'items on day 1', int, DEFAULT_WORLD.items!)
    .addOption(
      new Option('--poison <kind>', 'the poisoned day: bots hammer one item, or a broken producer sends one event type')
        .choices(['bot-burst', 'one-event-type', 'none'])
        .default('bot-burst')
    )
    .option('--poison-day <n>', 'which day is poisoned (default: the middle one)', int)
    .addOption(
      new Option('--server <kind>', 'Temporal server (default: dev; time-skipping with --bench)').choices([
        'dev',
        'time-skipping',
      ])
    )
    .option('--out <dir>', 'where the chart, the results and the working data go', '.data/simulate')
    .option('--bench', 'print only the figures, as <name> <value> lines', false)
    .parse();
  const given = program.opts<Omit<SimulateCliOptions, 'server'> & { server?: ServerKind }>();
  // The dev server prints its banner on stdout; --bench keeps stdout to the figures.
  const o: SimulateCliOptions = { ...given, server: given.server ?? (given.bench ? 'time-skipping' : 'dev') };
  const opts = simulationOptions(o);
  const say = (line: string) => (o.bench ? process.stderr : process.stdout).write(`${line}\n`);
  say(
    `simulating ${opts.days} days: ${opts.world.users} users, ${opts.world.items} items (+${opts.world.newItemsPerDay}/day), ${(opts.world.driftShare! * 100).toFixed(0)} % of users change taste each day${opts.poison ? `, day ${opts.poison.day + 1} poisoned (${opts.poison.kind})` : ''}; Temporal ${o.server} server`
  );
  const server = await startSimulationServer(o.server, (l) => say(`  [temporal] ${l}`));
  try {
    say(TABLE_HEADER);
    const result = await runSimulation({ ...opts, onDay: (d) => say(formatDay(d)) }, server);
    fs.mkdirSync(o.out, { recursive: true });
    const chart = path.join(o.out, 'loop-ndcg.svg');
    fs.writeFileSync(chart, chartOf(result));
    fs.writeFileSync(path.join(o.out, 'simulation.json'), `${JSON.stringify(result, null, 2)}\n`);
    const table = formatTable(result);
    fs.writeFileSync(path.join(o.out, 'table.txt'), `${table.join('\n')}\n`);
    for (const line of table.slice(1 + result.days.length)) say(line);
    say(`chart: ${chart}  (${result.wallSeconds.toFixed(0)} s)`);
    for (const line of benchLines(result)) process.stdout.write(`${line}\n`);
  } finally {
    await server.teardown();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
