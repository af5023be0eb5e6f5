/**
 * Types shared by workflows, activities, worker and client. Pure data: no SDK imports, so the
 * workflow bundle can include this file.
 */

import type { DatasetImportOutcome, DatasetKind, DatasetSettings, RecommenderCheck } from './datasets';
import type { ImportPlan } from './import-state';
import type { HoldoutScores, HoldoutSettings, HoldoutSplitFacts } from './holdout';

export const TASK_QUEUE = 'personalize-optimizer';

export type Phase =
  /** A scheduled run waiting for the pipeline's lock (another run of the pipeline is going). */
  | 'WAITING'
  | 'STARTING'
  | 'EXPORT'
  | 'QUERY'
  | 'DECIDE'
  /** The items / users datasets (FULL imports, skipped when their files did not change). */
  | 'IMPORT_ITEMS'
  | 'IMPORT_USERS'
  | 'IMPORT'
  /** A recommender (domain dataset group) trains itself: wait for its next model instead of TRAIN/EVALUATE/DEPLOY. */
  | 'RECOMMENDER'
  | 'TRAIN'
  | 'EVALUATE'
  /** The gate passed; the run waits for an operator's decision before DEPLOY (gate.approval). */
  | 'AWAITING_APPROVAL'
  | 'DEPLOY'
  /** Recommendations out: a batch inference job for the pipeline's audience (optional). */
  | 'RECOMMEND'
  | 'RECORD'
  | 'DONE';

/** REGRESSED: a recommender's new model scores worse than the one before it beyond the gate's tolerance (an alert: it serves already). */
export type Outcome = 'SUCCEEDED' | 'SKIPPED' | 'REJECTED' | 'REGRESSED' | 'FAILED' | 'CANCELLED';

export type ImportMode = 'FULL' | 'INCREMENTAL';
export type TrainingMode = 'FULL' | 'UPDATE';

/** Durations accept Temporal's duration strings ('15s', '2 hours') or milliseconds. */
export type Duration = string | number;

export type Stage = 'export' | 'query' | 'import' | 'training' | 'evaluate' | 'deploy' | 'recommend';

export interface PollSettings {
  /**
   * First wait between two status checks: one for every stage, or per stage (Athena answers in
   * seconds, Personalize trains for hours); stages not named take DEFAULT_STAGE_INITIAL.
   */
  initial: Duration | Partial<Record<Stage, Duration>>;
  /** Later waits are this fraction of the time already waited (0.2 → noticed within ~20 % of the job's age). */
  fraction: number;
  /** Longest wait between two checks. */
  max: Duration;
}

export interface StageDeadlines {
  export: Duration;
  query: Duration;
  import: Duration;
  training: Duration;
  /** The holdout's batch inference jobs (AWS); absent: 12 hours (see `stageDeadline`). */
  evaluate?: Duration;
  deploy: Duration;
  /** Each items / users import (default 6h). */
  items?: Duration;
  users?: Duration;
  /** The wait for a recommender's next model (default 8 days: the service retrains every 7). */
  recommender?: Duration;
  /** Batch inference of the recommendations out (runs recorded before it have none: 6 hours). */
  recommend?: Duration;
}

/** Recommendations out after a deploy (config `recommendations:`). */
export interface RecommendationSettings {
  /** `window`: every user of the run's interactions; otherwise the URI of a users file. */
  audience: string;
  numResults: number;
  filterArn?: string;
  /** Where the JSON Lines and CSV files go (default: the run's folder under workPrefix). */
  outputPrefix?: string;
}

export interface GateSettings {
  /** Personalize metric name compared between candidate and deployed version. */
  metric: string;
  /** Largest accepted relative fall of the metric (0.02 = 2 %). */
  tolerance: number;
  /** Decide on a same-data holdout of the run's newest interactions (common/holdout.ts); absent: on GetSolutionMetrics. */
  holdout?: HoldoutSettings;
  /** Whether a candidate the gate passed waits for an operator before DEPLOY (default never). */
  approval?: ApprovalMode;
  /** How long it waits for a decision (default 24h). */
  approvalTimeout?: Duration;
  /** The decision when none came in time (default deny: nothing unreviewed is deployed). */
  approvalDefault?: ApprovalChoice;
}

/** `always`: every candidate the gate passes; `on-doubt`: only one within the tolerance band; `never`. */
export type ApprovalMode = 'always' | 'on-doubt' | 'never';
export type ApprovalChoice = 'approve' | 'deny';

/** The argument of the `decide` update. */
export interface ApprovalRequest {
  decision: ApprovalChoice;
  note?: string;
  /** Who decides (the CLI sends the OS user). */
  by?: string;
}

/** A run's approval: why it was asked, until when, and what was decided by whom. */
export interface ApprovalState {
  reason: string;
  /** Workflow time, ISO. */
  askedAt: string;
  deadline: string;
  default: ApprovalChoice;
  decision?: ApprovalChoice;
  by?: string;
  note?: string;
  decidedAt?: string;
  /** Nobody decided by the deadline: the default applied. */
  timedOut?: boolean;
}

/** One change of what a campaign serves, in `<workPrefix>runs/promotions-<pipeline>.json`. */
export interface PromotionRecord {
  solutionVersionArn: string;
  /** When the campaign update finished (ISO). */
  promotedAt: string;
  by: 'run' | 'rollback';
  /** The run that deployed it (by: run). */
  runKey?: string;
  /** What the campaign served before. */
  previous?: string | null;
  note?: string;
}

/**
 * What a RetrainWorkflow needs to know about its pipeline, loaded by the `loadPipeline` activity
 * (so config changes reach the next run, and the values used are recorded in history).
 */
export interface PipelineSettings {
  pipeline: string;
  /** Kind of the first source (see `sources`). */
  source: 'pinpoint' | 'ses' | 'sms' | 'events';
  /** Kinds of every source, in configuration order. */
  sources?: ('pinpoint' | 'ses' | 'sms' | 'events')[];
  /** Columns of the interactions file (the dataset schema's fields, header order); default the five classic ones. */
  interactionsColumns?: string[];
  /** A FULL import may carry less history than the previous one (workflows/import-plan.ts). */
  allowHistoryShrink?: boolean;
  /** Run the Pinpoint endpoint export before the query (Pinpoint sources only). */
  exportEndpoints: boolean;
  /** Days of events the query reads, ending at the run date; null = all history. */
  lookbackDays: number | null;
  importMode: ImportMode;
  trainingMode: TrainingMode;
  datasetArn: string;
  solutionArn: string;
  campaignArn: string;
  gate: GateSettings;
  deadlines: StageDeadlines;
  poll: PollSettings;
  /** Where the run's files go: an s3:// or file:// URI prefix ending in '/'. */
  workPrefix: string;
  /** Notify on these outcomes. */
  notifyOn: Outcome[];
  /** Publish the phase as the RetrainPhase/RetrainPipeline search attributes (register them on the namespace first). */
  phaseSearchAttribute: boolean;
  /** `gate`: the service trains (performAutoTraining); a run gates its newest AUTOMATIC version instead of training. */
  autoTraining?: 'off' | 'gate';
  /** Recommendations out after a deploy; absent: none. */
  recommendations?: RecommendationSettings;
  /** Continue as new once a run's history has this many events (default 8,000; Temporal's own suggestion also counts). */
  historyLimit?: number;
  /** The items and users datasets this pipeline imports (FULL, before training). */
  datasets?: Partial<Record<DatasetKind, DatasetSettings>>;
  /** The pipeline targets this recommender (a domain dataset group) instead of solutionArn + campaignArn. */
  recommenderArn?: string;
}

export interface RetrainInput {
  pipeline: string;
  /** Logical run date (YYYY-MM-DD) for a manual run; scheduled runs take TemporalScheduledStartTime. */
  runDate?: string;
  /** Suffix that separates a manual re-run's job names from the scheduled run of the same date. */
  rerun?: string;
  /** Train even when nothing is newer than the last imported run. */
  force?: boolean;
  /** Stop after the decision: query and count, start no paid job. */
  dryRun?: boolean;
  /** Override the pipeline's lookback for this run (null = all history). */
  lookbackDays?: number | null;
  /** Carried across continue-as-new during very long waits. */
  resume?: RetrainProgress;
}

/** What a run finds of an earlier run with the same run key (its record, or its training by name). */
export interface EarlierRun {
  runKey: string;
  outcome?: Outcome;
  solutionVersionArn?: string;
}

/** What a scheduled run does when another run of its pipeline holds the pipeline's lock. */
export type WhenBusy = 'skip' | 'wait' | 'cancel-other';

/** The schedule's action: a run that takes the pipeline's lock, then runs RetrainWorkflow under it. */
export interface ScheduledRetrainInput extends Omit<RetrainInput, 'resume'> {
  /** From the schedule's overlap policy (default 'skip'). */
  whenBusy?: WhenBusy;
  /** Carried across continue-as-new while waiting. */
  waitingSince?: number;
}

/** Small facts about the interactions file, computed in one pass before importing. */
export interface InteractionStats {
  rows: number;
  users: number;
  usersWith2Plus: number;
  items: number;
  /** Newest TIMESTAMP (epoch seconds) in the file; null when empty. */
  maxTimestamp: number | null;
  /** Rows rejected while normalizing (bad ids, non-numeric values) – reported, never imported. */
  invalidRows: number;
}

export interface QueryOutcome {
  /** Exact URI of the query's result file (Athena: `<OutputLocation>/<id>.csv`). */
  outputUri: string;
  /** Source records the warehouse could not read (bad JSON, missing fields, invalid UTF-8 …), by reason. */
  malformed: Record<string, number>;
}

export interface CampaignState {
  campaignArn: string;
  status: string;
  solutionVersionArn: string | null;
  minProvisionedTPS: number;
  campaignConfig?: Record<string, unknown>;
  /** `latestCampaignUpdate`; `createdAt` (ISO) tells a just-requested update from the one before it. */
  latestUpdate?: { solutionVersionArn?: string; status: string; failureReason?: string; createdAt?: string };
}

export type Metrics = Record<string, number>;

/**
 * The real-time records (PutEvents / PutItems / PutUsers) a training included. The local
 * recommender counts them in the event log snapshot the version was asked to train on; Personalize
 * reports no such count (`reported: false`), and none is made up.
 */
export type RealtimeInTraining =
  | {
      reported: true;
      /** PutEvents records the training took as interactions. */
      events: number;
      /** PutEvents records without a user or an item: in the snapshot, not trainable. */
      unusable?: number;
      /** PutItems / PutUsers records in the snapshot (the local model trains on interactions only). */
      items: number;
      users: number;
    }
  | { reported: false };

export interface GateDecision {
  promote: boolean;
  metric: string;
  candidate: number | null;
  deployed: number | null;
  /** Relative change of the metric, candidate vs deployed (null on a first deployment). */
  change: number | null;
  reason: string;
  /** What the decision rests on: the run's holdout, GetSolutionMetrics, or nothing (promoted or rejected unjudged). */
  basis?: 'holdout' | 'solution-metrics' | 'none';
  /** The check that decided: candidate vs deployed, candidate vs popularity, the holdout's size. */
  check?: 'deployed' | 'popularity' | 'holdout-size' | 'first-deployment';
  /** The popularity baseline's score of the metric on the same holdout. */
  popularity?: number | null;
  /** Evaluation users scored, and the batch inference cost of scoring them (AWS). */
  users?: number;
  estimatedCostUsd?: number;
}

/** Puts a pipeline's campaign back on an earlier promoted version (RollbackWorkflow). */
export interface RollbackInput {
  pipeline: string;
  /** This version instead of the previous promoted one. */
  toSolutionVersionArn?: string;
  note?: string;
  by?: string;
}

export interface RollbackResult {
  outcome: 'SUCCEEDED' | 'REFUSED' | 'FAILED';
  reason: string;
  pipeline: string;
  /** What the campaign served before. */
  from: string | null;
  /** The version it was put back on (or was to be). */
  to?: string;
  /** The promotion history entry written. */
  promotion?: PromotionRecord;
}

/** Where a durable wait stands; carried across continue-as-new so its deadline and schedule continue. */
export interface WaitProgress {
  /** Workflow time (ms) when the job was started. */
  startedAt: number;
  polls: number;
}

export interface PhaseTiming {
  phase: Phase;
  startedAt: string;
  endedAt?: string;
  polls?: number;
}

/**
 * A training this run asked for: 'starting' while startSolutionVersion is in flight (the ARN may not
 * be known yet), 'running' once it is, 'finished' when it ended (any way), 'stopped' when the run stopped it.
 */
export type TrainingState = 'starting' | 'running' | 'finished' | 'stopped';

/** Everything a run has done so far; the `status` query returns it and continue-as-new carries it. */
export interface RetrainProgress {
  pipeline: string;
  runDate: string;
  runKey: string;
  phase: Phase;
  lastStatus?: string;
  /** Workflow time (ms) when the first run of the chain started: durations span continue-as-new. */
  startedAt?: number;
  /** Suffix of this run's job names (the input's `rerun`, or one chosen for a forced re-run). */
  rerun?: string;
  /** Runs of the chain so far minus one (how often it continued as new). */
  continued?: number;
  training?: TrainingState;
  /** The campaign update this run requested (workflow time, ISO), so a resumed run never repeats it. */
  deployRequestedAt?: string;
  /** Things a reader of the result must know: a re-run's new job names, a training stopped, a notification that failed. */
  notes?: string[];
  jobs: {
    exportJobId?: string;
    queryId?: string;
    interactionsUri?: string;
    importJobArn?: string;
    solutionVersionArn?: string;
    previousSolutionVersionArn?: string | null;
    /** The file imported and trained on when the run held out its newest interactions. */
    trainingUri?: string;
    holdoutUri?: string;
    /** Batch inference jobs scoring the candidate and the deployed version on the holdout (AWS). */
    candidateEvaluationJobArn?: string;
    deployedEvaluationJobArn?: string;
    itemsImportJobArn?: string;
    usersImportJobArn?: string;
  };
  /** What each items / users dataset phase did (imported, or skipped as unchanged). */
  datasets?: Partial<Record<DatasetKind, DatasetImportOutcome>>;
  /** The recommender path: the model waited for, its metrics, and the comparison with the one before. */
  recommender?: RecommenderCheck;
  stats?: InteractionStats;
  malformed?: Record<string, number>;
  /** The import's mode and window (workflows/import-plan.ts), planned before the query. */
  importPlan?: ImportPlan;
  metrics?: { candidate?: Metrics; deployed?: Metrics };
  /** The held-out interactions (QUERY) and the scores on them (EVALUATE). */
  holdout?: HoldoutSplitFacts;
  holdoutScores?: HoldoutScores;
  gate?: GateDecision;
  /** The operator's decision between the gate and DEPLOY (gate.approval). */
  approval?: ApprovalState;
  /** The candidate is a version the service trained on its own (personalize.autoTraining: gate). */
  autoTrained?: { createdAt?: string };
  /** What the run's own training included of the real-time records (absent: the run did not train). */
  realtimeInTraining?: RealtimeInTraining;
  recommendations?: RecommendationsOutcome;
  timings: PhaseTiming[];
  /** The wait in progress when the run continued as new. */
  wait?: WaitProgress;
}

export interface RetrainResult {
  outcome: Outcome;
  reason: string;
  pipeline: string;
  runDate: string;
  runKey: string;
  stats?: InteractionStats;
  malformed?: Record<string, number>;
  jobs: RetrainProgress['jobs'];
  metrics?: RetrainProgress['metrics'];
  holdout?: HoldoutSplitFacts;
  holdoutScores?: HoldoutScores;
  gate?: GateDecision;
  approval?: ApprovalState;
  autoTrained?: RetrainProgress['autoTrained'];
  realtimeInTraining?: RealtimeInTraining;
  datasets?: RetrainProgress['datasets'];
  recommender?: RecommenderCheck;
  campaignSolutionVersionArn?: string | null;
  /** The recommendations written for the messaging tools (or why there are none). */
  recommendations?: RecommendationsOutcome;
  /** A training this run started and stopped on its way out (deadline, cancel, failure). */
  stoppedSolutionVersionArn?: string;
  notes?: string[];
  timings: PhaseTiming[];
  /** From the chain's first start to the end, across continue-as-new. */
  durationMs: number;
}

/** Where a run's recommendations out stand: the job, the files for the messaging tools, counts. */
export interface RecommendationsOutcome {
  solutionVersionArn?: string;
  inputUri?: string;
  /** Users asked for (distinct). */
  audience?: number;
  jobArn?: string;
  /** The batch job's own output (Personalize format). */
  batchOutputUri?: string;
  jsonlUri?: string;
  csvUri?: string;
  /** Users with recommendations in the files. */
  users?: number;
  /** Users the job answered with an error (not in the files). */
  errors?: number;
  /** Output lines that could not be read. */
  unreadable?: number;
  /** Why there are no recommendations files (the deploy stands). */
  failed?: string;
}
