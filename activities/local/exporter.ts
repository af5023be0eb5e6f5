/**
 * The endpoint export on a data directory: copies the current endpoint export
 * (`<dataDir>/exports/endpoints/*.gz`, gzip NDJSON of Pinpoint EndpointResponse) to the run's
 * prefix, as a job with a persisted status (PROCESSING → COMPLETED | FAILED), adopted by prefix.
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
  files?: number;
}

export class LocalEndpointExporter implements EndpointExporter {
  constructor(private readonly opts: { dataDir: string; stateDir: string }) {}

  private file(jobId: string): string {
    return path.join(this.opts.stateDir, 'exports', `${jobId}.json`);
  }

  async startExport({ prefix }: { prefix: string }): Promise<{ jobId: string }> {
    const jobId = createHash('sha256').update(prefix).digest('hex').slice(0, 32);
    if (readJson<ExportJob>(this.file(jobId))) return { jobId };
    writeJsonAtomic(this.file(jobId), { jobId, prefix, status: 'PROCESSING' } satisfies ExportJob);
    return { jobId };
  }

  /** The copy is small and done on the first check; a restart just repeats it. */
  async describeExport(jobId: string): Promise<JobObservation> {
    const job = readJson<ExportJob>(this.file(jobId));
    if (!job) return { status: 'FAILED', reason: `no export job ${jobId}` };
    if (job.status === 'PROCESSING') {
      const source = path.join(this.opts.dataDir, 'exports', 'endpoints');
      const files = fs.existsSync(source) ? fs.readdirSync(source).filter((f) => f.endsWith('.gz')) : [];
      if (files.length === 0) {
        Object.assign(job, { status: 'FAILED', reason: `no endpoint export (*.gz) under ${source}` });
      } else {
        const target = fileUriToPath(job.prefix);
        fs.mkdirSync(target, { recursive: true });
        for (const f of files) fs.copyFileSync(path.join(source, f), path.join(target, f));
        Object.assign(job, { status: 'COMPLETED', files: files.length });
      }
      writeJsonAtomic(this.file(jobId), job);
    }
    return { status: job.status, reason: job.reason };
  }
}
