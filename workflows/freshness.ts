/**
 * Pure decision of the staleness watchdog: is a pipeline's model stale? It is when no run has
 * SUCCEEDED for `maxAgeDays`, or the model the campaign serves was trained longer ago than that.
 * No I/O, no clocks (the caller passes now): unit-tested and replay-safe.
 */

const DAY_MS = 86_400_000;

/** What the check found in the run records and the campaign. */
export interface FreshnessFacts {
  /** The latest run that ended SUCCEEDED, per the run records. */
  lastSucceeded?: {
    runKey: string;
    runDate: string;
    finishedAt: string;
    solutionVersionArn?: string;
    trainedAt?: string;
  };
  /** The version the campaign serves (null: nothing; undefined: not asked). */
  serving?: string | null;
  /** The recorded run that trained the version the campaign serves, when there is one. */
  servingRun?: { runKey: string; trainedAt?: string; finishedAt: string };
  /** Where the records were read from, for the message. */
  recordsPrefix: string;
}

export interface FreshnessVerdict {
  stale: boolean;
  /** One sentence per finding; the alert's text when stale. */
  reasons: string[];
  /** Milliseconds since the latest SUCCEEDED run ended; null when there was none. */
  lastSuccessAgeMs: number | null;
  /** Milliseconds since the deployed model was trained; null when unknown. */
  modelAgeMs: number | null;
  maxAgeDays: number;
}

/** An age a person reads at a glance: `45 min`, `5 h`, `2 days 3 h`, `12 days`. */
export function formatAge(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  const days = Math.floor(h / 24);
  const rest = h % 24;
  return days < 7 && rest ? `${days} days ${rest} h` : `${days} days`;
}

export function assessFreshness(facts: FreshnessFacts, nowMs: number, maxAgeDays: number): FreshnessVerdict {
  const limit = maxAgeDays * DAY_MS;
  const reasons: string[] = [];
  let stale = false;
  const last = facts.lastSucceeded;
  const lastSuccessAgeMs =
    last && Number.isFinite(Date.parse(last.finishedAt)) ? nowMs - Date.parse(last.finishedAt) : null;
  if (!last) {
    stale = true;
    reasons.push(`no run has SUCCEEDED yet (no successful run recorded under ${facts.recordsPrefix})`);
  } else if (lastSuccessAgeMs !== null && lastSuccessAgeMs > limit) {
    stale = true;
    reasons.push(
      `no run has SUCCEEDED for ${formatAge(lastSuccessAgeMs)} (the last was ${last.runKey}); the limit is ${maxAgeDays} days`
    );
  }

  // The model's age: from the run that trained what the campaign serves (or the latest success, when the campaign was not asked).
  const model = facts.serving === undefined ? last : facts.servingRun;
  const modelTrainedAt = model?.trainedAt ?? model?.finishedAt;
  const modelAgeMs =
    modelTrainedAt && Number.isFinite(Date.parse(modelTrainedAt)) ? nowMs - Date.parse(modelTrainedAt) : null;
  if (facts.serving === null) {
    stale = true;
    reasons.push('the campaign serves no model');
  } else if (facts.serving && !facts.servingRun) {
    reasons.push(`the campaign serves ${facts.serving}, which no recorded run trained: its age is unknown`);
  } else if (modelAgeMs !== null && modelAgeMs > limit) {
    stale = true;
    reasons.push(
      `the deployed model is ${formatAge(modelAgeMs)} old (trained by ${model!.runKey}); the limit is ${maxAgeDays} days`
    );
  }
  return { stale, reasons, lastSuccessAgeMs, modelAgeMs, maxAgeDays };
}
