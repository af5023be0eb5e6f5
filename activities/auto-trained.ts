/**
 * personalize.autoTraining: gate — the service trains the solution on its own schedule and each run
 * gates its newest AUTOMATIC version instead of training one. Which version that is, from the
 * solution's versions and what earlier runs already evaluated. Pure.
 */
import { normalizePersonalizeStatus } from '../common/job-status';
import type { SolutionVersionListing } from './ports';

export type AutoTrainedPick =
  | { found: true; solutionVersionArn: string; createdAt?: string }
  | { found: false; reason: string };

const newestFirst = (a: SolutionVersionListing, b: SolutionVersionListing) =>
  Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '') || (a.solutionVersionArn < b.solutionVersionArn ? 1 : -1);

/**
 * The newest ACTIVE automatic version, unless a run already evaluated it or the campaign serves it
 * (an older automatic version never goes through the gate after a newer one did).
 */
export function pickAutoTrainedVersion(
  versions: SolutionVersionListing[],
  opts: { evaluated: ReadonlySet<string>; serving: string | null }
): AutoTrainedPick {
  const automatic = versions.filter((v) => v.trainingType === 'AUTOMATIC').sort(newestFirst);
  if (!automatic.length)
    return { found: false, reason: 'the solution has no automatic (service-trained) version yet; Personalize trains only when new data arrived since its last training' };
  const active = automatic.filter((v) => normalizePersonalizeStatus(v.status) === 'ACTIVE');
  const newest = active[0];
  if (!newest) {
    const n = automatic[0]!;
    return { found: false, reason: `no automatic version is ACTIVE yet (the newest, ${n.solutionVersionArn}, is ${n.status})` };
  }
  if (newest.solutionVersionArn === opts.serving)
    return { found: false, reason: `no new automatic version: the newest, ${newest.solutionVersionArn}, is the one the campaign serves` };
  if (opts.evaluated.has(newest.solutionVersionArn))
    return { found: false, reason: `no new automatic version: the newest, ${newest.solutionVersionArn} (created ${newest.createdAt ?? 'at an unknown time'}), was evaluated by an earlier run` };
  return { found: true, solutionVersionArn: newest.solutionVersionArn, ...(newest.createdAt && { createdAt: newest.createdAt }) };
}
