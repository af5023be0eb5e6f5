/**
 * Recommendations out: names and places, pure and deterministic. The job name and every file derive
 * from the run (pipeline + run date + rerun suffix, or an ad hoc request's own key), so a retried or
 * replayed step finds the job and the files it made instead of paying for a second job.
 */
import type { RecommendationSettings } from '../common/types';
import { personalizeName } from './plan';

export interface RecommendationNames {
  /** The recommendation ids derive from this (stable for the run and the user). */
  key: string;
  jobName: string;
  /** The users file the batch job reads. */
  inputUri: string;
  /** Where the batch job writes its own output. */
  batchOutputPrefix: string;
  /** The files for the messaging tools. */
  jsonlUri: string;
  csvUri: string;
}

/**
 * `key` is the run key (`shop-2026-11-23`, a forced re-run's `shop-2026-11-23-r2`) or an ad hoc
 * request's; `workFolder` the run's folder under workPrefix (ending in '/').
 */
export function recommendationNames(key: string, workFolder: string, settings: Pick<RecommendationSettings, 'outputPrefix'>): RecommendationNames {
  const folder = `${workFolder}recommendations/`;
  const out = settings.outputPrefix ? `${settings.outputPrefix}${key}/` : folder;
  return {
    key,
    jobName: personalizeName(key.replace(/-(\d{4})-(\d{2})-(\d{2})/, '-$1$2$3'), 'recommend'),
    inputUri: `${folder}users.json`,
    batchOutputPrefix: `${folder}batch/`,
    jsonlUri: `${out}recommendations.jsonl`,
    csvUri: `${out}recommendations.csv`,
  };
}

/** The run's folder: `<workPrefix>runs/<runDate><-rerun>/` (as runNames lays it out). */
export function runFolder(workPrefix: string, runDate: string, rerun?: string): string {
  const prefix = workPrefix.endsWith('/') ? workPrefix : `${workPrefix}/`;
  return `${prefix}runs/${runDate}${rerun ? `-${rerun}` : ''}/`;
}

/** An ad hoc request's key and folder: `<pipeline>-adhoc-<UTC timestamp>` under `<workPrefix>recommend/`. */
export function adhocRecommendationKey(pipeline: string, at: Date): string {
  return `${pipeline}-adhoc-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export function adhocFolder(workPrefix: string, key: string): string {
  const prefix = workPrefix.endsWith('/') ? workPrefix : `${workPrefix}/`;
  return `${prefix}recommend/${key}/`;
}

/** A users file or the window: which users a run asks recommendations for. */
export type Audience = { kind: 'window'; interactionsUri: string } | { kind: 'file'; uri: string };

export function audienceOf(audience: string, interactionsUri: string | undefined): Audience {
  if (audience !== 'window') return { kind: 'file', uri: audience };
  if (!interactionsUri) throw new TypeError('the window audience needs the interactions file of a run');
  return { kind: 'window', interactionsUri };
}
