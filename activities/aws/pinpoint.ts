/**
 * Pinpoint endpoint export: CreateExportJob / GetExportJob. A job already writing to the run's
 * prefix is adopted. (Pinpoint's engagement features reached end of support on 2026-10-30; this
 * adapter serves projects that still have them, the events source works without.)
 */
import { CreateExportJobCommand, GetExportJobCommand, GetExportJobsCommand, type PinpointClient } from '@aws-sdk/client-pinpoint';
import type { JobObservation } from '../../common/job-status';
import type { EndpointExporter } from '../ports';
import { withAwsErrors } from './errors';

export class PinpointEndpointExporter implements EndpointExporter {
  constructor(
    private readonly client: PinpointClient,
    private readonly opts: { applicationId: string; roleArn: string }
  ) {}

  async startExport({ prefix }: { prefix: string }): Promise<{ jobId: string }> {
    const app = `Pinpoint project ${this.opts.applicationId}`;
    const recent = await withAwsErrors('GetExportJobs', app, () => this.client.send(new GetExportJobsCommand({ ApplicationId: this.opts.applicationId, PageSize: '20' })));
    const existing = recent.ExportJobsResponse?.Item?.find((j) => j.Definition?.S3UrlPrefix === prefix && j.JobStatus !== 'FAILED');
    if (existing?.Id) return { jobId: existing.Id };
    const out = await withAwsErrors('CreateExportJob', app, () =>
      this.client.send(
        new CreateExportJobCommand({
          ApplicationId: this.opts.applicationId,
          ExportJobRequest: { RoleArn: this.opts.roleArn, S3UrlPrefix: prefix },
        })
      )
    );
    return { jobId: out.ExportJobResponse!.Id! };
  }

  async describeExport(jobId: string): Promise<JobObservation> {
    const out = await withAwsErrors('GetExportJob', `export job ${jobId}`, () =>
      this.client.send(new GetExportJobCommand({ ApplicationId: this.opts.applicationId, JobId: jobId }))
    );
    const job = out.ExportJobResponse;
    return { status: job?.JobStatus ?? 'UNKNOWN', reason: job?.Failures?.join('; ') };
  }
}
