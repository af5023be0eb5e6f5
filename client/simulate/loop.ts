/**
 * The loop simulator: real RetrainWorkflow runs, one per simulated day, on a Temporal server with
 * the embedded backends (DuckDB over the day's RudderStack files, the local recommender training
 * and serving), over a drifting synthetic world with one poisoned day. After each day's run, three
 * policies are scored on the same next-day interactions:
 *
 * - **loop**: what the campaign serves after the run, i.e. whatever the gate deployed;
 * - **stale**: the model trained on day 1 only, never replaced;
 * - **oracle**: retrained on everything up to that day, every day, no gate.
 *
 * The oracle reads the same interactions file the day's run imported and trains with the same code
 * as the local training job, so on a day the gate promotes, loop and oracle are the same model.
 * The workflow is driven only through its public input and result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { writeWorldDay } from '../../activities/local/generator/sessions';
import {
  FUNNEL_SCORING,
  SessionWorld,
  type PoisonSpec,
  type SessionWorldOptions,
  type WorldEvent,
} from '../../activities/local/generator/world';
import { fileUriToPath } from '../../activities/local/files';
import { Scorer } from '../../activities/local/recommender/scorer';
import { readInteractionsCsv, TableBuilder, type InteractionTable } from '../../activities/local/recommender/table';
import { fitAndEvaluate } from '../../activities/local/recommender/tune';
import { loadConfig } from '../../common/config';
import type { GateDecision, Outcome, RetrainResult } from '../../common/types';
import { buildRegistry } from '../../worker/backends';
import { createRetrainWorker } from '../../worker/create-worker';
import { RETRAIN_WORKFLOW_TYPE } from '../../workflows/defs';
import type { RetrainWorkflow } from '../../workflows';
import { meanNdcg, nextDayTruth, Seen, type Policy } from './evaluate';

export const PIPELINE = 'sim';

/** The drifting world of `npm run simulate` (days and poison are set apart). */
export const DEFAULT_WORLD: Omit<SessionWorldOptions, 'days' | 'poison'> = {
  startDate: '2026-03-01',
  seed: 42,
  users: 2000,
  items: 500,
  clusters: 10,
  taste: 0.6,
  driftShare: 0.1,
  newItemsPerDay: 50,
};

export interface SimulationOptions {
  /** Simulated days, each with one run (the world has one more, the last day's next day). */
  days: number;
  world: Omit<SessionWorldOptions, 'days' | 'poison'>;
  /** Day index (0-based) and kind; null: no poisoned day. */
  poison: PoisonSpec | null;
  /** Working directory: emptied, then holds the config, events, runs and recommender state. */
  dir: string;
  /** Told after each day (progress lines). */
  onDay?: (d: DayResult) => void;
}

export interface DayResult {
  /** 1-based. */
  day: number;
  date: string;
  poisoned: boolean;
  outcome: Outcome;
  reason: string;
  /** The gate's relative change of its metric, candidate vs deployed (null: first deployment or no gate). */
  gateChange: number | null;
  /** The gate check that decided (candidate vs deployed, vs popularity, the holdout's size), and what it rested on. */
  gateCheck: GateDecision['check'] | null;
  gateBasis: GateDecision['basis'] | null;
  /** The newest day the run trained on: with a holdout, the day before the run's own day. */
  trainedThrough: string | null;
  /** The run whose training first contains the poisoned day's events (the day itself is held out). */
  trainsOnPoison: boolean;
  /** What the campaign serves after the run. */
  servedVersion: string | null;
  /** Rows of the run's interactions file. */
  interactions: number;
  /** Users scored on the next day's interactions. */
  users: number;
  ndcg: { loop: number; stale: number; oracle: number };
  /** Wall time of the day's run, and of training the oracle and scoring the three policies. */
  seconds: { run: number; evaluate: number };
}

export interface SimulationFigures {
  /** Mean over days of loop ÷ oracle NDCG@10 (higher is better; goal ≥ 0.9). */
  loopVsOracle: number;
  /** Mean over days of stale ÷ oracle NDCG@10 (lower shows that retraining matters; goal ≤ 0.7). */
  staleVsOracle: number;
  /**
   * 1 when the gate rejected the candidate trained on the poisoned day, 0 when not, null without a
   * poisoned day. With a holdout that is the next day's run: the poisoned day's own run holds it out.
   */
  poisonedDayRejected: 0 | 1 | null;
  /** The check that rejected it (or passed it). */
  poisonedDayCheck: GateDecision['check'] | null;
}

export interface SimulationResult {
  days: DayResult[];
  figures: SimulationFigures;
  poison: PoisonSpec | null;
  wallSeconds: number;
}

/** The figures of a simulation (days whose oracle scored nothing are left out of the ratios). */
export function figuresOf(days: readonly DayResult[]): SimulationFigures {
  const scored = days.filter((d) => d.ndcg.oracle > 0);
  const mean = (f: (d: DayResult) => number) =>
    scored.length ? scored.reduce((s, d) => s + f(d), 0) / scored.length : 0;
  const poisoned = days.find((d) => d.trainsOnPoison) ?? days.find((d) => d.poisoned);
  return {
    loopVsOracle: mean((d) => d.ndcg.loop / d.ndcg.oracle),
    staleVsOracle: mean((d) => d.ndcg.stale / d.ndcg.oracle),
    poisonedDayRejected: poisoned ? (poisoned.outcome === 'REJECTED' ? 1 : 0) : null,
    poisonedDayCheck: poisoned?.gateCheck ?? null,
  };
}

function configYaml(taskQueue: string): string {
  const scoring = Object.entries(FUNNEL_SCORING)
    .map(([k, v]) => `        "${k}": ${v}`)
    .join('\n');
  return `# Written by the loop simulator: one local pipeline over the simulated shop's RudderStack events.
temporal:
  taskQueue: ${taskQueue}
local:
  dataDir: data
  deployLatency: 0
pipelines:
  - name: ${PIPELINE}
    backend: local
    source:
      kind: events
      eventsPrefix: data/events/
      scoring:
${scoring}
    lookbackDays: all
    workPrefix: data/work/
    poll: { initial: 200ms, fraction: 0.2, max: 2s }
    notifications: { on: [] }
`;
}

/** The world's interactions up to a day, as the events source scores them (stand-in when a run wrote no file). */
function worldTable(world: SessionWorld, lastDay: number): InteractionTable {
  const b = new TableBuilder();
  for (let d = 0; d <= lastDay; d++) {
    for (const e of world.day(d)) {
      const value = (FUNNEL_SCORING as Record<string, number>)[e.event];
      if (value !== undefined)
        b.add({ user: e.userId, item: e.itemId, eventType: e.event, value, ts: Math.floor(e.at / 1000) });
    }
  }
  return b.build();
}

/** The run's result, also when the workflow failed (the result is in the failure's details). */
async function runDay(
  client: Client,
  taskQueue: string,
  runDate: string
): Promise<RetrainResult | { outcome: 'FAILED'; reason: string }> {
  try {
    return await client.workflow.execute<typeof RetrainWorkflow>(RETRAIN_WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `simulate-${PIPELINE}-${runDate}`,
      args: [{ pipeline: PIPELINE, runDate }],
    });
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      const details = err.cause.details?.[0] as RetrainResult | undefined;
      if (details?.outcome) return details;
      return { outcome: 'FAILED', reason: err.cause.message };
    }
    if (err instanceof WorkflowFailedError) return { outcome: 'FAILED', reason: err.cause?.message ?? err.message };
    throw err;
  }
}

export async function runSimulation(
  opts: SimulationOptions,
  temporal: { client: Client; connection: NativeConnection }
): Promise<SimulationResult> {
  const started = Date.now();
  if (!(Number.isInteger(opts.days) && opts.days >= 2))
    throw new RangeError(`a simulation needs at least 2 days, got ${opts.days}`);
  if (opts.poison && !(opts.poison.day >= 0 && opts.poison.day < opts.days))
    throw new RangeError(`the poisoned day must be one of days 1…${opts.days}`);
  const world = new SessionWorld({ ...opts.world, days: opts.days + 1, poison: opts.poison ?? undefined });
  fs.rmSync(opts.dir, { recursive: true, force: true });
  fs.mkdirSync(opts.dir, { recursive: true });
  const taskQueue = `simulate-${process.pid}-${Date.now().toString(36)}`;
  const configPath = path.join(opts.dir, 'config.yaml');
  fs.writeFileSync(configPath, configYaml(taskQueue));
  const config = loadConfig(configPath);
  const registry = buildRegistry(config, { local: { deployMs: 0 } });
  const recommender = registry.localRecommender(PIPELINE)!;
  const campaignArn = registry.settings(PIPELINE)!.campaignArn;
  const worker = await createRetrainWorker({
    config,
    connection: temporal.connection,
    registry,
    worker: { shutdownGraceTime: '5s' },
  });

  const days: DayResult[] = [];
  const seen = new Seen();
  const scoring = FUNNEL_SCORING as Record<string, number>;
  const nowSeconds = () => Date.now() / 1000;
  const modelPolicy =
    (scorer: Scorer): Policy =>
    (user, n) =>
      scorer.recommendFor(user, n, { at: nowSeconds() }).map((s) => s.itemId);
  const loopPolicy: Policy = async (user, n) => {
    try {
      return (await recommender.recommend(campaignArn, user, n)).itemList.map((i) => i.itemId);
    } catch {
      return []; // nothing deployed yet
    }
  };
  let stale: Scorer | undefined;
  try {
    await worker.runUntil(async () => {
      for (let d = 0; d < opts.days; d++) {
        const date = world.date(d);
        const events: WorldEvent[] = world.day(d);
        writeWorldDay(path.join(config.local.dataDir), world, d);
        seen.add(events, scoring);
        const runStarted = Date.now();
        const result = await runDay(temporal.client, taskQueue, date);
        const evalStarted = Date.now();
        const full = 'runKey' in result ? result : undefined;
        const table = full?.jobs.interactionsUri
          ? await readInteractionsCsv(fileUriToPath(full.jobs.interactionsUri))
          : worldTable(world, d);
        const oracle = new Scorer(fitAndEvaluate(table).model);
        stale ??= oracle;
        const truth = nextDayTruth(world.day(d + 1), seen, (u) => world.isBot(u), scoring);
        const served = await recommender.describeCampaign(campaignArn);
        const newest = full?.stats?.maxTimestamp;
        const trainedThrough = typeof newest === 'number' ? new Date(newest * 1000).toISOString().slice(0, 10) : null;
        const poisonDate = opts.poison ? world.date(opts.poison.day) : null;
        const trainsOnPoison =
          poisonDate !== null && trainedThrough !== null && trainedThrough >= poisonDate && !days.some((x) => x.trainsOnPoison);
        const day: DayResult = {
          day: d + 1,
          date,
          poisoned: opts.poison?.day === d,
          outcome: result.outcome,
          reason: result.reason,
          gateChange: full?.gate?.change ?? null,
          gateCheck: full?.gate?.check ?? null,
          gateBasis: full?.gate?.basis ?? null,
          trainedThrough,
          trainsOnPoison,
          servedVersion: served.solutionVersionArn,
          interactions: table.user.length,
          users: truth.size,
          ndcg: {
            loop: await meanNdcg(loopPolicy, truth, seen),
            stale: await meanNdcg(modelPolicy(stale), truth, seen),
            oracle: await meanNdcg(modelPolicy(oracle), truth, seen),
          },
          seconds: { run: (evalStarted - runStarted) / 1000, evaluate: (Date.now() - evalStarted) / 1000 },
        };
        days.push(day);
        opts.onDay?.(day);
      }
    });
  } finally {
    await registry.close();
  }
  return { days, figures: figuresOf(days), poison: opts.poison, wallSeconds: (Date.now() - started) / 1000 };
}
