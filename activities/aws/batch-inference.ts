/**
 * Batch inference on Personalize: CreateBatchInferenceJob reads the users file from S3 and writes
 * `<outputPrefix><input file name>.out`. Starts are idempotent by name: the job of that name is
 * looked up (ListBatchInferenceJobs on the solution version) before one is created, and adopted, so
 * a retried start never pays for a second job; a ResourceAlreadyExists on the create (a job created
 * between the look-up and the create) is looked up again and adopted too.
 */
import {
  CreateBatchInferenceJobCommand,
  DescribeBatchInferenceJobCommand,
  paginateListBatchInferenceJobs,
  type BatchInferenceJobSummary,
  type CreateBatchInferenceJobRequest,
  type PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { ApplicationFailure } from '@temporalio/common';
import { normalizePersonalizeStatus, type JobObservation } from '../../common/job-status';
import { batchOutputUri } from '../batch-inference-files';
import type { BatchInference } from '../ports';
import { awsFailure, errorName, withAwsErrors } from './errors';

export interface PersonalizeBatchInferenceOptions {
  /** Role Personalize assumes to read the users file and write the output (CreateBatchInferenceJob roleArn). */
  roleArn: string;
  /** KMS key of the output objects, when the bucket requires one. */
  outputKmsKeyArn?: string;
}

export type BatchInferenceRequest = Parameters<BatchInference['startBatchInference']>[0];

export class PersonalizeBatchInference implements BatchInference {
  constructor(
    private readonly client: PersonalizeClient,
    private readonly opts: PersonalizeBatchInferenceOptions
  ) {}

  /** The exact CreateBatchInferenceJob request for `req` (also what the tests assert). */
  createRequest(req: BatchInferenceRequest): CreateBatchInferenceJobRequest {
    if (!req.outputPrefix.endsWith('/')) {
      throw ApplicationFailure.nonRetryable(`the batch output prefix must end in '/': ${req.outputPrefix}`, 'InvalidOutputPrefix');
    }
    return {
      jobName: req.jobName,
      solutionVersionArn: req.solutionVersionArn,
      ...(req.filterArn && { filterArn: req.filterArn }),
      numResults: req.numResults,
      jobInput: { s3DataSource: { path: req.inputUri } },
      jobOutput: {
        s3DataDestination: { path: req.outputPrefix, ...(this.opts.outputKmsKeyArn && { kmsKeyArn: this.opts.outputKmsKeyArn }) },
      },
      roleArn: this.opts.roleArn,
      ...(req.itemExplorationConfig && { batchInferenceJobConfig: { itemExplorationConfig: req.itemExplorationConfig } }),
    };
  }

  async startBatchInference(req: BatchInferenceRequest): Promise<{ jobArn: string }> {
    const input = this.createRequest(req);
    const existing = await this.findJob(req.jobName, req.solutionVersionArn);
    if (existing) return { jobArn: existing };
    try {
      const out = await this.client.send(new CreateBatchInferenceJobCommand(input));
      return { jobArn: out.batchInferenceJobArn! };
    } catch (err) {
      if (errorName(err) !== 'ResourceAlreadyExistsException') {
        throw awsFailure(err, {
          operation: 'personalize:CreateBatchInferenceJob',
          resource: req.solutionVersionArn,
          hint: `The users file was ${req.inputUri} and the output ${req.outputPrefix}, read and written with the role ${this.opts.roleArn}${req.filterArn ? `; the filter ${req.filterArn} must be ACTIVE` : ''}`,
        });
      }
      const found = await this.findJob(req.jobName, req.solutionVersionArn);
      if (found) return { jobArn: found };
      throw ApplicationFailure.nonRetryable(
        `a batch inference job named "${req.jobName}" already exists but not for ${req.solutionVersionArn}; job names are unique per account and region: start the run with --rerun <suffix> (new job names) or rename the pipeline`,
        'BatchInferenceJobNameTaken'
      );
    }
  }

  /** The job of that name on this solution version (newest first if, oddly, several). */
  private async findJob(jobName: string, solutionVersionArn: string): Promise<string | undefined> {
    return withAwsErrors('personalize:ListBatchInferenceJobs', solutionVersionArn, async () => {
      const matches: BatchInferenceJobSummary[] = [];
      for await (const page of paginateListBatchInferenceJobs({ client: this.client, pageSize: 100 }, { solutionVersionArn })) {
        matches.push(...(page.batchInferenceJobs ?? []).filter((j) => j.jobName === jobName && j.batchInferenceJobArn));
      }
      matches.sort((a, b) => (b.creationDateTime?.getTime() ?? 0) - (a.creationDateTime?.getTime() ?? 0));
      return matches[0]?.batchInferenceJobArn;
    });
  }

  async describeBatchInference(jobArn: string): Promise<JobObservation & { outputUri?: string }> {
    const out = await withAwsErrors('personalize:DescribeBatchInferenceJob', jobArn, () =>
      this.client.send(new DescribeBatchInferenceJobCommand({ batchInferenceJobArn: jobArn }))
    );
    const job = out.batchInferenceJob;
    const status = job?.status ?? 'UNKNOWN';
    const input = job?.jobInput?.s3DataSource?.path;
    const output = job?.jobOutput?.s3DataDestination?.path;
    return {
      status,
      ...(job?.failureReason && { reason: job.failureReason }),
      ...(normalizePersonalizeStatus(status) === 'ACTIVE' && input && output && { outputUri: batchOutputUri(output, input) }),
    };
  }
}
