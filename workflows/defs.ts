/**
 * Messages and search attributes of RetrainWorkflow, defined once and shared by the workflow and
 * every client (CLI, demo launcher, tests).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { ApprovalRequest, ApprovalState, RetrainProgress } from '../common/types';

export const RETRAIN_WORKFLOW_TYPE = 'RetrainWorkflow';
/** What a pipeline's schedule starts: it takes the pipeline's lock, then runs RetrainWorkflow under it. */
export const SCHEDULED_RETRAIN_WORKFLOW_TYPE = 'ScheduledRetrainWorkflow';

/** Phase, job ids, per-phase timings and the last polled status of a run. */
export const statusQuery = defineQuery<RetrainProgress>('status');

/**
 * An operator's decision on a candidate awaiting approval (phase AWAITING_APPROVAL). Refused by its
 * validator when nothing awaits a decision or one was already given; returns the run's approval.
 */
export const decideUpdate = defineUpdate<ApprovalState, [ApprovalRequest]>('decide');

/** Current phase of a run, for fleet-wide filters in the Web UI: `RetrainPhase = "TRAIN"`. */
export const RetrainPhaseKey = defineSearchAttributeKey('RetrainPhase', 'KEYWORD');
/** The pipeline a run belongs to: `RetrainPipeline = "demo"`. */
export const RetrainPipelineKey = defineSearchAttributeKey('RetrainPipeline', 'KEYWORD');
/** Set by Temporal on runs started by a schedule: the logical time of the run. */
export const TemporalScheduledStartTimeKey = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

/**
 * Workflow id of the run that does a pipeline's work, ad hoc or scheduled: Temporal never lets two
 * open workflows share an id, so this id is the pipeline's lock (one run per pipeline at a time).
 */
export function retrainWorkflowId(pipeline: string): string {
  return `retrain-${pipeline}`;
}

export const ROLLBACK_WORKFLOW_TYPE = 'RollbackWorkflow';

export function retrainScheduleId(pipeline: string): string {
  return `retrain-${pipeline}-daily`;
}

export const RECOMMEND_WORKFLOW_TYPE = 'RecommendWorkflow';

/** An ad hoc recommendations request's workflow id. */
export function recommendWorkflowId(key: string): string {
  return `recommend-${key}`;
}
