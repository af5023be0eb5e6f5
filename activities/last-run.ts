/**
 * The "last trained" watermark of a pipeline (`<workPrefix>runs/last-trained.json`): the newest
 * interaction a trained run imported. DECIDE skips a run with nothing newer. It only moves forward:
 * a forced or backfilled run over older data trains, but must not make the next daily run retrain
 * on data a newer model has already seen.
 */
import type { RetrainResult } from '../common/types';

export interface LastRunRecord {
  runKey: string;
  runDate: string;
  /** Newest interaction TIMESTAMP (epoch seconds) the last trained run imported. */
  maxTimestamp: number | null;
  solutionVersionArn?: string;
}

/** The watermark after `result`, or null to leave it as it is. */
export function nextLastRun(previous: LastRunRecord | null, result: RetrainResult): LastRunRecord | null {
  // A model was trained (deployed, or refused by the gate): other outcomes saw nothing through.
  if (result.outcome !== 'SUCCEEDED' && result.outcome !== 'REJECTED') return null;
  if (!result.stats || result.stats.maxTimestamp === null) return null;
  if (previous?.maxTimestamp != null && result.stats.maxTimestamp < previous.maxTimestamp) return null;
  return {
    runKey: result.runKey,
    runDate: result.runDate,
    maxTimestamp: result.stats.maxTimestamp,
    ...(result.jobs.solutionVersionArn && { solutionVersionArn: result.jobs.solutionVersionArn }),
  };
}
