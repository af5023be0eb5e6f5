/**
 * Batch inference on the local backend: the local recommender's solution version ranks items for
 * every user of the input file, and the job writes Personalize's output format to
 * `<outputPrefix><input file name>.out`. Like Personalize it is an asynchronous job with a persisted
 * status (CREATE PENDING → CREATE IN_PROGRESS → ACTIVE | CREATE FAILED), idempotent by name; a job
 * found unfinished with no runner in this process is run again from its persisted request, to the
 * same file (the job's own creation time is the scoring time), written atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { JobObservation } from '../../common/job-status';
import { batchOutputUri, MAX_USER_ID_LENGTH } from '../batch-inference-files';
import type { BatchInference } from '../ports';
import { fileUriToPath, readJson, writeFileAtomic } from './files';
import { BackgroundJobs, checkJobName, invalidInput, JobRecords, notFound, UNFINISHED, type JobRecord } from './job-records';
import { LOCAL_ARN_PREFIX, type LocalRecommender } from './recommender';

/** Users scored between two yields to the event loop (the worker keeps heartbeating). */
const CHUNK = 200;

interface BatchJobRecord extends JobRecord {
  jobName: string;
  batchInferenceJobArn: string;
  solutionVersionArn: string;
  inputUri: string;
  outputPrefix: string;
  numResults: number;
  users?: number;
}

/** Jobs running in this process (by record file). */
const RUNNING = new Set<string>();

export interface LocalBatchInferenceOptions {
  recommender: LocalRecommender;
  /** The pipeline's local state directory (the recommender's). */
  stateDir: string;
  clock?: () => number;
}

export class LocalBatchInference implements BatchInference {
  private readonly records: JobRecords;
  private readonly jobs = new BackgroundJobs();

  constructor(private readonly opts: LocalBatchInferenceOptions) {
    this.records = new JobRecords(opts.clock ?? Date.now);
  }

  private file(jobName: string): string {
    return path.join(path.resolve(this.opts.stateDir), 'batch-inference', `${jobName}.json`);
  }

  async startBatchInference(req: Parameters<BatchInference['startBatchInference']>[0]): Promise<{ jobArn: string }> {
    checkJobName('jobName', req.jobName);
    const existing = readJson<BatchJobRecord>(this.file(req.jobName));
    if (existing) {
      if (existing.solutionVersionArn !== req.solutionVersionArn) {
        throw ApplicationFailure.nonRetryable(`a batch inference job named "${req.jobName}" already exists for ${existing.solutionVersionArn}`, 'BatchInferenceJobNameTaken');
      }
      this.resume(existing);
      return { jobArn: existing.batchInferenceJobArn };
    }
    if (req.filterArn) throw invalidInput(`the local backend has no filters: remove filterArn (${req.filterArn}) from this local pipeline`);
    if (!req.outputPrefix.endsWith('/')) throw invalidInput(`the batch output prefix must end in '/': ${req.outputPrefix}`);
    if (!Number.isInteger(req.numResults) || req.numResults < 1 || req.numResults > 500) throw invalidInput('numResults must be an integer from 1 to 500');
    try {
      fileUriToPath(req.inputUri);
      fileUriToPath(req.outputPrefix);
    } catch (err) {
      throw invalidInput((err as Error).message);
    }
    const job = this.records.create<BatchJobRecord>(this.file(req.jobName), {
      jobName: req.jobName,
      batchInferenceJobArn: `${LOCAL_ARN_PREFIX}:batch-inference-job/${req.jobName}`,
      solutionVersionArn: req.solutionVersionArn,
      inputUri: req.inputUri,
      outputPrefix: req.outputPrefix,
      numResults: req.numResults,
    });
    this.resume(job);
    return { jobArn: job.batchInferenceJobArn };
  }

  async describeBatchInference(jobArn: string): Promise<JobObservation & { outputUri?: string }> {
    const m = /:batch-inference-job\/(.+)$/.exec(jobArn);
    const job = m ? readJson<BatchJobRecord>(this.file(m[1]!)) : null;
    if (!job) throw notFound(`batch inference job ${jobArn} does not exist`);
    this.resume(job);
    return {
      status: job.status,
      ...(job.failureReason && { reason: job.failureReason }),
      ...(job.status === 'ACTIVE' && { outputUri: batchOutputUri(job.outputPrefix, job.inputUri) }),
    };
  }

  /** Waits for this instance's jobs (tests). */
  async idle(): Promise<void> {
    await this.jobs.idle();
  }

  private resume(job: BatchJobRecord): void {
    const file = this.file(job.jobName);
    if (!UNFINISHED.has(job.status) || RUNNING.has(file)) return;
    RUNNING.add(file);
    this.jobs.start(
      () => this.execute(file),
      () => RUNNING.delete(file)
    );
  }

  private async execute(file: string): Promise<void> {
    const job = this.records.advance<BatchJobRecord>(file, { status: 'CREATE IN_PROGRESS' });
    let outcome: Partial<BatchJobRecord>;
    try {
      const users = readUsers(fs.readFileSync(fileUriToPath(job.inputUri), 'utf8'), job.inputUri);
      const lines: string[] = [];
      const at = Date.parse(job.creationDateTime);
      for (let i = 0; i < users.length; i += CHUNK) {
        const chunk = users.slice(i, i + CHUNK);
        const valid = chunk.filter((u) => u.length > 0 && u.length <= MAX_USER_ID_LENGTH);
        const ranked = await this.opts.recommender.recommendWithVersion(job.solutionVersionArn, valid, job.numResults, at);
        let k = 0;
        for (const userId of chunk) {
          if (userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) {
            lines.push(JSON.stringify({ input: { userId }, output: null, error: `userId must have 1 to ${MAX_USER_ID_LENGTH} characters` }));
            continue;
          }
          const list = ranked[k++]!;
          lines.push(
            JSON.stringify({
              input: { userId },
              output: { recommendedItems: list.map((s) => s.itemId), scores: list.map((s) => Number(s.score.toPrecision(7))) },
              error: list.length ? null : 'no items to recommend',
            })
          );
        }
        await new Promise((r) => setImmediate(r));
      }
      writeFileAtomic(fileUriToPath(batchOutputUri(job.outputPrefix, job.inputUri)), lines.map((l) => `${l}\n`).join(''));
      outcome = { status: 'ACTIVE', users: users.length };
    } catch (err) {
      outcome = { status: 'CREATE FAILED', failureReason: (err as Error).message };
    }
    this.records.advance<BatchJobRecord>(file, outcome);
  }
}

/** The input file's user ids; a line that is not `{"userId": "…"}` fails the job, as it does on Personalize. */
function readUsers(text: string, uri: string): string[] {
  const users: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} of ${uri} is not JSON`);
    }
    const userId = (parsed as { userId?: unknown } | null)?.userId;
    if (typeof userId !== 'string') throw new Error(`line ${i + 1} of ${uri} has no string userId`);
    users.push(userId);
  });
  return users;
}
