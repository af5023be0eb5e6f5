/**
 * The loop simulator's figures (`npm run simulate -- --bench` prints the same): 14 simulated days
 * of the default drifting world, real RetrainWorkflow runs on the time-skipping server.
 *  - loop_ndcg_vs_oracle: mean over days of next-day NDCG@10, daily loop ÷ oracle (higher is better; goal ≥ 0.9)
 *  - stale_ndcg_vs_oracle: the same for the model of day 1 (lower shows retraining matters; goal ≤ 0.7)
 *  - poisoned_day_rejected: 1 when the gate rejected the poisoned day's candidate (goal 1)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulation } from '../../client/simulate/loop';
import { simulationOptions } from '../../client/simulate/main';
import { startSimulationServer } from '../../client/simulate/server';

type Report = (name: string, value: number) => void;

export async function benchSimulate(report: Report): Promise<void> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'po-bench-simulate-'));
  const server = await startSimulationServer('time-skipping', (l) => process.stderr.write(`[temporal] ${l}\n`));
  try {
    const opts = simulationOptions({
      days: 14,
      seed: 42,
      users: 2000,
      items: 500,
      poison: 'bot-burst',
      server: 'time-skipping',
      out,
      bench: true,
    });
    const r = await runSimulation(
      { ...opts, onDay: (d) => process.stderr.write(`# day ${d.day} ${d.outcome}\n`) },
      server
    );
    report('loop_ndcg_vs_oracle', r.figures.loopVsOracle);
    report('stale_ndcg_vs_oracle', r.figures.staleVsOracle);
    report('poisoned_day_rejected', r.figures.poisonedDayRejected ?? 0);
    report('simulate_14d_wall_s', r.wallSeconds);
  } finally {
    await server.teardown();
    fs.rmSync(out, { recursive: true, force: true });
  }
}
