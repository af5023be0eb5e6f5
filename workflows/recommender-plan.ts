/**
 * The recommender path (domain dataset groups): pure decisions. Personalize retrains a recommender
 * itself (a full retraining every 7 days) and has no API to ask for one, so a run imports the data
 * and then waits for the recommender's next ACTIVE model. A model that scores worse than the one
 * recorded before it cannot be refused (it serves already): the run alerts instead.
 */
import type { RecommenderModelRecord, RecommenderObservation } from '../common/datasets';
import { normalizePersonalizeStatus, type JobState } from '../common/job-status';
import type { GateDecision, GateSettings, PipelineSettings } from '../common/types';
import { evaluateGate } from './plan';

export type TrainingPath = 'solution' | 'recommender';

/** A pipeline with a recommender ARN imports and monitors; one with solution + campaign trains, gates and deploys. */
export function trainingPath(settings: Pick<PipelineSettings, 'recommenderArn'>): TrainingPath {
  return settings.recommenderArn ? 'recommender' : 'solution';
}

/**
 * Where the wait for the next model stands. Personalize documents no model id for a recommender:
 * a model counts as new when the recommender is ACTIVE (with no update in progress) and its model
 * time is later than the recorded one, or its modelMetrics differ from the recorded ones. With no
 * record yet, the model it serves now is the first one recorded.
 */
export function recommenderModelState(obs: RecommenderObservation, last: RecommenderModelRecord | null): JobState {
  const status = normalizePersonalizeStatus(obs.status);
  if (status === 'CREATE FAILED' || status === 'DELETE PENDING' || status === 'DELETE IN_PROGRESS') {
    return { state: 'failed', status, reason: obs.failureReason ?? `the recommender is ${status}` };
  }
  if (status === 'INACTIVE' || /^STOP[ _]/.test(status)) {
    return { state: 'failed', status, reason: 'the recommender is stopped: it does not retrain until StartRecommender' };
  }
  const updating = obs.update && normalizePersonalizeStatus(obs.update.status) !== 'ACTIVE';
  if (status !== 'ACTIVE' || updating || Object.keys(obs.metrics).length === 0) {
    return { state: 'pending', status: updating ? `UPDATE ${obs.update!.status}` : status };
  }
  if (!last || isNewerModel(obs, last)) return { state: 'succeeded', status };
  return { state: 'pending', status: 'WAITING FOR THE NEXT MODEL' };
}

export function isNewerModel(obs: Pick<RecommenderObservation, 'modelUpdatedAt' | 'metrics'>, last: Pick<RecommenderModelRecord, 'modelUpdatedAt' | 'metrics'>): boolean {
  if (obs.modelUpdatedAt && (!last.modelUpdatedAt || Date.parse(obs.modelUpdatedAt) > Date.parse(last.modelUpdatedAt))) return true;
  return !sameMetrics(obs.metrics, last.metrics);
}

function sameMetrics(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

export interface RegressionCheck {
  regressed: boolean;
  gate: GateDecision;
}

/**
 * The gate's metric and tolerance, applied to the new model against the one recorded before it.
 * No earlier record (or a metric the earlier model lacked) is a first record, not a regression; a
 * new model that reports no such metric is one (the configured metric cannot be watched).
 */
export function recommenderRegression(current: Record<string, number>, previous: Record<string, number> | null, gate: GateSettings): RegressionCheck {
  const decision = evaluateGate(current, previous, gate);
  if (decision.reason.startsWith('first deployment')) {
    return { regressed: false, gate: { ...decision, reason: 'first model recorded for this recommender: nothing to compare with' } };
  }
  return { regressed: !decision.promote, gate: decision };
}
