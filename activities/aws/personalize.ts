/**
 * Personalize adapter. Starts are idempotent by name: on ResourceAlreadyExistsException the job of
 * that name is looked up and adopted, so a retried start never pays for a second job.
 */
import {
  CreateDatasetImportJobCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeDatasetImportJobCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  ListDatasetImportJobsCommand,
  ListSolutionVersionsCommand,
  StopSolutionVersionCreationCommand,
  UpdateCampaignCommand,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { ApplicationFailure } from '@temporalio/common';
import type { JobObservation } from '../../common/job-status';
import type { CampaignState, ImportMode, Metrics, TrainingMode } from '../../common/types';
import type { Recommender } from '../ports';
import { errorName, withAwsErrors } from './errors';

export class PersonalizeRecommender implements Recommender {
  constructor(
    private readonly client: PersonalizeClient,
    private readonly opts: { importRoleArn: string }
  ) {}

  async startImport(req: { jobName: string; datasetArn: string; dataLocation: string; importMode: ImportMode }): Promise<{ jobArn: string }> {
    try {
      const out = await this.client.send(
        new CreateDatasetImportJobCommand({
          jobName: req.jobName,
          datasetArn: req.datasetArn,
          dataSource: { dataLocation: req.dataLocation },
          roleArn: this.opts.importRoleArn,
          importMode: req.importMode,
        })
      );
      return { jobArn: out.datasetImportJobArn! };
    } catch (err) {
      if (errorName(err) !== 'ResourceAlreadyExistsException') {
        return withAwsErrors('CreateDatasetImportJob', req.datasetArn, () => Promise.reject(err));
      }
      return { jobArn: await this.findImportJob(req.datasetArn, req.jobName) };
    }
  }

  private async findImportJob(datasetArn: string, jobName: string): Promise<string> {
    let nextToken: string | undefined;
    do {
      const page = await withAwsErrors('ListDatasetImportJobs', datasetArn, () =>
        this.client.send(new ListDatasetImportJobsCommand({ datasetArn, nextToken, maxResults: 100 }))
      );
      const found = page.datasetImportJobs?.find((j) => j.jobName === jobName);
      if (found?.datasetImportJobArn) return found.datasetImportJobArn;
      nextToken = page.nextToken;
    } while (nextToken);
    throw ApplicationFailure.nonRetryable(`import job "${jobName}" exists but is not listed under ${datasetArn}; was it created for another dataset?`, 'ImportJobNotFound');
  }

  async describeImport(jobArn: string): Promise<JobObservation> {
    const out = await withAwsErrors('DescribeDatasetImportJob', jobArn, () => this.client.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: jobArn })));
    return { status: out.datasetImportJob?.status ?? 'UNKNOWN', reason: out.datasetImportJob?.failureReason };
  }

  async startSolutionVersion(req: { name: string; solutionArn: string; trainingMode: TrainingMode }): Promise<{ solutionVersionArn: string }> {
    try {
      const out = await this.client.send(new CreateSolutionVersionCommand({ solutionArn: req.solutionArn, name: req.name, trainingMode: req.trainingMode }));
      return { solutionVersionArn: out.solutionVersionArn! };
    } catch (err) {
      if (errorName(err) !== 'ResourceAlreadyExistsException') {
        return withAwsErrors('CreateSolutionVersion', req.solutionArn, () => Promise.reject(err));
      }
      return { solutionVersionArn: await this.findSolutionVersion(req.solutionArn, req.name) };
    }
  }

  /** The list has no names: describe the newest versions until one carries ours. */
  private async findSolutionVersion(solutionArn: string, name: string): Promise<string> {
    let nextToken: string | undefined;
    do {
      const page = await withAwsErrors('ListSolutionVersions', solutionArn, () =>
        this.client.send(new ListSolutionVersionsCommand({ solutionArn, nextToken, maxResults: 100 }))
      );
      const newestFirst = [...(page.solutionVersions ?? [])].sort((a, b) => (b.creationDateTime?.getTime() ?? 0) - (a.creationDateTime?.getTime() ?? 0));
      for (const summary of newestFirst) {
        const arn = summary.solutionVersionArn!;
        const d = await withAwsErrors('DescribeSolutionVersion', arn, () => this.client.send(new DescribeSolutionVersionCommand({ solutionVersionArn: arn })));
        if (d.solutionVersion?.name === name) return arn;
      }
      nextToken = page.nextToken;
    } while (nextToken);
    throw ApplicationFailure.nonRetryable(`solution version "${name}" exists but is not listed under ${solutionArn}`, 'SolutionVersionNotFound');
  }

  async describeSolutionVersion(arn: string): Promise<JobObservation> {
    const out = await withAwsErrors('DescribeSolutionVersion', arn, () => this.client.send(new DescribeSolutionVersionCommand({ solutionVersionArn: arn })));
    return { status: out.solutionVersion?.status ?? 'UNKNOWN', reason: out.solutionVersion?.failureReason };
  }

  async stopSolutionVersion(arn: string): Promise<void> {
    try {
      await this.client.send(new StopSolutionVersionCreationCommand({ solutionVersionArn: arn }));
    } catch (err) {
      // A version that already finished cannot be stopped: that is not an error for us.
      const name = errorName(err);
      if (name === 'ResourceInUseException' || name === 'InvalidInputException') {
        const { status } = await this.describeSolutionVersion(arn);
        if (['ACTIVE', 'CREATE FAILED', 'CREATE STOPPED', 'CREATE STOPPING'].includes(status)) return;
      }
      await withAwsErrors('StopSolutionVersionCreation', arn, () => Promise.reject(err));
    }
  }

  async getSolutionMetrics(arn: string): Promise<Metrics> {
    const out = await withAwsErrors('GetSolutionMetrics', arn, () => this.client.send(new GetSolutionMetricsCommand({ solutionVersionArn: arn })));
    return out.metrics ?? {};
  }

  async describeCampaign(campaignArn: string): Promise<CampaignState> {
    const out = await withAwsErrors('DescribeCampaign', campaignArn, () => this.client.send(new DescribeCampaignCommand({ campaignArn })));
    const c = out.campaign ?? {};
    const u = c.latestCampaignUpdate;
    return {
      campaignArn,
      status: c.status ?? 'UNKNOWN',
      solutionVersionArn: c.solutionVersionArn ?? null,
      minProvisionedTPS: c.minProvisionedTPS ?? 1,
      campaignConfig: c.campaignConfig as Record<string, unknown> | undefined,
      latestUpdate: u && { solutionVersionArn: u.solutionVersionArn, status: u.status ?? 'UNKNOWN', failureReason: u.failureReason },
    };
  }

  async updateCampaign(req: { campaignArn: string; solutionVersionArn: string; minProvisionedTPS: number; campaignConfig?: Record<string, unknown> }): Promise<void> {
    await withAwsErrors('UpdateCampaign', req.campaignArn, () =>
      this.client.send(
        new UpdateCampaignCommand({
          campaignArn: req.campaignArn,
          solutionVersionArn: req.solutionVersionArn,
          minProvisionedTPS: req.minProvisionedTPS,
          campaignConfig: req.campaignConfig,
        })
      )
    );
  }
}
