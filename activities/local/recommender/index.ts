/**
 * The local recommender: a real stand-in for Amazon Personalize that the workflow polls exactly like
 * the service. Dataset imports and trainings are asynchronous jobs on a worker thread, with their
 * state in JSON files under `stateDir`, so a worker restart neither loses nor duplicates them: a job
 * found in progress with no live runner is run again from its persisted inputs, to the same result.
 * Statuses, idempotency by name, `latestCampaignUpdate` and metric names follow Personalize.
 *
 * Metrics: besides Personalize's names, getSolutionMetrics returns the popularity baseline's metrics
 * on the same holdout under keys prefixed `popularity_baseline.` (Personalize has no such keys).
 *
 * State layout: datasets/ solutions/ campaigns/ (resources, created on first use), imports/ and
 * versions/ (jobs), tables/ (bulk data per import), models/, leases/ (who runs a job), events/
 * (records of PutEvents/PutItems/PutUsers, JSON lines by day).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { JobObservation } from '../../../common/job-status';
import type { CampaignState, ImportMode, Metrics, RealtimeInTraining, TrainingMode } from '../../../common/types';
import type { Recommender, SolutionVersionListing, SolutionVersionObservation } from '../../ports';
import { fileUriToPath, readJson, writeJsonAtomic } from '../files';
import { BackgroundJobs, checkJobName, invalidInput, JOB_NAME, JobRecords, notFound, UNFINISHED, type Timestamps } from '../job-records';
import { pidAlive } from '../process-alive';
import { BASELINE_PREFIX } from './baseline';
import { ItemCatalog, metadataKindOf, readMetadataCsv, withNewItems, type MetadataTable } from './catalog';
import type { RecommenderObservation } from '../../../common/datasets';
import { countEventSlices, type EventLogSlice, type ImportOutcome, type JobTask, type SliceCounts, type TrainingOutcome } from './jobs';
import { deserializeModel, Scorer } from './model';
import { runInThread, TaskTerminated } from './thread';

export { BASELINE_PREFIX };
export { readInteractionsCsv } from './table';

export const LOCAL_ARN_PREFIX = 'arn:aws:personalize:local:000000000000';

/** The ARNs of a local pipeline's dataset, solution and campaign. */
export function localArns(name: string): { datasetArn: string; solutionArn: string; campaignArn: string } {
  return {
    datasetArn: `${LOCAL_ARN_PREFIX}:dataset/${name}/INTERACTIONS`,
    solutionArn: `${LOCAL_ARN_PREFIX}:solution/${name}`,
    campaignArn: `${LOCAL_ARN_PREFIX}:campaign/${name}`,
  };
}

interface DatasetRecord extends Timestamps {
  datasetArn: string;
  status: string;
  /** The bulk data: the table written by the last successful import. */
  tableFile: string | null;
}

interface SolutionRecord extends Timestamps {
  solutionArn: string;
  datasetArn: string;
  status: string;
}

interface ImportJobRecord extends Timestamps {
  jobName: string;
  datasetImportJobArn: string;
  datasetArn: string;
  dataLocation: string;
  importMode: ImportMode;
  status: string;
  failureReason?: string;
  /** Fixed when the job starts running, so a re-run merges into the same base. */
  baseTableFile?: string | null;
  records?: number;
}

interface SolutionVersionRecord extends Timestamps {
  name: string;
  solutionVersionArn: string;
  solutionArn: string;
  datasetArn: string;
  trainingMode: TrainingMode;
  /** AUTOMATIC: made by trainAutomatically, as Personalize's own scheduled training would. */
  trainingType?: 'AUTOMATIC' | 'MANUAL';
  status: string;
  failureReason?: string;
  /**
   * What the training reads, fixed when it was asked for (a re-run trains on the same data), and
   * what the event log part holds (counted then; versions made before the count are counted on read).
   */
  inputs: { tableFile: string | null; events: EventLogSlice[]; realtime?: SliceCounts };
  metrics?: Metrics;
  trainedOn?: number;
  trainingHours?: number;
  /** The scorer's blends chosen on validation data (for a next session, within a session). */
  blends?: TrainingOutcome['blends'];
}

interface CampaignUpdateRecord extends Timestamps {
  solutionVersionArn: string;
  minProvisionedTPS: number;
  campaignConfig?: Record<string, unknown>;
  status: string;
  failureReason?: string;
}

interface CampaignRecord extends Timestamps {
  campaignArn: string;
  status: string;
  solutionVersionArn: string | null;
  minProvisionedTPS: number;
  campaignConfig?: Record<string, unknown>;
  latestCampaignUpdate?: CampaignUpdateRecord;
  /** Every update ever requested (audits and tests). */
  updates: { solutionVersionArn: string; requestedAt: string }[];
}

export interface RecommendOptions {
  /** Items-dataset columns to return with each item (GetRecommendations metadataColumns). */
  metadataColumns?: string[];
  /** How many new items (no interactions yet) the cold-start fallback may add (default a tenth of the list, at least one). */
  coldStartSlots?: number;
}

export interface RecommendedItem {
  itemId: string;
  score: number;
  metadata?: Record<string, string>;
}

/** One line of the real-time event log (the shape the real-time sink writes). */
export interface RealtimeEvent {
  kind: 'event' | 'user' | 'item';
  userId?: string;
  itemId?: string;
  eventType?: string;
  eventValue?: number;
  /** Epoch milliseconds. */
  sentAt?: number;
  [key: string]: unknown;
}

export interface LocalRecommenderOptions {
  stateDir: string;
  /** Clock for the recorded times (creation, last update, event log day). */
  clock?: () => number;
  /** Shortest training, counted from the version's creation (the demo shows the waiting). */
  minTrainingMs?: number;
  /** Shortest campaign update, counted from the request (the model load is the rest). */
  deployMs?: number;
  /** A local recommender (describeRecommender) retrains itself this often, as Personalize's do every 7 days. */
  recommenderRetrainMs?: number;
}

/** A local recommender: it trains on its dataset group's data on its own schedule, like a Personalize recommender. */
interface RecommenderRecord extends Timestamps {
  recommenderArn: string;
  status: string;
  failureReason?: string;
  /** The solution version that serves, and when it started to. */
  modelVersionArn: string | null;
  modelUpdatedAt: string | null;
  modelMetrics: Metrics;
  /** A retraining in progress, and when the last one started (the schedule counts from it). */
  trainingVersionArn?: string;
  lastTrainingAt?: string;
  trainings: number;
}

const WEEK_MS = 7 * 86_400_000;

interface Lease {
  pid: number;
  heartbeatAt: number;
}

/** Jobs running in this process, by `stateDir␀key`: how an instance knows a job has a live runner. */
const RUNNING = new Map<string, { owner: LocalRecommender; stop: () => Promise<void> }>();
const DEPLOYING = new Set<string>();
const HEARTBEAT_MS = 5_000;
const LEASE_TTL_MS = 30_000;

function inUse(message: string): ApplicationFailure {
  return ApplicationFailure.retryable(message, 'ResourceInUseException');
}

function arnTail(arn: string, kind: string): string {
  const m = new RegExp(`^arn:[a-z\\d-]+:personalize:[^:]*:[^:]*:${kind}/(.+)$`).exec(arn);
  if (!m) throw invalidInput(`${arn} is not a Personalize ${kind} ARN`);
  return m[1]!;
}

/** A version made before the count: counted from its slices, or not at all when they are gone. */
function countedOnRead(events: EventLogSlice[]): SliceCounts | undefined {
  try {
    return countEventSlices(events);
  } catch {
    return undefined;
  }
}

function realtimeOf(n: SliceCounts): RealtimeInTraining {
  return { reported: true, events: n.events, ...(n.unusable > 0 && { unusable: n.unusable }), items: n.items, users: n.users };
}

export class LocalRecommender implements Recommender {
  private readonly now: () => number;
  private readonly stateDir: string;
  private readonly records: JobRecords;
  private readonly jobs = new BackgroundJobs();
  private readonly scorers = new Map<string, Scorer>();
  /** A closed instance answers calls but adopts no job any more. */
  private closed = false;

  constructor(private readonly opts: LocalRecommenderOptions) {
    this.now = opts.clock ?? Date.now;
    this.stateDir = path.resolve(opts.stateDir);
    this.records = new JobRecords(this.now);
  }

  private p(...parts: string[]): string {
    return path.join(this.stateDir, ...parts);
  }

  // ---- resources, created on first use ----

  private dataset(datasetArn: string): DatasetRecord {
    const file = this.p('datasets', `${arnTail(datasetArn, 'dataset').replace(/\//g, '__')}.json`);
    const existing = readJson<DatasetRecord>(file);
    if (existing) return existing;
    const created = this.records.stamp();
    return this.records.save(file, { datasetArn, status: 'ACTIVE', tableFile: null, creationDateTime: created, lastUpdatedDateTime: created });
  }

  private saveDataset(d: DatasetRecord): void {
    this.records.save(this.p('datasets', `${arnTail(d.datasetArn, 'dataset').replace(/\//g, '__')}.json`), d);
  }

  /** A solution trains on its dataset group's INTERACTIONS dataset (`solution/<name>` ↔ `dataset/<name>/…`). */
  private solution(solutionArn: string): SolutionRecord {
    const name = arnTail(solutionArn, 'solution');
    if (!JOB_NAME.test(name)) throw invalidInput(`${solutionArn} is not a solution ARN (a solution version ARN has one more path part)`);
    const file = this.p('solutions', `${name}.json`);
    const existing = readJson<SolutionRecord>(file);
    if (existing) return existing;
    const prefix = solutionArn.slice(0, solutionArn.indexOf(':solution/'));
    const created = this.records.stamp();
    return this.records.save(file, { solutionArn, datasetArn: `${prefix}:dataset/${name}/INTERACTIONS`, status: 'ACTIVE', creationDateTime: created, lastUpdatedDateTime: created });
  }

  private campaignFile(campaignArn: string): string {
    return this.p('campaigns', `${arnTail(campaignArn, 'campaign')}.json`);
  }

  private campaign(campaignArn: string): CampaignRecord {
    const existing = readJson<CampaignRecord>(this.campaignFile(campaignArn));
    if (existing) return existing;
    const created = this.records.stamp();
    return this.records.save(this.campaignFile(campaignArn), {
      campaignArn,
      status: 'ACTIVE',
      solutionVersionArn: null,
      minProvisionedTPS: 1,
      updates: [],
      creationDateTime: created,
      lastUpdatedDateTime: created,
    });
  }

  // ---- who runs a job ----

  private runKey(key: string): string {
    return `${this.stateDir}\u0000${key}`;
  }

  private leaseFile(key: string): string {
    return this.p('leases', `${key}.json`);
  }

  /** True when nobody runs the job: not this process, and no other live process with a fresh lease. */
  private orphaned(key: string): boolean {
    if (RUNNING.has(this.runKey(key))) return false;
    const lease = readJson<Lease>(this.leaseFile(key));
    if (!lease || lease.pid === process.pid) return true;
    return !(pidAlive(lease.pid) && Date.now() - lease.heartbeatAt < LEASE_TTL_MS);
  }

  /**
   * Runs `work` as the job's owner: registered in this process, with a lease file kept fresh for
   * other processes sharing the state directory. `stop` ends the work early (stop, close).
   */
  private own(key: string, work: (setStop: (stop: () => Promise<void>) => void) => Promise<void>): void {
    const runKey = this.runKey(key);
    if (this.closed || RUNNING.has(runKey)) return;
    const entry: { owner: LocalRecommender; stop: () => Promise<void> } = { owner: this, stop: async () => undefined };
    RUNNING.set(runKey, entry);
    const beat = () => writeJsonAtomic(this.leaseFile(key), { pid: process.pid, heartbeatAt: Date.now() } satisfies Lease);
    beat();
    const heartbeat = setInterval(beat, HEARTBEAT_MS);
    heartbeat.unref();
    this.jobs.start(
      () => work((stop) => (entry.stop = stop)),
      () => {
        clearInterval(heartbeat);
        if (RUNNING.get(runKey) === entry) {
          RUNNING.delete(runKey);
          fs.rmSync(this.leaseFile(key), { force: true });
        }
      }
    );
  }

  /** Waits for this instance's jobs and deployments (tests, shutdown). */
  async idle(): Promise<void> {
    await this.jobs.idle();
  }

  /**
   * Stops this instance's job threads and forgets them, leaving their persisted status as it is:
   * what a worker shutdown or crash leaves behind. Another instance picks the jobs up.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const [runKey, entry] of RUNNING) {
      if (entry.owner !== this) continue;
      RUNNING.delete(runKey);
      await entry.stop();
    }
    await this.idle();
  }

  private runTask<T extends ImportOutcome | TrainingOutcome>(task: JobTask, setStop: (stop: () => Promise<void>) => void): Promise<T> {
    const running = runInThread<T>(task);
    setStop(running.terminate);
    return running.result;
  }

  // ---- dataset import ----

  private importFile(jobName: string): string {
    return this.p('imports', `${jobName}.json`);
  }

  async startImport(req: { jobName: string; datasetArn: string; dataLocation: string; importMode: ImportMode }): Promise<{ jobArn: string }> {
    checkJobName('jobName', req.jobName);
    const existing = readJson<ImportJobRecord>(this.importFile(req.jobName));
    if (existing) {
      this.resumeImport(existing);
      return { jobArn: existing.datasetImportJobArn };
    }
    const dataset = this.dataset(req.datasetArn);
    try {
      fileUriToPath(req.dataLocation);
    } catch (err) {
      throw invalidInput((err as Error).message);
    }
    if (req.importMode === 'INCREMENTAL' && !dataset.tableFile && !this.importsInFlight(req.datasetArn)) {
      throw invalidInput(`an INCREMENTAL import needs an earlier bulk import into ${req.datasetArn}`);
    }
    const job = this.records.create<ImportJobRecord>(this.importFile(req.jobName), {
      jobName: req.jobName,
      datasetImportJobArn: `${LOCAL_ARN_PREFIX}:dataset-import-job/${req.jobName}`,
      datasetArn: req.datasetArn,
      dataLocation: req.dataLocation,
      importMode: req.importMode,
    });
    this.resumeImport(job);
    return { jobArn: job.datasetImportJobArn };
  }

  private importsInFlight(datasetArn: string): boolean {
    const dir = this.p('imports');
    if (!fs.existsSync(dir)) return false;
    return fs.readdirSync(dir).some((f) => {
      const j = readJson<ImportJobRecord>(path.join(dir, f));
      return j?.datasetArn === datasetArn && UNFINISHED.has(j.status);
    });
  }

  async findImport(req: { datasetArn: string; jobName: string }): Promise<{ jobArn: string; status: string } | null> {
    if (!JOB_NAME.test(req.jobName)) return null;
    const job = readJson<ImportJobRecord>(this.importFile(req.jobName));
    return job && job.datasetArn === req.datasetArn ? { jobArn: job.datasetImportJobArn, status: job.status } : null;
  }

  async describeImport(jobArn: string): Promise<JobObservation> {
    const jobName = arnTail(jobArn, 'dataset-import-job');
    const job = readJson<ImportJobRecord>(this.importFile(jobName));
    if (!job) throw notFound(`dataset import job ${jobArn} does not exist`);
    this.resumeImport(job);
    return { status: job.status, reason: job.failureReason };
  }

  private resumeImport(job: ImportJobRecord): void {
    const key = `import-${job.jobName}`;
    if (UNFINISHED.has(job.status) && this.orphaned(key)) this.own(key, (setStop) => this.executeImport(job.jobName, setStop));
  }

  private async executeImport(jobName: string, setStop: (stop: () => Promise<void>) => void): Promise<void> {
    const file = this.importFile(jobName);
    const job = readJson<ImportJobRecord>(file)!;
    if (job.status === 'CREATE PENDING') {
      job.baseTableFile = this.dataset(job.datasetArn).tableFile;
      job.status = 'CREATE IN_PROGRESS';
      this.records.save(file, job);
    }
    if (job.status !== 'CREATE IN_PROGRESS') return;
    const outputTableFile = this.p('tables', `${jobName}.json`);
    const metadataKind = metadataKindOf(job.datasetArn);
    if (metadataKind) {
      // Items / users metadata: small files, read in place (no thread); FULL replaces the dataset's records.
      try {
        const table = readMetadataCsv(metadataKind, fileUriToPath(job.dataLocation));
        writeJsonAtomic(outputTableFile, table);
        const dataset = this.dataset(job.datasetArn);
        dataset.tableFile = outputTableFile;
        this.saveDataset(dataset);
        this.records.advance<ImportJobRecord>(file, { status: 'ACTIVE', records: table.rows.length });
        this.pruneTables();
      } catch (err) {
        this.records.advance<ImportJobRecord>(file, { status: 'CREATE FAILED', failureReason: (err as Error).message });
      }
      return;
    }
    try {
      const outcome = await this.runTask<ImportOutcome>(
        { kind: 'import', csvFile: fileUriToPath(job.dataLocation), importMode: job.importMode, baseTableFile: job.baseTableFile ?? null, outputTableFile },
        setStop
      );
      const dataset = this.dataset(job.datasetArn);
      dataset.tableFile = outputTableFile;
      this.saveDataset(dataset);
      this.records.advance<ImportJobRecord>(file, { status: 'ACTIVE', records: outcome.records });
      this.pruneTables();
    } catch (err) {
      if (err instanceof TaskTerminated) return; // closed: the next owner runs it again
      this.records.advance<ImportJobRecord>(file, { status: 'CREATE FAILED', failureReason: (err as Error).message });
    }
  }

  /** Removes bulk data no dataset, pending training or running import refers to any more. */
  private pruneTables(): void {
    const dir = this.p('tables');
    const records = <T>(sub: string) => (fs.existsSync(this.p(sub)) ? fs.readdirSync(this.p(sub)).flatMap((f) => readJson<T>(this.p(sub, f)) ?? []) : []);
    const keep = new Set<string | null | undefined>();
    for (const d of records<DatasetRecord>('datasets')) keep.add(d.tableFile);
    for (const v of records<SolutionVersionRecord>('versions')) if (UNFINISHED.has(v.status)) keep.add(v.inputs.tableFile);
    for (const j of records<ImportJobRecord>('imports')) {
      if (UNFINISHED.has(j.status)) keep.add(j.baseTableFile).add(path.join(dir, `${j.jobName}.json`));
    }
    for (const f of fs.readdirSync(dir)) if (!keep.has(path.join(dir, f))) fs.rmSync(path.join(dir, f), { force: true });
  }

  // ---- training ----

  private versionFile(solutionVersionArn: string): string {
    return this.p('versions', `${solutionVersionArn.split('/').pop()}.json`);
  }

  private version(solutionVersionArn: string): SolutionVersionRecord {
    const tail = arnTail(solutionVersionArn, 'solution');
    if (!/^[^/]+\/[0-9a-f]{8}$/.test(tail)) throw invalidInput(`${solutionVersionArn} is not a solution version ARN`);
    const v = readJson<SolutionVersionRecord>(this.versionFile(solutionVersionArn));
    if (!v) throw notFound(`solution version ${solutionVersionArn} does not exist`);
    return v;
  }

  private eventSnapshot(): EventLogSlice[] {
    const dir = this.p('events');
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => ({ file: path.join(dir, f), bytes: fs.statSync(path.join(dir, f)).size }));
  }

  /** A version's id derives from its solution and name, so the name finds it directly. */
  private versionArnFor(solutionArn: string, name: string): string {
    return `${solutionArn}/${createHash('sha256').update(`${solutionArn}\u0000${name}`).digest('hex').slice(0, 8)}`;
  }

  async findSolutionVersion(req: { solutionArn: string; name: string; createdAfter?: string }): Promise<{ solutionVersionArn: string; status: string } | null> {
    const v = readJson<SolutionVersionRecord>(this.versionFile(this.versionArnFor(req.solutionArn, req.name)));
    return v && v.name === req.name ? { solutionVersionArn: v.solutionVersionArn, status: v.status } : null;
  }

  async startSolutionVersion(req: { name: string; solutionArn: string; trainingMode: TrainingMode; createdAfter?: string }): Promise<{ solutionVersionArn: string }> {
    checkJobName('name', req.name);
    const solution = this.solution(req.solutionArn);
    const solutionVersionArn = this.versionArnFor(req.solutionArn, req.name);
    const existing = readJson<SolutionVersionRecord>(this.versionFile(solutionVersionArn));
    if (existing) {
      this.resumeTraining(existing);
      return { solutionVersionArn };
    }
    if (req.trainingMode === 'UPDATE' && !this.listVersions().some((v) => v.solutionArn === req.solutionArn && v.status === 'ACTIVE')) {
      throw invalidInput(`trainingMode UPDATE needs an ACTIVE solution version of ${req.solutionArn} trained in FULL mode`);
    }
    const events = this.eventSnapshot();
    const version = this.records.create<SolutionVersionRecord>(this.versionFile(solutionVersionArn), {
      name: req.name,
      solutionVersionArn,
      solutionArn: req.solutionArn,
      datasetArn: solution.datasetArn,
      // The item-to-item model has no incremental update: UPDATE retrains on all data, as FULL does.
      trainingMode: req.trainingMode,
      inputs: { tableFile: this.dataset(solution.datasetArn).tableFile, events, realtime: countEventSlices(events) },
    });
    this.resumeTraining(version);
    return { solutionVersionArn };
  }

  /**
   * Simulates Personalize's automatic training (performAutoTraining): a new version the pipeline did
   * not ask for, trained on the dataset as it is now, marked AUTOMATIC. For demos and tests of
   * personalize.autoTraining: gate.
   */
  async trainAutomatically(solutionArn: string): Promise<{ solutionVersionArn: string }> {
    const n = this.listVersions().filter((v) => v.solutionArn === solutionArn && v.trainingType === 'AUTOMATIC').length;
    const name = `auto-${new Date(this.now()).toISOString().replace(/[^0-9]/g, '').slice(0, 14)}-${n + 1}`;
    const { solutionVersionArn } = await this.startSolutionVersion({ name, solutionArn, trainingMode: 'FULL' });
    const file = this.versionFile(solutionVersionArn);
    const v = readJson<SolutionVersionRecord>(file)!;
    writeJsonAtomic(file, { ...v, trainingType: 'AUTOMATIC' });
    return { solutionVersionArn };
  }

  async listSolutionVersions(solutionArn: string): Promise<SolutionVersionListing[]> {
    const versions = this.listVersions().filter((v) => v.solutionArn === solutionArn);
    // A training whose owner went away (e.g. started by the auto-train command) is taken up here.
    for (const v of versions) this.resumeTraining(v);
    return versions
      .map((v) => ({
        solutionVersionArn: v.solutionVersionArn,
        status: v.status,
        trainingType: v.trainingType ?? 'MANUAL',
        createdAt: v.creationDateTime,
      }));
  }

  private listVersions(): SolutionVersionRecord[] {
    const dir = this.p('versions');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).flatMap((f) => readJson<SolutionVersionRecord>(path.join(dir, f)) ?? []);
  }

  /** With what the training includes of the real-time event log: known from the start, as it trains on a fixed snapshot. */
  async describeSolutionVersion(solutionVersionArn: string): Promise<SolutionVersionObservation> {
    let v = this.version(solutionVersionArn);
    const key = `train-${solutionVersionArn.split('/').pop()}`;
    if (v.status === 'CREATE STOPPING' && this.orphaned(key)) {
      v = this.records.save(this.versionFile(solutionVersionArn), { ...v, status: 'CREATE STOPPED' });
    }
    this.resumeTraining(v);
    const counts = v.inputs.realtime ?? countedOnRead(v.inputs.events);
    return { status: v.status, reason: v.failureReason, createdAt: v.creationDateTime, ...(counts && { realtimeInTraining: realtimeOf(counts) }) };
  }

  private resumeTraining(v: SolutionVersionRecord): void {
    const key = `train-${v.solutionVersionArn.split('/').pop()}`;
    if (UNFINISHED.has(v.status) && this.orphaned(key)) this.own(key, (setStop) => this.executeTraining(v.solutionVersionArn, setStop));
  }

  private async executeTraining(solutionVersionArn: string, setStop: (stop: () => Promise<void>) => void): Promise<void> {
    const file = this.versionFile(solutionVersionArn);
    let v = readJson<SolutionVersionRecord>(file)!;
    if (v.status === 'CREATE PENDING') this.records.save(file, Object.assign(v, { status: 'CREATE IN_PROGRESS' }));
    if (v.status !== 'CREATE IN_PROGRESS') return;
    const waiting = new AbortController();
    let terminate: () => Promise<void> = async () => undefined;
    setStop(async () => {
      waiting.abort();
      await terminate();
    });
    const startedAt = Date.now();
    try {
      const task: JobTask = { kind: 'train', tableFile: v.inputs.tableFile, events: v.inputs.events, modelFile: this.modelFile(solutionVersionArn) };
      const outcome = await this.runTask<TrainingOutcome>(task, (stop) => (terminate = stop));
      const rest = Date.parse(v.creationDateTime) + (this.opts.minTrainingMs ?? 0) - this.now();
      if (rest > 0) await sleep(rest, undefined, { signal: waiting.signal }).catch(() => undefined);
      v = readJson<SolutionVersionRecord>(file)!;
      if (v.status === 'CREATE STOPPING') v.status = 'CREATE STOPPED';
      else if (v.status === 'CREATE IN_PROGRESS' && !waiting.signal.aborted) {
        Object.assign(v, { status: 'ACTIVE', metrics: outcome.metrics, trainedOn: outcome.trainedOn, trainingHours: (Date.now() - startedAt) / 3_600_000, blends: outcome.blends });
      } else return;
    } catch (err) {
      v = readJson<SolutionVersionRecord>(file)!;
      if (v.status === 'CREATE STOPPING') v.status = 'CREATE STOPPED';
      else if (err instanceof TaskTerminated) return; // closed: the next owner trains it again
      else Object.assign(v, { status: 'CREATE FAILED', failureReason: (err as Error).message });
    }
    this.records.save(file, v);
  }

  /** PENDING → CREATE STOPPED; IN_PROGRESS → CREATE STOPPING → CREATE STOPPED. Finished versions are left alone. */
  async stopSolutionVersion(solutionVersionArn: string): Promise<void> {
    const file = this.versionFile(solutionVersionArn);
    const v = this.version(solutionVersionArn);
    const key = `train-${solutionVersionArn.split('/').pop()}`;
    if (v.status === 'CREATE PENDING') {
      this.records.save(file, Object.assign(v, { status: 'CREATE STOPPED', failureReason: 'stopped by request' }));
      return;
    }
    if (v.status !== 'CREATE IN_PROGRESS') return;
    const orphan = this.orphaned(key);
    this.records.save(file, Object.assign(v, { status: orphan ? 'CREATE STOPPED' : 'CREATE STOPPING', failureReason: 'stopped by request' }));
    // The runner (here or in another process) turns STOPPING into STOPPED when its thread ends.
    await RUNNING.get(this.runKey(key))?.stop();
  }

  async getSolutionMetrics(solutionVersionArn: string): Promise<Metrics> {
    const v = this.version(solutionVersionArn);
    if (v.status !== 'ACTIVE' || !v.metrics) {
      throw inUse(`solution version ${solutionVersionArn} is ${v.status}; metrics exist once it is ACTIVE`);
    }
    return v.metrics;
  }

  private modelFile(solutionVersionArn: string): string {
    return this.p('models', `${solutionVersionArn.split('/').pop()}.json`);
  }

  // ---- campaign ----

  async describeCampaign(campaignArn: string): Promise<CampaignState> {
    const c = this.campaign(campaignArn);
    this.resumeDeployment(c);
    const u = c.latestCampaignUpdate;
    return {
      campaignArn,
      status: c.status,
      solutionVersionArn: c.solutionVersionArn,
      minProvisionedTPS: c.minProvisionedTPS,
      ...(c.campaignConfig !== undefined && { campaignConfig: c.campaignConfig }),
      ...(u && {
        latestUpdate: { solutionVersionArn: u.solutionVersionArn, status: u.status, createdAt: u.creationDateTime, ...(u.failureReason && { failureReason: u.failureReason }) },
      }),
    };
  }

  /**
   * Records the update as `latestCampaignUpdate` (CREATE PENDING) and deploys asynchronously: the
   * campaign keeps serving its current version until the new model is loaded and the update ACTIVE.
   * Repeating the update in progress is accepted (idempotent); a different one is ResourceInUse.
   */
  async updateCampaign(req: { campaignArn: string; solutionVersionArn: string; minProvisionedTPS: number; campaignConfig?: Record<string, unknown> }): Promise<void> {
    if (!Number.isInteger(req.minProvisionedTPS) || req.minProvisionedTPS < 1) throw invalidInput('minProvisionedTPS must be an integer of at least 1');
    const c = this.campaign(req.campaignArn);
    const current = c.latestCampaignUpdate;
    if (current && UNFINISHED.has(current.status)) {
      if (current.solutionVersionArn === req.solutionVersionArn && current.minProvisionedTPS === req.minProvisionedTPS) return;
      throw inUse(`campaign ${req.campaignArn} is being updated to ${current.solutionVersionArn}; try again when that update finishes`);
    }
    const requested = this.records.stamp();
    c.latestCampaignUpdate = {
      solutionVersionArn: req.solutionVersionArn,
      minProvisionedTPS: req.minProvisionedTPS,
      ...(req.campaignConfig !== undefined && { campaignConfig: req.campaignConfig }),
      status: 'CREATE PENDING',
      creationDateTime: requested,
      lastUpdatedDateTime: requested,
    };
    c.updates.push({ solutionVersionArn: req.solutionVersionArn, requestedAt: requested });
    this.records.save(this.campaignFile(req.campaignArn), c);
    this.resumeDeployment(c);
  }

  private resumeDeployment(c: CampaignRecord): void {
    const key = this.runKey(`deploy-${c.campaignArn}`);
    if (this.closed || !c.latestCampaignUpdate || !UNFINISHED.has(c.latestCampaignUpdate.status) || DEPLOYING.has(key)) return;
    DEPLOYING.add(key);
    this.jobs.start(
      () => this.deploy(c.campaignArn),
      () => DEPLOYING.delete(key)
    );
  }

  private async deploy(campaignArn: string): Promise<void> {
    const file = this.campaignFile(campaignArn);
    const settle = (change: Partial<CampaignUpdateRecord>, serve: boolean) => {
      const c = this.campaign(campaignArn);
      const u = c.latestCampaignUpdate!;
      Object.assign(u, change, { lastUpdatedDateTime: this.records.stamp() });
      if (serve) Object.assign(c, { solutionVersionArn: u.solutionVersionArn, minProvisionedTPS: u.minProvisionedTPS, campaignConfig: u.campaignConfig });
      this.records.save(file, c);
      return u;
    };
    const u = settle({ status: 'CREATE IN_PROGRESS' }, false);
    const target = readJson<SolutionVersionRecord>(this.versionFile(u.solutionVersionArn));
    if (target?.status !== 'ACTIVE') {
      settle({ status: 'CREATE FAILED', failureReason: `solution version ${u.solutionVersionArn} is ${target?.status ?? 'not found'}, not ACTIVE` }, false);
      return;
    }
    try {
      await this.scorer(u.solutionVersionArn);
    } catch (err) {
      settle({ status: 'CREATE FAILED', failureReason: `the model of ${u.solutionVersionArn} could not be loaded: ${(err as Error).message}` }, false);
      return;
    }
    const rest = Date.parse(u.creationDateTime) + (this.opts.deployMs ?? 0) - this.now();
    if (rest > 0) await sleep(rest);
    settle({ status: 'ACTIVE' }, true);
  }

  private async scorer(solutionVersionArn: string): Promise<Scorer> {
    let s = this.scorers.get(solutionVersionArn);
    if (!s) {
      s = new Scorer(deserializeModel(await fs.promises.readFile(this.modelFile(solutionVersionArn), 'utf8')));
      this.scorers.set(solutionVersionArn, s);
    }
    return s;
  }

  /** Every update requested on a campaign (audit trail). */
  campaignUpdates(campaignArn: string): CampaignRecord['updates'] {
    return this.campaign(campaignArn).updates;
  }

  // ---- serving and real-time events ----

  /**
   * GetRecommendations: the campaign's active version ranks items for the user (popularity for users
   * it does not know), never returning items the user already interacted with. The request's time
   * tells the scorer whether the user's session is still going on.
   */
  async recommend(
    campaignArn: string,
    userId: string,
    numResults = 25,
    opts: RecommendOptions = {}
  ): Promise<{ itemList: RecommendedItem[]; solutionVersionArn: string }> {
    if (!Number.isInteger(numResults) || numResults < 1 || numResults > 500) throw invalidInput('numResults must be an integer from 1 to 500');
    const c = this.campaign(campaignArn);
    this.resumeDeployment(c);
    if (!c.solutionVersionArn) throw notFound(`campaign ${campaignArn} has no deployed solution version yet; run a retrain first`);
    const scorer = await this.scorer(c.solutionVersionArn);
    let itemList: RecommendedItem[] = scorer.recommendFor(userId, numResults, { at: this.now() / 1000 });
    const catalog = this.itemCatalog(campaignArn.replace(/:campaign\/([^/]+)$/, ':dataset/$1/ITEMS'));
    if (catalog) {
      const slots = opts.coldStartSlots ?? Math.max(1, Math.round(numResults / 10));
      const known = (id: string) => scorer.itemOf(id) >= 0;
      itemList = withNewItems(itemList, catalog, catalog.newItemsByCategory(known), slots);
      if (opts.metadataColumns?.length) itemList = itemList.map((x) => ({ ...x, metadata: catalog.metadataOf(x.itemId, opts.metadataColumns!) }));
    }
    return { itemList, solutionVersionArn: c.solutionVersionArn };
  }

  private catalogCache?: { file: string; catalog: ItemCatalog };

  /** The items dataset's catalog, when one was imported. */
  private itemCatalog(itemsDatasetArn: string): ItemCatalog | undefined {
    const file = readJson<DatasetRecord>(this.p('datasets', `${arnTail(itemsDatasetArn, 'dataset').replace(/\//g, '__')}.json`))?.tableFile;
    if (!file) return undefined;
    if (this.catalogCache?.file !== file) this.catalogCache = { file, catalog: new ItemCatalog(readJson<MetadataTable>(file)!) };
    return this.catalogCache.catalog;
  }

  // ---- recommender (domain dataset group) mode ----

  private recommenderFile(recommenderArn: string): string {
    return this.p('recommenders', `${arnTail(recommenderArn, 'recommender')}.json`);
  }

  /**
   * DescribeRecommender. The recommender trains on its dataset group's interactions once they are
   * imported, then again every `recommenderRetrainMs` (7 days by default); each finished training
   * becomes its model (modelUpdatedAt, modelMetrics). Driven by reads, like every local job: a
   * training due is started by the first describe after it falls due.
   */
  async describeRecommender(recommenderArn: string): Promise<RecommenderObservation> {
    const name = arnTail(recommenderArn, 'recommender');
    if (!JOB_NAME.test(name)) throw invalidInput(`${recommenderArn} is not a recommender ARN`);
    const file = this.recommenderFile(recommenderArn);
    const created = this.records.stamp();
    const r: RecommenderRecord =
      readJson<RecommenderRecord>(file) ??
      this.records.save<RecommenderRecord>(file, { recommenderArn, status: 'CREATE IN_PROGRESS', modelVersionArn: null, modelUpdatedAt: null, modelMetrics: {}, trainings: 0, creationDateTime: created, lastUpdatedDateTime: created });
    const solutionArn = recommenderArn.replace(/:recommender\/.+$/, `:solution/${name}`);
    if (r.trainingVersionArn) {
      const v = await this.describeSolutionVersion(r.trainingVersionArn);
      if (v.status === 'ACTIVE') {
        Object.assign(r, { status: 'ACTIVE', modelVersionArn: r.trainingVersionArn, modelUpdatedAt: this.records.stamp(), modelMetrics: await this.getSolutionMetrics(r.trainingVersionArn) });
        delete r.trainingVersionArn;
        delete r.failureReason;
        this.records.save(file, r);
      } else if (!UNFINISHED.has(v.status)) {
        // A failed retraining leaves the model as it was; the next one is tried on schedule.
        Object.assign(r, { failureReason: v.reason ?? v.status, ...(r.modelVersionArn ? {} : { status: 'CREATE FAILED' }) });
        delete r.trainingVersionArn;
        this.records.save(file, r);
      }
    } else {
      const every = this.opts.recommenderRetrainMs ?? WEEK_MS;
      const due = !r.lastTrainingAt || this.now() - Date.parse(r.lastTrainingAt) >= every;
      const hasData = !!this.dataset(this.solution(solutionArn).datasetArn).tableFile;
      if (due && hasData && r.status !== 'CREATE FAILED') {
        r.trainings++;
        const { solutionVersionArn } = await this.startSolutionVersion({ name: `${name}-auto-${r.trainings}`.slice(-63), solutionArn, trainingMode: 'FULL' });
        Object.assign(r, { trainingVersionArn: solutionVersionArn, lastTrainingAt: this.records.stamp() });
        this.records.save(file, r);
      }
    }
    return {
      recommenderArn,
      status: r.status,
      ...(r.failureReason && { failureReason: r.failureReason }),
      modelUpdatedAt: r.modelUpdatedAt,
      metrics: { ...r.modelMetrics },
      // A retraining of a recommender that already serves shows as its latest update, as on Personalize.
      ...(r.trainingVersionArn && r.modelVersionArn && { update: { status: 'CREATE IN_PROGRESS' } }),
    };
  }

  /** Whether the deployed model was trained on this user; recommend() answers others with popular items. */
  async knowsUser(campaignArn: string, userId: string): Promise<boolean> {
    const c = this.campaign(campaignArn);
    if (!c.solutionVersionArn) return false;
    return (await this.scorer(c.solutionVersionArn)).userOf(userId) >= 0;
  }

  /**
   * Batch inference: one ACTIVE version's model ranks items for each user, as recommend() does for the
   * campaign's (popularity for users it does not know). `at` (epoch ms) is the job's time, so a job
   * run again gives the same answer.
   */
  async recommendWithVersion(solutionVersionArn: string, userIds: string[], numResults: number, at: number): Promise<{ itemId: string; score: number }[][]> {
    if (!Number.isInteger(numResults) || numResults < 1 || numResults > 500) throw invalidInput('numResults must be an integer from 1 to 500');
    const v = this.version(solutionVersionArn);
    if (v.status !== 'ACTIVE') throw invalidInput(`solution version ${solutionVersionArn} is ${v.status}; batch inference needs an ACTIVE version`);
    const scorer = await this.scorer(solutionVersionArn);
    return userIds.map((u) => scorer.recommendFor(u, numResults, { at: at / 1000 }));
  }

  /** Appends real-time records (PutEvents/PutItems/PutUsers) to the event log a later training reads. */
  async recordEvents(events: RealtimeEvent[] | Record<string, unknown>[]): Promise<void> {
    if (events.length === 0) return;
    const file = this.p('events', `${new Date(this.now()).toISOString().slice(0, 10)}.jsonl`);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.appendFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  readEvents(): RealtimeEvent[] {
    const out: RealtimeEvent[] = [];
    for (const { file } of this.eventSnapshot()) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line) as RealtimeEvent);
        } catch {
          // A torn last line after a crash: the event was never acknowledged.
        }
      }
    }
    return out;
  }

  /** Jobs ever created (audits and tests). */
  counts(): { imports: number; solutionVersions: number } {
    const n = (d: string) => (fs.existsSync(this.p(d)) ? fs.readdirSync(this.p(d)).filter((f) => f.endsWith('.json')).length : 0);
    return { imports: n('imports'), solutionVersions: n('versions') };
  }
}
