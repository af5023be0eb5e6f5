/**
 * RECOMMENDER: the path of a pipeline that targets a recommender (domain dataset group) instead of
 * a solution and a campaign. The service retrains the recommender itself, so after the imports the
 * run waits, with durable timers and a deadline, for its next ACTIVE model (newer than the one
 * recorded), records that model's modelMetrics, and ends REGRESSED (notified) when they fell beyond
 * the gate's tolerance, SUCCEEDED otherwise. There is no TRAIN, EVALUATE or DEPLOY on this path.
 */
import type { RecommenderModelRecord, RecommenderObservation } from '../common/datasets';
import { calls, checks } from './retrain-activities';
import { RunEnded, type RetrainRun } from './retrain-run';
import { recommenderModelState, recommenderRegression, trainingPath } from './recommender-plan';

/** The service retrains every 7 days: a day more before the run gives up. */
const DEFAULT_DEADLINE = '8 days';

export async function awaitRecommenderModel(r: RetrainRun): Promise<void> {
  if (trainingPath(r.settings) !== 'recommender') return;
  r.enter('RECOMMENDER');
  const recommenderArn = r.settings.recommenderArn!;
  const check = (r.progress.recommender ??= { recommenderArn });
  if (check.previous === undefined) {
    const last = await calls.readRecommenderModel(r.pipeline);
    check.previous = last ? { modelUpdatedAt: last.modelUpdatedAt, metrics: last.metrics, runKey: last.runKey } : null;
  }
  const last: RecommenderModelRecord | null = check.previous ? { ...check.previous, recommenderArn } : null;
  if (!check.model) {
    let observed: RecommenderObservation | undefined;
    await r.wait(
      'training',
      'recommender retraining',
      async () => recommenderModelState((observed = await checks.describeRecommender(r.pipeline)), last),
      { deadline: r.settings.deadlines.recommender ?? DEFAULT_DEADLINE }
    );
    check.model = { modelUpdatedAt: observed!.modelUpdatedAt, metrics: observed!.metrics };
    // What serves now is what the next run compares with, whatever this comparison finds.
    await calls.recordRecommenderModel({ pipeline: r.pipeline, record: { recommenderArn, ...check.model, runKey: r.names.runKey } });
  }
  const { regressed, gate } = recommenderRegression(check.model.metrics, check.previous?.metrics ?? null, r.settings.gate);
  check.gate = gate;
  check.regressed = regressed;
  r.progress.metrics = { candidate: check.model.metrics, ...(check.previous && { deployed: check.previous.metrics }) };
  const at = check.model.modelUpdatedAt ?? 'an unknown time';
  if (regressed) throw new RunEnded('REGRESSED', `the recommender's new model (${at}) regressed: ${gate.reason}`);
  throw new RunEnded('SUCCEEDED', `the recommender's model of ${at} recorded: ${gate.reason}`);
}
