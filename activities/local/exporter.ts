/**
 * The endpoint export on a data directory, standing in for Pinpoint CreateExportJob: copies the
 * current endpoint export (`<dataDir>/exports/endpoints/*.gz`, gzip NDJSON with one Pinpoint
 * EndpointResponse per line) to the requested prefix. It is a job like Pinpoint's: its status
 * (PROCESSING → COMPLETED | FAILED) is persisted, the copy runs in the background, a second start
 * for the same prefix adopts the first job, and a copy cut short by a restart is done again.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobObservation } from '../../common/job-status';
import type { EndpointExporter } from '../ports';
import { fileUriToPath, readJson, writeJsonAtomic } from './files';

interface ExportJob {
  jobId: string;
  prefix: string;
  status: 'PROCESSING' | 'COMPLETED' | 'FAILED';
  reason?: string;
  files?: string[];
  createdAt: string;
  completedAt?: string;
}

/** Copies running in this process, by job file. */
const COPYING = new Set<string>();

export class LocalEndpointExporter implements EndpointExporter {
  private readonly stateDir: string;
  private readonly copies = new Set<Promise<void>>();

  constructor(private readonly opts: { dataDir: string; stateDir?: string }) {
    this.stateDir = path.resolve(opts.stateDir ?? path.join(opts.dataDir, 'state'));
  }

  private jobFile(jobId: string): string {
    return path.join(this.stateDir, 'endpoint-exports', `${jobId}.json`);
  }

  /** Where the current endpoint export lives. */
  get sourceDir(): string {
    return path.join(this.opts.dataDir, 'exports', 'endpoints');
  }

  async startExport({ prefix }: { prefix: string }): Promise<{ jobId: string }> {
    fileUriToPath(prefix); // refuses s3:// and other schemes up front
    const jobId = createHash('sha256').update(prefix).digest('hex').slice(0, 32);
    const existing = readJson<ExportJob>(this.jobFile(jobId));
    if (existing) {
      this.resume(existing);
      return { jobId };
    }
    const job: ExportJob = { jobId, prefix, status: 'PROCESSING', createdAt: new Date().toISOString() };
    writeJsonAtomic(this.jobFile(jobId), job);
    this.resume(job);
    return { jobId };
  }

  async describeExport(jobId: string): Promise<JobObservation> {
    const job = readJson<ExportJob>(this.jobFile(jobId));
    if (!job) return { status: 'FAILED', reason: `there is no endpoint export job ${jobId}` };
    this.resume(job);
    return job.reason ? { status: job.status, reason: job.reason } : { status: job.status };
  }

  /** Waits for this instance's copies (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.copies.size) await Promise.allSettled([...this.copies]);
  }

  private resume(job: ExportJob): void {
    const file = this.jobFile(job.jobId);
    if (job.status !== 'PROCESSING' || COPYING.has(file)) return;
    COPYING.add(file);
    const copy = this.copy(job)
      .then((files) => ({ ...job, status: 'COMPLETED' as const, files, completedAt: new Date().toISOString() }))
      .catch((err: Error) => ({ ...job, status: 'FAILED' as const, reason: err.message, completedAt: new Date().toISOString() }))
      .then((done) => writeJsonAtomic(file, done))
      .finally(() => {
        COPYING.delete(file);
        this.copies.delete(copy);
      });
    this.copies.add(copy);
  }

  /** Copies each export file through a temporary name, so the prefix never holds half a file. */
  private async copy(job: ExportJob): Promise<string[]> {
    await new Promise((r) => setImmediate(r)); // the caller sees PROCESSING first
    const names = fs.existsSync(this.sourceDir) ? (await fs.promises.readdir(this.sourceDir)).filter((f) => f.endsWith('.gz')).sort() : [];
    if (names.length === 0) throw new Error(`there is no endpoint export (*.gz) under ${this.sourceDir}`);
    const target = fileUriToPath(job.prefix);
    await fs.promises.mkdir(target, { recursive: true });
    for (const name of names) {
      const tmp = path.join(target, `.${name}.${process.pid}.tmp`);
      await fs.promises.copyFile(path.join(this.sourceDir, name), tmp);
      await fs.promises.rename(tmp, path.join(target, name));
    }
    return names;
  }
}
