/**
 * Pinpoint endpoint export: CreateExportJob / GetExportJob. A job already writing to the run's
 * prefix is adopted, so a retried start never exports twice. (Pinpoint's engagement features
 * reach end of support on 2026-10-30; this adapter serves projects that still have them, the
 * events source works without.)
 */
import {
  CreateExportJobCommand,
  GetExportJobCommand,
  GetExportJobsCommand,
  type ExportJobResponse,
  type PinpointClient,
} from '@aws-sdk/client-pinpoint';
import type { JobObservation } from '../../common/job-status';
import type { EndpointExporter } from '../ports';
import { withAwsErrors } from './errors';

export interface PinpointEndpointExporterOptions {
  applicationId: string;
  /** Role Pinpoint assumes to write the export. */
  roleArn: string;
  /** Base `s3://bucket/…/` for prefixes given without a scheme. */
  bucketUri?: string;
}

/** Export jobs listed per page, and pages looked at, when searching for one to adopt (the newest come first). */
const PAGE_SIZE = 20;
const MAX_PAGES = 5;

/** A prefix as Pinpoint wants it: an s3:// URI ending in '/'. */
export function exportPrefixUri(prefix: string, bucketUri?: string): string {
  const uri =
    /^s3:\/\//.test(prefix) || !bucketUri ? prefix : `${bucketUri.replace(/\/*$/, '/')}${prefix.replace(/^\/+/, '')}`;
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function newestFirst(jobs: ExportJobResponse[]): ExportJobResponse[] {
  return [...jobs].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''));
}

/** A job that failed is not adopted: a new start for its prefix is a retry and deserves a fresh job. */
function adoptable(job: ExportJobResponse, prefix: string): boolean {
  return job.Definition?.S3UrlPrefix === prefix && job.JobStatus !== 'FAILED' && job.JobStatus !== 'FAILING';
}

export class PinpointEndpointExporter implements EndpointExporter {
  constructor(
    private readonly client: PinpointClient,
    private readonly opts: PinpointEndpointExporterOptions
  ) {}

  private get project(): string {
    return `Pinpoint project ${this.opts.applicationId}`;
  }

  async startExport(req: { prefix: string }): Promise<{ jobId: string }> {
    const prefix = exportPrefixUri(req.prefix, this.opts.bucketUri);
    const existing = await this.findExport(prefix);
    if (existing) return { jobId: existing };
    const out = await withAwsErrors(
      'mobiletargeting:CreateExportJob',
      this.project,
      () =>
        this.client.send(
          new CreateExportJobCommand({
            ApplicationId: this.opts.applicationId,
            ExportJobRequest: { RoleArn: this.opts.roleArn, S3UrlPrefix: prefix },
          })
        ),
      `The export goes to ${prefix}, written with the role ${this.opts.roleArn}`
    );
    return { jobId: out.ExportJobResponse!.Id! };
  }

  private async findExport(prefix: string): Promise<string | undefined> {
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await withAwsErrors('mobiletargeting:GetExportJobs', this.project, () =>
        this.client.send(
          new GetExportJobsCommand({
            ApplicationId: this.opts.applicationId,
            PageSize: String(PAGE_SIZE),
            Token: token,
          })
        )
      );
      const found = newestFirst(out.ExportJobsResponse?.Item ?? []).find((j) => adoptable(j, prefix));
      if (found?.Id) return found.Id;
      token = out.ExportJobsResponse?.NextToken;
      if (!token) return undefined;
    }
    return undefined;
  }

  async describeExport(jobId: string): Promise<JobObservation> {
    const out = await withAwsErrors('mobiletargeting:GetExportJob', `export job ${jobId} of ${this.project}`, () =>
      this.client.send(new GetExportJobCommand({ ApplicationId: this.opts.applicationId, JobId: jobId }))
    );
    const job = out.ExportJobResponse;
    const failures = job?.Failures?.filter((f) => f.trim() !== '');
    return { status: job?.JobStatus ?? 'UNKNOWN', ...(failures?.length ? { reason: failures.join('; ') } : {}) };
  }
}
