/**
 * The local recommender: a real stand-in for Personalize that the workflow polls exactly like the
 * service. Dataset imports and trainings are asynchronous jobs whose state lives in JSON files, so a
 * worker restart neither loses nor duplicates them: a job found in progress with nobody working on
 * it is picked up again, to the same result. Statuses, idempotency by name, `latestCampaignUpdate`
 * and metric names follow Personalize.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse';
import { ApplicationFailure } from '@temporalio/common';
import type { JobObservation } from '../../../common/job-status';
import type { CampaignState, ImportMode, Metrics, TrainingMode } from '../../../common/types';
import type { Recommender } from '../../ports';
import { fileUriToPath, readJson, writeFileAtomic, writeJsonAtomic } from '../files';
import { timeHoldout } from './metrics';
import { recommendFor, train, type Interaction, type TrainedModel } from './model';

const MIN_IMPORT_RECORDS = 1000;
import { BASELINE_PREFIX } from './baseline';

export { BASELINE_PREFIX };

interface ImportJob {
  jobName: string;
  jobArn: string;
  datasetArn: string;
  dataLocation: string;
  importMode: ImportMode;
  status: string;
  failureReason?: string;
  records?: number;
  createdAt: string;
}

interface SolutionVersion {
  name: string;
  solutionVersionArn: string;
  solutionArn: string;
  trainingMode: TrainingMode;
  status: string;
  failureReason?: string;
  metrics?: Metrics;
  trainedOn?: number;
  createdAt: number;
}

interface Campaign {
  campaignArn: string;
  status: string;
  solutionVersionArn: string | null;
  minProvisionedTPS: number;
  campaignConfig?: Record<string, unknown>;
  latestUpdate?: { solutionVersionArn: string; status: string; failureReason?: string; requestedAt: number; minProvisionedTPS: number; campaignConfig?: Record<string, unknown> };
  /** Every update ever requested, for audits and tests. */
  updates: { solutionVersionArn: string; requestedAt: number }[];
}

export interface RealtimeEvent {
  kind: 'event' | 'user' | 'item';
  userId?: string;
  itemId?: string;
  eventType?: string;
  eventValue?: number;
  sentAt?: number;
  [key: string]: unknown;
}

export interface LocalRecommenderOptions {
  stateDir: string;
  /** Shortest training time, like Personalize's own minimum (the demo shows the waiting). */
  minTrainingMs?: number;
  /** Time a campaign update takes to become ACTIVE. */
  deployMs?: number;
  clock?: () => number;
}

const ARN_PREFIX = 'arn:aws:personalize:local:000000000000';

function datasetName(datasetArn: string): string {
  return datasetArn.split(':dataset/')[1]?.replace(/\//g, '_') ?? createHash('sha1').update(datasetArn).digest('hex').slice(0, 12);
}

export class LocalRecommender implements Recommender {
  private readonly busy = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private models = new Map<string, TrainedModel>();

  constructor(private readonly opts: LocalRecommenderOptions) {
    this.now = opts.clock ?? Date.now;
  }

  private p(...parts: string[]): string {
    return path.join(this.opts.stateDir, ...parts);
  }

  /** Runs `task` once per key in this process (the state file is the truth across processes). */
  private once(key: string, task: () => Promise<void>): void {
    if (this.busy.has(key)) return;
    const run = task()
      .catch(() => undefined)
      .finally(() => this.busy.delete(key));
    this.busy.set(key, run);
  }

  /** Waits for the background jobs of this process (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.busy.size) await Promise.allSettled([...this.busy.values()]);
  }

  // ---- dataset import ----

  private importFile(jobName: string): string {
    return this.p('imports', `${jobName}.json`);
  }

  async startImport(req: { jobName: string; datasetArn: string; dataLocation: string; importMode: ImportMode }): Promise<{ jobArn: string }> {
    const existing = readJson<ImportJob>(this.importFile(req.jobName));
    if (existing) {
      this.resumeImport(existing);
      return { jobArn: existing.jobArn };
    }
    const job: ImportJob = {
      ...req,
      jobArn: `${ARN_PREFIX}:dataset-import-job/${req.jobName}`,
      status: 'CREATE PENDING',
      createdAt: new Date(this.now()).toISOString(),
    };
    writeJsonAtomic(this.importFile(req.jobName), job);
    this.resumeImport(job);
    return { jobArn: job.jobArn };
  }

  async describeImport(jobArn: string): Promise<JobObservation> {
    const job = readJson<ImportJob>(this.importFile(jobArn.split('/').pop()!));
    if (!job) throw ApplicationFailure.nonRetryable(`dataset import job ${jobArn} does not exist`, 'ResourceNotFoundException');
    this.resumeImport(job);
    return { status: job.status, reason: job.failureReason };
  }

  private resumeImport(job: ImportJob): void {
    if (job.status === 'ACTIVE' || job.status === 'CREATE FAILED') return;
    this.once(`import:${job.jobName}`, () => this.runImport(job));
  }

  private async runImport(job: ImportJob): Promise<void> {
    job.status = 'CREATE IN_PROGRESS';
    writeJsonAtomic(this.importFile(job.jobName), job);
    try {
      const rows = await readInteractionsCsv(fileUriToPath(job.dataLocation));
      if (rows.length < MIN_IMPORT_RECORDS) {
        throw new Error(`Input data must contain at least ${MIN_IMPORT_RECORDS} interactions; found ${rows.length}.`);
      }
      const file = this.p('datasets', datasetName(job.datasetArn), 'bulk.json');
      let merged = rows;
      if (job.importMode === 'INCREMENTAL') {
        const before = readJson<Interaction[]>(file);
        if (!before) throw new Error('INCREMENTAL import requires an earlier bulk import into this dataset.');
        const key = (d: Interaction) => `${d.user}\u0000${d.item}\u0000${d.ts}`;
        const byKey = new Map(before.map((d) => [key(d), d]));
        for (const r of rows) byKey.set(key(r), r);
        merged = [...byKey.values()];
      }
      writeFileAtomic(file, JSON.stringify(merged));
      Object.assign(job, { status: 'ACTIVE', records: rows.length });
    } catch (err) {
      Object.assign(job, { status: 'CREATE FAILED', failureReason: (err as Error).message });
    }
    writeJsonAtomic(this.importFile(job.jobName), job);
  }

  // ---- training ----

  private versionFile(arn: string): string {
    return this.p('versions', `${arn.split('/').pop()}.json`);
  }

  async startSolutionVersion(req: { name: string; solutionArn: string; trainingMode: TrainingMode }): Promise<{ solutionVersionArn: string }> {
    const id = createHash('sha256').update(`${req.solutionArn}\u0000${req.name}`).digest('hex').slice(0, 8);
    const arn = `${req.solutionArn}/${id}`;
    const existing = readJson<SolutionVersion>(this.versionFile(arn));
    if (existing) {
      this.resumeTraining(existing);
      return { solutionVersionArn: arn };
    }
    const version: SolutionVersion = { ...req, solutionVersionArn: arn, status: 'CREATE PENDING', createdAt: this.now() };
    writeJsonAtomic(this.versionFile(arn), version);
    this.resumeTraining(version);
    return { solutionVersionArn: arn };
  }

  async describeSolutionVersion(arn: string): Promise<JobObservation> {
    const v = this.version(arn);
    this.resumeTraining(v);
    return { status: v.status, reason: v.failureReason };
  }

  private version(arn: string): SolutionVersion {
    const v = readJson<SolutionVersion>(this.versionFile(arn));
    if (!v) throw ApplicationFailure.nonRetryable(`solution version ${arn} does not exist`, 'ResourceNotFoundException');
    return v;
  }

  async stopSolutionVersion(arn: string): Promise<void> {
    const v = this.version(arn);
    if (v.status === 'CREATE PENDING' || v.status === 'CREATE IN_PROGRESS') {
      Object.assign(v, { status: 'CREATE STOPPED', failureReason: 'stopped by request' });
      writeJsonAtomic(this.versionFile(arn), v);
    }
  }

  async getSolutionMetrics(arn: string): Promise<Metrics> {
    const v = this.version(arn);
    if (v.status !== 'ACTIVE' || !v.metrics) {
      throw ApplicationFailure.retryable(`solution version ${arn} is ${v.status}; metrics exist once it is ACTIVE`, 'ResourceInUseException');
    }
    return v.metrics;
  }

  private resumeTraining(v: SolutionVersion): void {
    if (v.status !== 'CREATE PENDING' && v.status !== 'CREATE IN_PROGRESS') return;
    this.once(`train:${v.solutionVersionArn}`, () => this.runTraining(v.solutionVersionArn));
  }

  /** All interactions of the solution's dataset: bulk imports plus events recorded one by one. */
  private trainingData(): Interaction[] {
    const datasets = this.p('datasets');
    const data: Interaction[] = [];
    if (fs.existsSync(datasets)) {
      for (const d of fs.readdirSync(datasets)) {
        const rows = readJson<Interaction[]>(path.join(datasets, d, 'bulk.json'));
        if (rows) data.push(...rows);
      }
    }
    for (const e of this.readEvents()) {
      if (e.kind === 'event' && e.userId && e.itemId) {
        data.push({ user: e.userId, item: e.itemId, value: e.eventValue ?? 1, ts: Math.floor((e.sentAt ?? this.now()) / 1000) });
      }
    }
    return data;
  }

  private async runTraining(arn: string): Promise<void> {
    let v = this.version(arn);
    v.status = 'CREATE IN_PROGRESS';
    writeJsonAtomic(this.versionFile(arn), v);
    try {
      // Yield first: the worker shares this event loop.
      await new Promise((r) => setImmediate(r));
      const data = this.trainingData();
      if (data.length < MIN_IMPORT_RECORDS) throw new Error(`There are not enough interactions to train: ${data.length} < ${MIN_IMPORT_RECORDS}.`);
      const holdout = timeHoldout(data);
      const model = train(data);
      writeFileAtomic(this.p('models', `${arn.split('/').pop()}.json`), JSON.stringify(model));
      const metrics: Metrics = { ...holdout.model };
      for (const [k, val] of Object.entries(holdout.popularity)) metrics[`${BASELINE_PREFIX}${k}`] = val;
      const wait = v.createdAt + (this.opts.minTrainingMs ?? 0) - this.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      v = this.version(arn);
      if (v.status !== 'CREATE IN_PROGRESS') return; // stopped meanwhile
      Object.assign(v, { status: 'ACTIVE', metrics, trainedOn: data.length });
    } catch (err) {
      v = this.version(arn);
      if (v.status !== 'CREATE IN_PROGRESS') return;
      Object.assign(v, { status: 'CREATE FAILED', failureReason: (err as Error).message });
    }
    writeJsonAtomic(this.versionFile(arn), v);
  }

  // ---- campaign ----

  private campaignFile(arn: string): string {
    return this.p('campaigns', `${arn.split('/').pop()}.json`);
  }

  private campaign(arn: string): Campaign {
    return readJson<Campaign>(this.campaignFile(arn)) ?? { campaignArn: arn, status: 'ACTIVE', solutionVersionArn: null, minProvisionedTPS: 1, updates: [] };
  }

  /** Advances a pending update: ACTIVE after deployMs when its version is ACTIVE, else CREATE FAILED. */
  private settle(c: Campaign): Campaign {
    const u = c.latestUpdate;
    if (!u || u.status !== 'CREATE IN_PROGRESS' || this.now() < u.requestedAt + (this.opts.deployMs ?? 500)) return c;
    const target = readJson<SolutionVersion>(this.versionFile(u.solutionVersionArn));
    if (target?.status === 'ACTIVE') {
      Object.assign(c, { solutionVersionArn: u.solutionVersionArn, minProvisionedTPS: u.minProvisionedTPS, campaignConfig: u.campaignConfig });
      u.status = 'ACTIVE';
      this.models.delete(c.campaignArn);
    } else {
      u.status = 'CREATE FAILED';
      u.failureReason = `solution version ${u.solutionVersionArn} is ${target?.status ?? 'missing'}, not ACTIVE`;
    }
    writeJsonAtomic(this.campaignFile(c.campaignArn), c);
    return c;
  }

  async describeCampaign(campaignArn: string): Promise<CampaignState> {
    const c = this.settle(this.campaign(campaignArn));
    return {
      campaignArn,
      status: c.status,
      solutionVersionArn: c.solutionVersionArn,
      minProvisionedTPS: c.minProvisionedTPS,
      campaignConfig: c.campaignConfig,
      latestUpdate: c.latestUpdate && { solutionVersionArn: c.latestUpdate.solutionVersionArn, status: c.latestUpdate.status, failureReason: c.latestUpdate.failureReason },
    };
  }

  async updateCampaign(req: { campaignArn: string; solutionVersionArn: string; minProvisionedTPS: number; campaignConfig?: Record<string, unknown> }): Promise<void> {
    const c = this.settle(this.campaign(req.campaignArn));
    if (c.latestUpdate?.status === 'CREATE IN_PROGRESS') {
      throw ApplicationFailure.retryable(`campaign ${req.campaignArn} is being updated; try again when the update finishes`, 'ResourceInUseException');
    }
    c.latestUpdate = { solutionVersionArn: req.solutionVersionArn, status: 'CREATE IN_PROGRESS', requestedAt: this.now(), minProvisionedTPS: req.minProvisionedTPS, campaignConfig: req.campaignConfig };
    c.updates.push({ solutionVersionArn: req.solutionVersionArn, requestedAt: this.now() });
    writeJsonAtomic(this.campaignFile(req.campaignArn), c);
  }

  /** Every update requested on a campaign (audit trail). */
  campaignUpdates(campaignArn: string): Campaign['updates'] {
    return this.campaign(campaignArn).updates;
  }

  // ---- serving and real-time events ----

  async recommend(campaignArn: string, userId: string, numResults = 25): Promise<{ itemList: { itemId: string; score: number }[]; solutionVersionArn: string }> {
    const c = this.settle(this.campaign(campaignArn));
    if (!c.solutionVersionArn) throw new Error(`campaign ${campaignArn} has no deployed solution version yet; run a retrain first`);
    let model = this.models.get(campaignArn);
    if (!model) {
      model = readJson<TrainedModel>(this.p('models', `${c.solutionVersionArn.split('/').pop()}.json`)) ?? undefined;
      if (!model) throw new Error(`the model of ${c.solutionVersionArn} is missing from ${this.p('models')}`);
      this.models.set(campaignArn, model);
    }
    return { itemList: recommendFor(model, userId, numResults), solutionVersionArn: c.solutionVersionArn };
  }

  async recordEvents(events: RealtimeEvent[]): Promise<void> {
    const file = this.p('events', `${new Date(this.now()).toISOString().slice(0, 10)}.jsonl`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await fs.promises.appendFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  readEvents(): RealtimeEvent[] {
    const dir = this.p('events');
    if (!fs.existsSync(dir)) return [];
    const out: RealtimeEvent[] = [];
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.jsonl')).sort()) {
      for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
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

  /** Counts for audits and tests: jobs ever created. */
  counts(): { imports: number; solutionVersions: number } {
    const n = (d: string) => (fs.existsSync(this.p(d)) ? fs.readdirSync(this.p(d)).filter((f) => f.endsWith('.json')).length : 0);
    return { imports: n('imports'), solutionVersions: n('versions') };
  }
}

/** Reads an interactions CSV (header USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP). */
export async function readInteractionsCsv(file: string): Promise<Interaction[]> {
  const rows: Interaction[] = [];
  const parser = fs.createReadStream(file).pipe(parse({ columns: true, skip_empty_lines: true, bom: true }));
  for await (const r of parser as AsyncIterable<Record<string, string>>) {
    const user = r.USER_ID?.trim();
    const item = r.ITEM_ID?.trim();
    const ts = Number(r.TIMESTAMP);
    if (!user || !item || !Number.isFinite(ts)) throw new Error(`Invalid row in ${path.basename(file)}: ${JSON.stringify(r)}`);
    rows.push({ user, item, value: r.EVENT_VALUE === undefined || r.EVENT_VALUE === '' ? 1 : Number(r.EVENT_VALUE), ts });
  }
  return rows;
}
