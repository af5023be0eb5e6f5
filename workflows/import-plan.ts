/**
 * Import semantics that neither destroy nor duplicate data. Pure: the workflow reads the import
 * state, plans the run's window here, passes its start to the query, and records the state after
 * the import job is ACTIVE.
 *
 *  - FULL replaces all bulk interactions in Personalize, so a FULL import carries the whole history
 *    the pipeline owns: its window starts no later than the previous FULL import's, whatever
 *    lookbackDays says, unless `allowHistoryShrink` explicitly lets it drop old history.
 *  - INCREMENTAL appends, so it carries only what no earlier import carried: its window starts at
 *    the watermark (the end of the last import's window), not lookbackDays back.
 *  - INCREMENTAL needs an earlier bulk import: a pipeline's first import is FULL.
 *  - Every import job needs 1,000 records: an INCREMENTAL day below that is not imported, and the
 *    watermark stays, so the next run's window carries it forward.
 */
import type { ImportPlan, ImportState } from '../common/import-state';
import type { ImportMode, InteractionStats } from '../common/types';
import { decideTraining, MIN_INTERACTIONS, type LastRun, type TrainDecision } from './plan';

const DAY_MS = 86_400_000;

/** Workflow patch id of the import planning (runs recorded before it replay without it). */
export const IMPORT_PLAN_PATCH = 'import-plan';

const iso = (ms: number) => new Date(ms).toISOString();

export function windowEndMs(runDate: string): number {
  return Date.parse(`${runDate}T00:00:00Z`) + DAY_MS;
}

export interface PlanImportInput {
  mode: ImportMode;
  runDate: string;
  /** The run's lookback (null = all history). */
  lookbackDays: number | null;
  /** What earlier imports carried; null before the first. */
  state: ImportState | null;
  /** Let a FULL import carry less history than the previous FULL import. */
  allowHistoryShrink: boolean;
  runKey: string;
}

/** The window and mode of this run's import. */
export function planImport(input: PlanImportInput): ImportPlan {
  const toMs = windowEndMs(input.runDate);
  const requestedFrom = input.lookbackDays === null ? null : toMs - input.lookbackDays * DAY_MS;
  const prior = input.state;

  if (input.mode === 'INCREMENTAL' && prior) {
    const fromMs = prior.watermarkMs;
    return {
      importMode: 'INCREMENTAL',
      startMs: fromMs,
      fromMs,
      toMs,
      note: `appends what arrived since the last import (${prior.runKey}): from ${iso(fromMs)}`,
      after: {
        watermarkMs: Math.max(toMs, fromMs),
        fullFromMs: prior.fullFromMs,
        runKey: input.runKey,
        mode: 'INCREMENTAL',
      },
    };
  }

  // FULL, or the first import of an INCREMENTAL pipeline (Personalize needs a bulk import first).
  let fromMs = requestedFrom;
  let note: string | undefined =
    input.mode === 'INCREMENTAL' ? 'first import of an INCREMENTAL pipeline: a FULL import of the lookback' : undefined;
  const keptFrom = prior?.fullFromMs;
  if (prior && keptFrom !== undefined && !input.allowHistoryShrink && shrinks(keptFrom, requestedFrom)) {
    fromMs = keptFrom;
    note =
      `a FULL import replaces all bulk data: it keeps the history from ${keptFrom === null ? 'the beginning' : iso(keptFrom)} that ${prior.runKey} carried, ` +
      `although lookbackDays would start at ${iso(requestedFrom!)} (set allowHistoryShrink to let it drop that history)`;
  }
  const startMs = fromMs !== null && fromMs !== requestedFrom ? fromMs : undefined;
  return {
    importMode: 'FULL',
    ...(startMs !== undefined ? { startMs } : {}),
    fromMs,
    toMs,
    ...(note ? { note } : {}),
    after: { watermarkMs: toMs, fullFromMs: fromMs, runKey: input.runKey, mode: 'FULL' },
  };
}

/** Would a window starting at `next` carry less than one starting at `kept`? (null = all history) */
function shrinks(kept: number | null, next: number | null): boolean {
  if (next === null) return false;
  return kept === null || kept < next;
}

/** The lookback the query runs with: all history when the plan keeps all of it. */
export function queryLookback(plan: ImportPlan, lookbackDays: number | null): number | null {
  return plan.fromMs === null ? null : lookbackDays;
}

/**
 * Whether to import and train. An INCREMENTAL import under Personalize's 1,000-record minimum is
 * carried forward (nothing imported, the watermark stays); it adds to a dataset that already
 * meets the training minimums, so those are not asked of the increment alone.
 */
export function decideImport(
  stats: InteractionStats,
  last: LastRun | null,
  plan: ImportPlan | undefined,
  opts: { force?: boolean; dryRun?: boolean }
): TrainDecision {
  if (plan?.importMode !== 'INCREMENTAL') return decideTraining(stats, last, opts);
  if (stats.rows < MIN_INTERACTIONS) {
    return {
      train: false,
      reason: `${stats.rows} new interactions since ${iso(plan.fromMs!)}; an import needs at least ${MIN_INTERACTIONS}, so they are carried forward to the next run`,
    };
  }
  if (opts.dryRun)
    return { train: false, reason: `dry run: would append ${stats.rows} interactions (INCREMENTAL) and train` };
  return {
    train: true,
    reason: `${stats.rows} new interactions from ${stats.users} users and ${stats.items} items (INCREMENTAL)`,
  };
}
