/**
 * Ports: what activities need from the outside world. Each has an AWS adapter (activities/aws/)
 * and an embedded local implementation (activities/local/), chosen by config.
 *
 * Contract shared by every start* method: it is idempotent. Called twice with the same name or
 * token it returns the job the first call created ("adopt"), never a second one.
 */
import type { CampaignState, ImportMode, InteractionStats, Metrics, RealtimeInTraining, TrainingMode } from '../common/types';
import type { JobObservation } from '../common/job-status';
import type { RecommenderObservation } from '../common/datasets';
import type { DestinationConfig, EventRecord, ItemRecord, PersonalizeRecord, UserRecord } from './realtime/mapping';

export interface EndpointExporter {
  /** Export all endpoints under `prefix` (a job already writing to that prefix is adopted). */
  startExport(req: { prefix: string }): Promise<{ jobId: string }>;
  describeExport(jobId: string): Promise<JobObservation>;
}

export interface InteractionsQueryRequest {
  /** Idempotency token, 32–128 characters (Athena ClientRequestToken). */
  token: string;
  /** Logical run date YYYY-MM-DD; the window ends at the end of this day (UTC). */
  runDate: string;
  /** Days ending at runDate; null = all history. */
  lookbackDays: number | null;
  /**
   * When set, the window starts here (epoch ms) instead of lookbackDays back: the watermark of
   * the last INCREMENTAL import, or the start a FULL import keeps (workflows/import-plan.ts).
   */
  startMs?: number;
  /** Prefix of the endpoint export to filter by, when the pipeline uses one. */
  endpointExportPrefix?: string;
  /** Where results go: URI prefix ending in '/'. */
  outputPrefix: string;
}

export interface Warehouse {
  startInteractionsQuery(req: InteractionsQueryRequest): Promise<{ queryId: string }>;
  /** `outputUri` is the exact result file once SUCCEEDED; `malformed` counts unreadable source records. */
  describeQuery(queryId: string): Promise<JobObservation & { outputUri?: string; malformed?: Record<string, number> }>;
}

export interface Recommender {
  startImport(req: {
    jobName: string;
    datasetArn: string;
    dataLocation: string;
    importMode: ImportMode;
  }): Promise<{ jobArn: string }>;
  describeImport(jobArn: string): Promise<JobObservation>;

  /**
   * Looks the name up first (`findSolutionVersion`, from `createdAfter`) and adopts a version of
   * that name; only then creates one. Never relies on the service refusing a duplicate name.
   */
  startSolutionVersion(req: {
    name: string;
    solutionArn: string;
    trainingMode: TrainingMode;
    createdAfter?: string;
  }): Promise<{
    solutionVersionArn: string;
  }>;
  /**
   * The version of `solutionArn` named `name` (names are deterministic per run), or null. With
   * `createdAfter` (ISO time) only versions created since then are looked at: a run passes its own
   * start, which keeps the look-up to the few newest versions.
   */
  findSolutionVersion(req: {
    solutionArn: string;
    name: string;
    createdAfter?: string;
  }): Promise<{ solutionVersionArn: string; status: string } | null>;
  /** `createdAt` (ISO) lets a run tell an older model from a newer one. */
  describeSolutionVersion(solutionVersionArn: string): Promise<SolutionVersionObservation>;
  /** Stops a pending or running training; a version already finished is left alone. */
  stopSolutionVersion(solutionVersionArn: string): Promise<void>;
  getSolutionMetrics(solutionVersionArn: string): Promise<Metrics>;
  /** The import job of that name on that dataset, or null (looked up before a dataset file import is created). */
  findImport?(req: { datasetArn: string; jobName: string }): Promise<{ jobArn: string; status: string } | null>;
  /** A recommender (domain dataset group): its status, its model's time and modelMetrics. */
  describeRecommender?(recommenderArn: string): Promise<RecommenderObservation>;

  /**
   * Every version of the solution with its status and who trained it (AUTOMATIC: the service, on
   * the solution's own schedule); used to gate auto-trained versions (personalize.autoTraining: gate).
   */
  listSolutionVersions?(solutionArn: string): Promise<SolutionVersionListing[]>;

  describeCampaign(campaignArn: string): Promise<CampaignState>;
  updateCampaign(req: {
    campaignArn: string;
    solutionVersionArn: string;
    minProvisionedTPS: number;
    campaignConfig?: Record<string, unknown>;
  }): Promise<void>;
}

/** DescribeSolutionVersion: status, creation time and what the training included of the real-time records. */
export interface SolutionVersionObservation extends JobObservation {
  createdAt?: string;
  realtimeInTraining?: RealtimeInTraining;
}

export interface SolutionVersionListing {
  solutionVersionArn: string;
  status: string;
  trainingType?: 'AUTOMATIC' | 'MANUAL';
  /** ISO creation time. */
  createdAt?: string;
}

/** One user's recommendations as a batch job returns them (scores descending). */
export interface BatchRecommendation {
  userId: string;
  itemIds: string[];
  scores: number[];
  /** Why the job produced nothing for this user (e.g. unknown user), when it did not. */
  error?: string;
}

/**
 * Batch inference: recommendations for a list of users from one solution version, as a long job.
 * On AWS CreateBatchInferenceJob reads a JSON Lines file of `{"userId": …}` from S3 and writes
 * `<outputPrefix><input file name>.out`, one `{"input":{…},"output":{"recommendedItems":[…],"scores":[…]},"error":…}`
 * line per user; the local recommender writes the same format. Used to score versions on a holdout
 * and to send recommendations out to messaging tools.
 */
export interface BatchInference {
  /** Idempotent by `jobName`: a job of that name is adopted, never started twice. */
  startBatchInference(req: {
    jobName: string;
    solutionVersionArn: string;
    /** JSON Lines of `{"userId": "…"}`, one user per line (written by the caller). */
    inputUri: string;
    /** URI prefix ending in '/'. */
    outputPrefix: string;
    numResults: number;
    filterArn?: string;
    /** User-Personalization's exploration settings (batchInferenceJobConfig.itemExplorationConfig). */
    itemExplorationConfig?: Record<string, string>;
  }): Promise<{ jobArn: string }>;
  /** `outputUri` is the exact output file once SUCCEEDED. */
  describeBatchInference(jobArn: string): Promise<JobObservation & { outputUri?: string }>;
}

/** One version's top items for each user, in the order given; `at` (epoch ms) is the request time. */
export interface HoldoutRanker {
  recommendWithVersion(solutionVersionArn: string, userIds: string[], numResults: number, at: number): Promise<{ itemId: string; score: number }[][]>;
}

export interface ObjectStore {
  /** Read a whole object as text; null when it does not exist. */
  getText(uri: string): Promise<string | null>;
  putText(uri: string, body: string): Promise<void>;
  /** Stream an object's bytes (large files: query results). */
  openRead(uri: string): Promise<NodeJS.ReadableStream>;
  /** Write a stream to an object (the normalized interactions file). */
  write(uri: string, body: NodeJS.ReadableStream | AsyncIterable<string | Uint8Array>): Promise<void>;
  exists(uri: string): Promise<boolean>;
  /** Copies an object whole, when the store can do so without streaming it through the process. */
  copy?(sourceUri: string, targetUri: string): Promise<void>;
  /** URIs of the objects directly under `prefix` (ending in '/'), not those in deeper folders; sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * What identifies the current version of an object, or of every object directly under a prefix
   * ending in '/' (S3: ETag, size, last-modified; a directory: content hash and size); sorted by URI,
   * empty when nothing is there.
   */
  objectVersions?(uri: string): Promise<ObjectVersion[]>;
}

export interface ObjectVersion {
  uri: string;
  size: number;
  /** S3 ETag, or a content hash where the store has no ETag. */
  etag: string;
  lastModified?: string;
}

export interface RunNotification {
  pipeline: string;
  outcome: string;
  reason: string;
  runDate: string;
  workflowId?: string;
  summary: Record<string, unknown>;
}

export interface Notifier {
  notify(n: RunNotification): Promise<void>;
}

/** Everything one pipeline's activities use. */
export interface PipelinePorts {
  exporter?: EndpointExporter;
  warehouse: Warehouse;
  recommender: Recommender;
  /** Batch recommendations (holdout scoring, recommendations out); absent where a backend has none yet. */
  batchInference?: BatchInference;
  /** Ranks items for users with one version directly, without a job (the local backend scores its holdout so). */
  holdoutRanker?: HoldoutRanker;
  store: ObjectStore;
  notifier?: Notifier;
  /** The real-time path: where accepted events go, and where records refused for good are kept. */
  eventSink?: EventSink;
  deadLetters?: DeadLetterStore;
  /** The real-time event log the gateway appends to, and what delivery has sent of each segment. */
  eventLog?: EventLog;
  ledger?: DeliveryLedger;
  /** How accepted messages become Personalize records (the pipeline's `realtime` mapping). */
  realtimeDestination?: DestinationConfig;
}

/** Where records go: Personalize Events, or the local recommender's event log. */
export interface EventSink {
  putEvents(req: { trackingId: string; sessionId: string; userId?: string; events: EventRecord['event'][] }): Promise<void>;
  putItems(req: { datasetArn: string; items: ItemRecord['item'][] }): Promise<void>;
  putUsers(req: { datasetArn: string; users: UserRecord['user'][] }): Promise<void>;
  /**
   * Whether every record of a call a crashed delivery may have sent already arrived. Sinks that
   * can tell (the local log) answer; Personalize cannot, and a re-sent event is ignored there by
   * its eventId (PutUsers/PutItems replace the same record).
   */
  landed?(records: PersonalizeRecord[]): Promise<boolean>;
}

export interface DeadLetter {
  /** The log record as the gateway accepted it (or the mapped record when that is all there is). */
  message?: Record<string, unknown>;
  record?: PersonalizeRecord;
  reason: string;
  at: string;
  /** The segment it came from. */
  segment?: string;
}

export interface DeadLetterStore {
  put(letters: DeadLetter[]): Promise<void>;
}

/** One durable, immutable file of the event log. */
export interface SegmentRef {
  uri: string;
  /** Records in it. */
  count: number;
  bytes: number;
}

/** One accepted message as the log keeps it: the Segment/RudderStack message, normalized at the door. */
export type LogRecord = Record<string, unknown> & { messageId: string; type: string; receivedAt: string };

/**
 * The append-only event log of the real-time path: the gateway acknowledges a request only once
 * `append` returned (the segment is durable); delivery reads segments by reference. Segments live
 * under `<root>events/YYYY/MM/DD/HH/` by arrival hour (UTC), the layout an `events` source reads,
 * and their URIs sort in arrival order.
 */
export interface EventLog {
  append(records: LogRecord[], opts?: { shard?: number }): Promise<SegmentRef>;
  read(ref: Pick<SegmentRef, 'uri'>): Promise<LogRecord[]>;
  /**
   * Segments after `after` (a segment URI), or written since `since` (epoch ms), in order, of one
   * shard when given; at most `limit`.
   */
  list(req: { after?: string; since?: number; shard?: number; limit: number }): Promise<SegmentRef[]>;
  /** Dead-letter files not replayed yet, oldest first. */
  listDeadLetters(): Promise<string[]>;
  readDeadLetters(uri: string): Promise<DeadLetter[]>;
  /** Marks a dead-letter file replayed, so a second replay does not send its records again. */
  markReplayed(uri: string): Promise<void>;
  /** Writes dead letters back to the log, with their reason. */
  deadLetters: DeadLetterStore;
}

/** What delivery has settled of one segment: calls `0 … callsDone-1`, and a call that may be in flight. */
export interface LedgerEntry {
  callsDone: number;
  delivered: number;
  deadLettered: number;
  /** A call was being sent when the entry was last written (its outcome is unknown). */
  inFlight?: number;
  done: boolean;
}

/** The durable record of what delivery sent per segment, so a crash or a redelivery never sends twice. */
export interface DeliveryLedger {
  get(segmentUri: string): Promise<LedgerEntry | null>;
  /** Written before call `call` of the segment is sent. */
  begin(segmentUri: string, call: number): Promise<void>;
  /** Written once call `call` is settled (delivered or dead-lettered). */
  settle(segmentUri: string, entry: LedgerEntry): Promise<void>;
  /** The newest segment before which every segment is done (the sweep starts after it). */
  watermark(shard: number): Promise<string | undefined>;
  setWatermark(shard: number, segmentUri: string): Promise<void>;
}

export type { InteractionStats };
