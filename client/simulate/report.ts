/** What `npm run simulate` prints and writes: the day table, the figures and the chart. */
import { lineChartSvg } from './chart';
import type { DayResult, SimulationResult } from './loop';

function poisonLabel(r: SimulationResult): string {
  if (!r.poison) return '';
  return r.poison.kind === 'bot-burst' ? 'bot burst' : 'one event type';
}

export function formatDay(d: DayResult): string {
  const ratio = (x: number) => (d.ndcg.oracle > 0 ? (x / d.ndcg.oracle).toFixed(3) : '  –  ');
  const change =
    d.gateChange === null ? '     –' : `${d.gateChange >= 0 ? '+' : ''}${(d.gateChange * 100).toFixed(1)}%`.padStart(6);
  return [
    String(d.day).padStart(3),
    d.date,
    (d.outcome + (d.poisoned ? '*' : '')).padEnd(10),
    change,
    (d.gateCheck ?? '–').padEnd(16),
    d.ndcg.loop.toFixed(4),
    d.ndcg.stale.toFixed(4),
    d.ndcg.oracle.toFixed(4),
    ratio(d.ndcg.loop).padStart(11),
    ratio(d.ndcg.stale).padStart(12),
    String(d.users).padStart(6),
    `${d.seconds.run.toFixed(1)}+${d.seconds.evaluate.toFixed(1)}`.padStart(9),
  ].join('  ');
}

export const TABLE_HEADER =
  'day  date        outcome     gate Δ  gate check        loop    stale   oracle  loop/oracle  stale/oracle  users  run+eval s';

export function formatTable(r: SimulationResult): string[] {
  const lines = [TABLE_HEADER, ...r.days.map(formatDay)];
  if (r.poison) {
    lines.push(`* poisoned day (${poisonLabel(r)}): ${r.days.find((d) => d.poisoned)?.reason ?? ''}`);
    const trained = r.days.find((d) => d.trainsOnPoison);
    if (trained && !trained.poisoned)
      lines.push(`  day ${trained.day} trains on it (its own run held it out): ${trained.outcome} by the ${trained.gateCheck ?? '–'} check: ${trained.reason}`);
  }
  lines.push(
    'NDCG@10 of next-day interactions; gate Δ and check: the candidate vs the deployed version and vs popularity, all scored on the run\'s holdout (its newest day).'
  );
  return lines;
}

/** The three `<name> <value>` figures of `--bench` and `npm run bench`. */
export function benchLines(r: SimulationResult): string[] {
  const f = r.figures;
  return [
    `loop_ndcg_vs_oracle ${f.loopVsOracle.toFixed(4)}`,
    `stale_ndcg_vs_oracle ${f.staleVsOracle.toFixed(4)}`,
    `poisoned_day_rejected ${f.poisonedDayRejected ?? 0}`,
  ];
}

export function chartOf(r: SimulationResult): string {
  const rejected = r.days.flatMap((d, i) => (d.outcome === 'SUCCEEDED' ? [] : [i]));
  const poisoned = r.days.findIndex((d) => d.poisoned);
  return lineChartSvg({
    title: 'Next-day NDCG@10 of three policies in a drifting world',
    xLabel: 'simulated day (each: one RetrainWorkflow run, scored on the next day)',
    yLabel: 'NDCG@10',
    xTicks: r.days.map((d) => String(d.day)),
    series: [
      { name: 'daily loop (gate)', values: r.days.map((d) => d.ndcg.loop), color: '#1f77b4', hollow: rejected },
      { name: 'oracle (no gate)', values: r.days.map((d) => d.ndcg.oracle), color: '#2ca02c' },
      { name: 'stale (day 1)', values: r.days.map((d) => d.ndcg.stale), color: '#7f7f7f' },
    ],
    marks: poisoned >= 0 ? [{ at: poisoned, label: `poisoned (${poisonLabel(r)})` }] : [],
    note: `loop/oracle ${r.figures.loopVsOracle.toFixed(3)} · stale/oracle ${r.figures.staleVsOracle.toFixed(3)} · poisoned day rejected: ${r.figures.poisonedDayRejected ?? '–'} · hollow: the run did not deploy`,
  });
}
