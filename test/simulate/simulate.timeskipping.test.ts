/**
 * The loop simulator on a small world: real RetrainWorkflow runs on the time-skipping server with
 * the embedded backends, the three policies scored on each next day.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { DEFAULT_WORLD, runSimulation, type SimulationResult } from '../../client/simulate/loop';
import { benchLines, chartOf, formatTable } from '../../client/simulate/report';

let env: TestWorkflowEnvironment;
let result: SimulationResult;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-simulate-'));
const seenDays: number[] = [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  result = await runSimulation(
    {
      days: 4,
      world: { ...DEFAULT_WORLD, users: 1200, items: 200, newItemsPerDay: 40 },
      poison: { day: 2, kind: 'bot-burst' },
      dir,
      onDay: (d) => seenDays.push(d.day),
    },
    { client: env.client, connection: env.nativeConnection }
  );
}, 300_000);

afterAll(async () => {
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('one real run per simulated day, reported as it goes, on growing data', () => {
  expect(result.days.map((d) => d.day)).toEqual([1, 2, 3, 4]);
  expect(seenDays).toEqual([1, 2, 3, 4]);
  expect(result.days.map((d) => d.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
  expect(result.days[0]!.outcome).toBe('SUCCEEDED'); // first deployment
  for (let k = 1; k < 4; k++) expect(result.days[k]!.interactions).toBeGreaterThan(result.days[k - 1]!.interactions);
  for (const d of result.days) expect(d.users).toBeGreaterThan(100);
});

test('each run holds out its own day and is judged on it: day 2 has only day 1 left to train on, later days are gated on the holdout', () => {
  const [first, second, ...later] = result.days;
  expect(first!.trainedThrough).toBe('2026-03-01'); // nothing left to train on without day 1: no holdout
  expect(second!.outcome).toBe('SKIPPED');
  expect(second!.reason).toMatch(/nothing newer than the last trained run/);
  for (const d of later) {
    expect(['SUCCEEDED', 'REJECTED']).toContain(d.outcome);
    expect(d.gateBasis).toBe('holdout');
    expect(['deployed', 'popularity']).toContain(d.gateCheck);
    expect(d.trainedThrough! < d.date).toBe(true);
  }
});

test('the loop serves what the gate deployed: a new version on promoted days, the previous one otherwise', () => {
  const [first] = result.days;
  expect(first!.ndcg.loop).toBeGreaterThan(0);
  // Day 1 trains on everything (nothing could be held out): the loop's model is the oracle's.
  expect(first!.ndcg.loop).toBeCloseTo(first!.ndcg.oracle, 12);
  expect(first!.ndcg.stale).toBeCloseTo(first!.ndcg.oracle, 12);
  result.days.forEach((d, k) => {
    if (k > 0 && d.outcome !== 'SUCCEEDED') expect(d.servedVersion).toBe(result.days[k - 1]!.servedVersion);
  });
  expect(new Set(result.days.map((d) => d.servedVersion)).size).toBe(
    1 + result.days.slice(1).filter((d) => d.outcome === 'SUCCEEDED').length
  );
});

test('drift: the model trained on day 1 falls behind the oracle', () => {
  expect(result.figures.staleVsOracle).toBeLessThan(0.95);
  for (const d of result.days.slice(1)) expect(d.ndcg.stale).toBeLessThan(d.ndcg.oracle);
});

test('the poisoned day is flagged, and judged by the run that first trains on it (the next day)', () => {
  expect(result.days.map((d) => d.poisoned)).toEqual([false, false, true, false]);
  expect(result.days.map((d) => d.trainsOnPoison)).toEqual([false, false, false, true]);
  const judged = result.days[3]!;
  expect(result.figures.poisonedDayRejected).toBe(judged.outcome === 'REJECTED' ? 1 : 0);
  expect(result.figures.poisonedDayCheck).toBe(judged.gateCheck);
  expect(benchLines(result)).toEqual([
    `loop_ndcg_vs_oracle ${result.figures.loopVsOracle.toFixed(4)}`,
    `stale_ndcg_vs_oracle ${result.figures.staleVsOracle.toFixed(4)}`,
    `poisoned_day_rejected ${result.figures.poisonedDayRejected}`,
  ]);
});

test('the table and the chart: one row per day, one line per policy, the poisoned day marked', () => {
  const table = formatTable(result);
  expect(table.filter((l) => /^ +\d+ {2}2026-03-0\d/.test(l))).toHaveLength(4);
  expect(table.some((l) => l.includes('poisoned day (bot burst)'))).toBe(true);
  const svg = chartOf(result);
  expect(svg.match(/<polyline class="series"/g)).toHaveLength(3);
  expect(svg.match(/data-name="[^"]+"/g)).toEqual([
    'data-name="daily loop (gate)"',
    'data-name="oracle (no gate)"',
    'data-name="stale (day 1)"',
  ]);
  expect(svg.match(/<line class="mark"/g)).toHaveLength(1);
  expect(svg).toContain('poisoned (bot burst)');
});
