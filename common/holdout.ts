/**
 * The same-data, forward-looking holdout the quality gate decides on: a run holds out its most
 * recent interactions from the file it imports and trains on, and scores the candidate, the
 * deployed version and a popularity baseline on them. Pure data (the workflow bundle includes it);
 * the rules are in workflows/holdout.ts and workflows/gate.ts.
 */
import type { InteractionStats, Metrics } from './types';

export interface HoldoutSettings {
  /** Hold out the last `days` of the run's window (fractions allowed: 0.25 = the last 6 hours). */
  days?: number;
  /** Or the newest share of the file's time span (0.1 = the last 10 % of time). */
  fraction?: number;
  /** Fewer evaluation users than this and the holdout is too small to judge on. */
  minUsers: number;
  /** Users scored at most (AWS: each one is a batch recommendation, paid for, per version). */
  sampleUsers: number;
  /**
   * What an empty or too-small holdout does: `reject` the candidate, `promote` it unjudged, or gate on
   * `solution-metrics` (GetSolutionMetrics, which come from different data); the reason says which.
   */
  whenTooSmall: 'reject' | 'promote' | 'solution-metrics';
}

export const DEFAULT_HOLDOUT: HoldoutSettings = { days: 1, minUsers: 50, sampleUsers: 1000, whenTooSmall: 'solution-metrics' };

/** What splitting the run's interactions file gave (the activity holdOutRecent). */
export interface HoldoutSplitFacts {
  /** Interactions at or after this (epoch ms) are held out; null when nothing was held out. */
  cutoffMs: number | null;
  /** The file the run imports and trains on. */
  trainingUri: string;
  /** The held-out interactions (same columns), absent when nothing was held out. */
  holdoutUri?: string;
  /** Facts of the training file (what DECIDE and the record use). */
  training: InteractionStats;
  /** Held-out rows and their users. */
  heldOut: { rows: number; users: number };
  /** Why nothing (or less) was held out, when a rule decided so. */
  note?: string;
}

/** The evaluation users of a holdout, their truth written next to it (activity prepareHoldoutEvaluation). */
export interface HoldoutEvaluationSet {
  /** Users scored: held-out users with training history and a new item in the holdout, sampled. */
  users: number;
  /** Such users before sampling. */
  eligibleUsers: number;
  /** JSON Lines `{"userId": …}` of the sampled users (the batch inference input). */
  inputUri: string;
  /** Truth and seen items per sampled user (read back by the scoring). */
  truthUri: string;
  /** The popularity baseline (most engaged items of the training file) scored the same way. */
  popularity: Metrics;
  /** How many recommendations each version is asked for per user, before seen items are cut. */
  numResults: number;
}

/** The scores the gate decides on. */
export interface HoldoutScores {
  users: number;
  eligibleUsers: number;
  candidate: Metrics;
  /** Null when nothing is deployed (or the deployed version is the candidate). */
  deployed: Metrics | null;
  popularity: Metrics;
  /** Batch inference jobs and recommendations paid for (AWS); zero when scored directly. */
  batch?: { jobs: number; recommendations: number; estimatedCostUsd: number };
}

const DAY_MS = 86_400_000;

/**
 * Where the holdout starts (epoch ms): `days` before the end of the run's window, or the newest
 * `fraction` of the file's time span [minMs, maxMs]. Null when the span is unknown (an empty file).
 */
export function holdoutCutoffMs(h: Pick<HoldoutSettings, 'days' | 'fraction'>, windowEndMs: number, span: { minMs: number; maxMs: number } | null): number | null {
  if (h.fraction !== undefined) {
    if (!span) return null;
    return Math.ceil(span.maxMs - h.fraction * (span.maxMs - span.minMs));
  }
  return windowEndMs - (h.days ?? DEFAULT_HOLDOUT.days!) * DAY_MS;
}

/**
 * Amazon Personalize's list price of batch recommendations, USD per 1,000 recommendations (one
 * recommendation = one user's list), first tier, US East (N. Virginia), from
 * https://aws.amazon.com/personalize/pricing/ ("Batch recommendations"). Prices differ by region and
 * tier: the summary's cost is an estimate for comparing sample sizes, not a bill.
 */
export const BATCH_RECOMMENDATIONS_USD_PER_1000 = 0.067;

/** Estimated cost of scoring `users` users with `versions` batch inference jobs. */
export function batchEvaluationCostUsd(users: number, versions: number): number {
  return Number(((users * versions * BATCH_RECOMMENDATIONS_USD_PER_1000) / 1000).toFixed(4));
}
