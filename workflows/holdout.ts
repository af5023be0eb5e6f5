/**
 * Pure rules of the run's holdout: its job names and files, and the import state once interactions
 * were held out. The held-out interactions are not imported today; the watermark stops where the
 * holdout starts, so the next run imports them (INCREMENTAL starts its window there; FULL carries
 * the whole history anyway). Nothing is lost to evaluation.
 */
import type { HoldoutSplitFacts } from '../common/holdout';
import type { ImportPlan } from '../common/import-state';
import { personalizeName, type RunNames } from './plan';

/** Workflow patch id of the holdout split and the holdout gate (runs recorded before it replay without). */
export const HOLDOUT_PATCH = 'holdout-gate';

export interface HoldoutNames {
  trainingUri: string;
  holdoutUri: string;
  /** Where the evaluation's input, truth and batch outputs go (ends in '/'). */
  evaluationPrefix: string;
  candidateJobName: string;
  deployedJobName: string;
}

/** Every name derives from the run's own names, so a retried step finds what it wrote or started. */
export function holdoutNames(names: RunNames): HoldoutNames {
  const run = names.interactionsUri.slice(0, names.interactionsUri.lastIndexOf('/') + 1);
  const base = names.importJobName.replace(/-import$/, '');
  return {
    trainingUri: `${run}training.csv`,
    holdoutUri: `${run}holdout.csv`,
    evaluationPrefix: `${run}evaluation/`,
    candidateJobName: personalizeName(base, 'eval-candidate'),
    deployedJobName: personalizeName(base, 'eval-deployed'),
  };
}

/** The state recorded after the import: everything before the holdout's start has been imported. */
export function planAfterHoldout(plan: ImportPlan, split: HoldoutSplitFacts): ImportPlan {
  if (split.cutoffMs === null || !split.holdoutUri || split.cutoffMs >= plan.after.watermarkMs) return plan;
  const watermarkMs = plan.fromMs !== null ? Math.max(split.cutoffMs, plan.fromMs) : split.cutoffMs;
  return { ...plan, after: { ...plan.after, watermarkMs } };
}
