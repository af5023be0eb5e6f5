/**
 * The items and users datasets, and the recommender path: what a pipeline configures, what a run
 * observes and what it records under its work prefix. Pure data (the workflow bundle includes it);
 * the rules are in workflows/dataset-plan.ts and workflows/recommender-plan.ts.
 */
import type { GateDecision, Metrics } from './types';

export const DATASET_KINDS = ['items', 'users'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/** One items or users dataset of a pipeline. */
export interface DatasetSettings {
  /** Personalize dataset (`…:dataset/<group>/ITEMS` or `/USERS`). */
  datasetArn: string;
  /** The file, or a folder ending in '/' (every CSV in it): s3://… on AWS, file://… locally. */
  source: string;
}

/** What the source is now: a digest of every object's identity (S3 ETag, size, last-modified; a local file's content hash). */
export interface DatasetFileVersion {
  fingerprint: string;
  objects: number;
  bytes: number;
}

/** Kept under `<workPrefix>runs/dataset-<kind>.json`, written once that dataset's import is ACTIVE. */
export interface DatasetImportState {
  datasetArn: string;
  source: string;
  fingerprint: string;
  jobName: string;
  jobArn: string;
  runKey: string;
}

/** What one dataset phase of a run did. */
export interface DatasetImportOutcome {
  action: 'imported' | 'skipped';
  reason: string;
  fingerprint: string;
  jobName?: string;
  jobArn?: string;
}

/** DescribeRecommender, reduced to what the run decides on. */
export interface RecommenderObservation {
  recommenderArn: string;
  status: string;
  failureReason?: string;
  /**
   * When the recommender's model last changed (ISO): the later of its lastUpdatedDateTime and an
   * ACTIVE latestRecommenderUpdate's. Null when the service says neither.
   */
  modelUpdatedAt: string | null;
  /** `modelMetrics` (empty until the first model is trained). */
  metrics: Metrics;
  /** `latestRecommenderUpdate`, when there is one. */
  update?: { status: string; failureReason?: string };
}

/** The model a run recorded; kept under `<workPrefix>runs/recommender-model.json`. */
export interface RecommenderModelRecord {
  recommenderArn: string;
  modelUpdatedAt: string | null;
  metrics: Metrics;
  runKey: string;
}

/** The recommender path of one run: the model it waited for, and how it compares with the one before. */
export interface RecommenderCheck {
  recommenderArn: string;
  model?: { modelUpdatedAt: string | null; metrics: Metrics };
  previous?: { modelUpdatedAt: string | null; metrics: Metrics; runKey: string } | null;
  /** The gate's metric and tolerance applied to the new model against the previous one. */
  gate?: GateDecision;
  regressed?: boolean;
}
