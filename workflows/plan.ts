/**
 * Pure decisions of RetrainWorkflow: the logical run date, deterministic job names and tokens,
 * a forced re-run's own names, whether to train, the quality gate, whether to deploy, and which
 * training to stop on the way out. No I/O, no clocks: unit-tested and replay-safe.
 */
import type { CampaignState, EarlierRun, GateDecision, GateSettings, InteractionStats, Metrics, TrainingState } from '../common/types';

/** Personalize's minimums (aws-apis.md §1.11). */
export const MIN_INTERACTIONS = 1000;
export const MIN_USERS_WITH_TWO_INTERACTIONS = 25;

const DAY_MS = 86_400_000;

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isValidRunDate(d: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(d) && isoDate(Date.parse(`${d}T00:00:00Z`)) === d;
}

/**
 * The run date is the last day of events a run includes. A scheduled run takes the day before its
 * scheduled time (a 02:00 run on the 24th covers the 23rd), so retries, replays and backfills keep
 * the date they were scheduled for. A manual run may name its date; otherwise the day before it started.
 */
export function logicalRunDate(opts: { runDate?: string; scheduledStart?: Date; startedAt: Date }): string {
  if (opts.runDate !== undefined) {
    if (!isValidRunDate(opts.runDate)) throw new RangeError(`runDate must be YYYY-MM-DD, got "${opts.runDate}"`);
    return opts.runDate;
  }
  const base = opts.scheduledStart ?? opts.startedAt;
  return isoDate(base.getTime() - DAY_MS);
}

/** Personalize names: 1–63 characters, `^[a-zA-Z0-9][a-zA-Z0-9\-_]*$`. */
export function personalizeName(...parts: string[]): string {
  const raw = parts
    .filter((p) => p.length > 0)
    .join('-')
    .replace(/[^a-zA-Z0-9\-_]/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '');
  if (raw.length <= 63) return raw || 'run';
  // Keep the distinguishing tail (date, rerun, kind); shorten the pipeline part.
  return raw.slice(raw.length - 63).replace(/^[^a-zA-Z0-9]+/, '');
}

export interface RunNames {
  runKey: string;
  /** Athena ClientRequestToken (32–128 characters). */
  queryToken: string;
  exportPrefix: string;
  queryOutputPrefix: string;
  interactionsUri: string;
  importJobName: string;
  solutionVersionName: string;
}

/**
 * Every job name and token derives from pipeline + run date (+ rerun suffix), so a retried or
 * replayed step finds the job it created instead of paying for a second one.
 */
export function runNames(pipeline: string, runDate: string, workPrefix: string, rerun?: string): RunNames {
  const compactDate = runDate.replace(/-/g, '');
  const suffix = rerun ? `-${rerun}` : '';
  const runKey = `${pipeline}-${runDate}${suffix}`;
  const prefix = workPrefix.endsWith('/') ? workPrefix : `${workPrefix}/`;
  const run = `${prefix}runs/${runDate}${suffix}/`;
  let queryToken = `personalize-optimizer.${runKey}.interactions`;
  if (queryToken.length < 32) queryToken = queryToken.padEnd(32, '.');
  if (queryToken.length > 128) queryToken = queryToken.slice(queryToken.length - 128);
  return {
    runKey,
    queryToken,
    exportPrefix: `${run}endpoints/`,
    queryOutputPrefix: `${run}query/`,
    interactionsUri: `${run}interactions.csv`,
    importJobName: personalizeName(pipeline, compactDate, rerun ?? '', 'import'),
    solutionVersionName: personalizeName(pipeline, compactDate, rerun ?? '', 'train'),
  };
}

export interface LastRun {
  runKey: string;
  /** Newest interaction TIMESTAMP (epoch seconds) the last trained run imported. */
  maxTimestamp: number | null;
}

export type TrainDecision = { train: true; reason: string } | { train: false; reason: string };

/** Never start a paid job for nothing: empty, too small, or nothing new. */
export function decideTraining(stats: InteractionStats, last: LastRun | null, opts: { force?: boolean; dryRun?: boolean }): TrainDecision {
  if (stats.rows === 0) return { train: false, reason: 'the query produced no interactions' };
  if (stats.rows < MIN_INTERACTIONS) {
    return { train: false, reason: `${stats.rows} interactions; Personalize needs at least ${MIN_INTERACTIONS}` };
  }
  if (stats.usersWith2Plus < MIN_USERS_WITH_TWO_INTERACTIONS) {
    return {
      train: false,
      reason: `${stats.usersWith2Plus} users with 2+ interactions; Personalize needs at least ${MIN_USERS_WITH_TWO_INTERACTIONS}`,
    };
  }
  if (!opts.force && last && last.maxTimestamp !== null && stats.maxTimestamp !== null && stats.maxTimestamp <= last.maxTimestamp) {
    return {
      train: false,
      reason: `nothing newer than the last trained run ${last.runKey} (newest interaction ${new Date(stats.maxTimestamp * 1000).toISOString()})`,
    };
  }
  if (opts.dryRun) return { train: false, reason: `dry run: would import and train on ${stats.rows} interactions` };
  return { train: true, reason: `${stats.rows} interactions from ${stats.users} users and ${stats.items} items` };
}

/**
 * The quality gate: promote unless the configured metric fell by more than the tolerance. A first
 * deployment (nothing deployed, or the deployed version has no such metric) passes.
 */
export function evaluateGate(candidate: Metrics, deployed: Metrics | null, gate: GateSettings): GateDecision {
  const c = candidate[gate.metric];
  const base = { metric: gate.metric, candidate: c ?? null };
  if (c === undefined || !Number.isFinite(c)) {
    return { ...base, promote: false, deployed: deployed?.[gate.metric] ?? null, change: null, reason: `the candidate reports no ${gate.metric}` };
  }
  const d = deployed?.[gate.metric];
  if (deployed === null || d === undefined || !Number.isFinite(d)) {
    return { ...base, promote: true, deployed: null, change: null, reason: 'first deployment: nothing to compare with' };
  }
  const change = d === 0 ? (c >= 0 ? 0 : -Infinity) : (c - d) / Math.abs(d);
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  // A fall of exactly the tolerance passes; the epsilon absorbs floating-point noise.
  if (change < -gate.tolerance - 1e-9) {
    return {
      ...base,
      promote: false,
      deployed: d,
      change,
      reason: `${gate.metric} fell from ${d.toFixed(4)} to ${c.toFixed(4)} (${pct(change)}), more than the ${pct(gate.tolerance)} tolerance`,
    };
  }
  return { ...base, promote: true, deployed: d, change, reason: `${gate.metric} ${d.toFixed(4)} → ${c.toFixed(4)} (${change >= 0 ? '+' : ''}${pct(change)})` };
}

export interface RerunChoice {
  /** Suffix of this run's job names; undefined keeps the plain run key. */
  rerun?: string;
  note?: string;
}

/**
 * A forced run (`--force`) of a date an earlier run already used must train anew: with the same
 * names it would adopt the earlier import and training and deploy that older model. It gets a
 * suffix of its own, derived from its workflow run id (stable across continue-as-new and replay).
 */
export function chooseRerun(opts: { force?: boolean; rerun?: string; earlier: EarlierRun | null; runId: string }): RerunChoice {
  if (opts.rerun || !opts.force || !opts.earlier) return { rerun: opts.rerun };
  const rerun = `f${opts.runId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 7).toLowerCase()}`;
  const was = opts.earlier.outcome ? ` (${opts.earlier.outcome})` : '';
  return {
    rerun,
    note: `run key ${opts.earlier.runKey} was used by an earlier run${was}; this forced run trains anew with its own job names (suffix ${rerun}) instead of adopting that run's import and training`,
  };
}

export type TrainingCleanup =
  | { kind: 'none' }
  | { kind: 'stop'; solutionVersionArn: string }
  /** The start was in flight when the run ended: the ARN was never recorded, so find it by its name. */
  | { kind: 'find-and-stop'; name: string };

/** Whatever ends a run, a training it started and that has not finished is stopped. */
export function trainingCleanup(training: TrainingState | undefined, solutionVersionArn: string | undefined, name: string): TrainingCleanup {
  if (training === 'running' && solutionVersionArn) return { kind: 'stop', solutionVersionArn };
  if (training === 'starting' || (training === 'running' && !solutionVersionArn)) {
    return solutionVersionArn ? { kind: 'stop', solutionVersionArn } : { kind: 'find-and-stop', name };
  }
  return { kind: 'none' };
}

export interface VersionAge {
  arn: string;
  /** ISO creation time; unknown when the backend does not say. */
  createdAt?: string;
}

export type DeployDecision =
  | { action: 'update'; reason: string }
  /** Our update is already going (a resumed or retried step): wait for it, request nothing. */
  | { action: 'wait'; reason: string }
  | { action: 'refuse'; reason: string };

/**
 * Before UpdateCampaign: never put an older model on the campaign than the one it serves (a
 * re-run or a reset that adopted an earlier training), unless a rollback is asked for explicitly.
 * Versions whose age is unknown are not compared.
 */
export function decideDeploy(opts: {
  candidate: VersionAge;
  campaign: CampaignState;
  served: VersionAge | null;
  allowOlder?: boolean;
}): DeployDecision {
  const { candidate, campaign, served } = opts;
  const latest = campaign.latestUpdate;
  if (latest?.solutionVersionArn === candidate.arn && latest.status !== 'CREATE FAILED') {
    return { action: 'wait', reason: `the campaign update to ${candidate.arn} was already requested (${latest.status})` };
  }
  if (!latest && campaign.solutionVersionArn === candidate.arn) return { action: 'wait', reason: `the campaign already serves ${candidate.arn}` };
  if (!opts.allowOlder && served && served.arn !== candidate.arn && served.createdAt && candidate.createdAt && Date.parse(served.createdAt) > Date.parse(candidate.createdAt)) {
    return {
      action: 'refuse',
      reason: `not deployed: the campaign serves ${served.arn}, created ${served.createdAt}, newer than this run's model ${candidate.arn} (created ${candidate.createdAt}); an older model is never deployed over a newer one`,
    };
  }
  return { action: 'update', reason: `deploy ${candidate.arn}` };
}
