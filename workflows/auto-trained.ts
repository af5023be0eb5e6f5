/**
 * TRAIN under personalize.autoTraining: gate. The service trains the solution itself; the run does
 * not train, it takes the newest ACTIVE AUTOMATIC version no earlier run evaluated as its candidate,
 * which then goes through the same gate, approval and deploy. None new: the run ends SKIPPED.
 */
import { RunEnded, type RetrainRun } from './retrain-run';
import { lookups } from './retrain-activities';

export async function adoptAutoTrainedVersion(r: RetrainRun): Promise<void> {
  r.enter('TRAIN');
  const { progress } = r;
  if (progress.jobs.solutionVersionArn) return;
  const pick = await lookups.findAutoTrainedVersion(r.pipeline);
  if (!pick.found) throw new RunEnded('SKIPPED', `personalize.autoTraining is gate: ${pick.reason}`);
  progress.jobs.solutionVersionArn = pick.solutionVersionArn;
  progress.autoTrained = pick.createdAt ? { createdAt: pick.createdAt } : {};
  r.note(
    `candidate ${pick.solutionVersionArn} was trained by the service on its own (AUTOMATIC${pick.createdAt ? `, created ${pick.createdAt}` : ''}); this run did not train`
  );
}
