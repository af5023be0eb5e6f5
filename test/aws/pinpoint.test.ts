import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateExportJobCommand,
  GetExportJobCommand,
  GetExportJobsCommand,
  NotFoundException,
  PinpointClient,
  TooManyRequestsException,
  type ExportJobResponse,
} from '@aws-sdk/client-pinpoint';
import { ApplicationFailure } from '@temporalio/common';
import { PinpointEndpointExporter, exportPrefixUri } from '../../activities/aws/pinpoint';
import { mapExportJobStatus } from '../../common/job-status';

const ROLE = 'arn:aws:iam::123456789012:role/export';
const PREFIX = 's3://b/run/endpoints/';
const pinpoint = mockClient(PinpointClient);
const exporter = new PinpointEndpointExporter(new PinpointClient({ region: 'us-east-1' }), {
  applicationId: 'app-1',
  roleArn: ROLE,
  bucketUri: 's3://b/',
});
const meta = { $metadata: {} };

function job(
  Id: string,
  JobStatus: string,
  S3UrlPrefix: string,
  CreationDate = '2026-11-23T00:00:00.000Z'
): ExportJobResponse {
  return {
    Id,
    JobStatus,
    CreationDate,
    ApplicationId: 'app-1',
    Type: 'EXPORT',
    Definition: { RoleArn: ROLE, S3UrlPrefix },
  } as ExportJobResponse;
}

beforeEach(() => pinpoint.reset());

describe('startExport', () => {
  test('creates an export to the run prefix when none exists', async () => {
    pinpoint
      .on(GetExportJobsCommand)
      .resolves({ ExportJobsResponse: { Item: [job('old', 'COMPLETED', 's3://b/other/endpoints/')] } });
    pinpoint.on(CreateExportJobCommand).resolves({ ExportJobResponse: job('job-1', 'CREATED', PREFIX) });
    expect(await exporter.startExport({ prefix: PREFIX })).toEqual({ jobId: 'job-1' });
    expect(pinpoint.commandCalls(GetExportJobsCommand)[0]!.args[0].input).toEqual({
      ApplicationId: 'app-1',
      PageSize: '20',
      Token: undefined,
    });
    expect(pinpoint.commandCalls(CreateExportJobCommand)[0]!.args[0].input).toEqual({
      ApplicationId: 'app-1',
      ExportJobRequest: { RoleArn: ROLE, S3UrlPrefix: PREFIX },
    });
  });

  test('a prefix without a scheme goes under the bucket URI', async () => {
    expect(exportPrefixUri('run/endpoints', 's3://b/')).toBe(PREFIX);
    expect(exportPrefixUri(PREFIX, 's3://other/')).toBe(PREFIX);
    pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpoint.on(CreateExportJobCommand).resolves({ ExportJobResponse: job('job-1', 'CREATED', PREFIX) });
    await exporter.startExport({ prefix: 'run/endpoints/' });
    expect(pinpoint.commandCalls(CreateExportJobCommand)[0]!.args[0].input.ExportJobRequest!.S3UrlPrefix).toBe(PREFIX);
  });

  test('adopts the newest job already exporting to that prefix (on a later page too)', async () => {
    pinpoint
      .on(GetExportJobsCommand)
      .resolvesOnce({ ExportJobsResponse: { Item: [job('x', 'COMPLETED', 's3://b/x/')], NextToken: 'p2' } })
      .resolvesOnce({
        ExportJobsResponse: {
          Item: [
            job('job-older', 'COMPLETED', PREFIX, '2026-11-23T01:00:00.000Z'),
            job('job-newer', 'PROCESSING', PREFIX, '2026-11-23T02:00:00.000Z'),
          ],
        },
      });
    expect(await exporter.startExport({ prefix: PREFIX })).toEqual({ jobId: 'job-newer' });
    expect(pinpoint.commandCalls(GetExportJobsCommand)[1]!.args[0].input).toEqual({
      ApplicationId: 'app-1',
      PageSize: '20',
      Token: 'p2',
    });
    expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  test('a failed job on the prefix is not adopted: a new one starts', async () => {
    pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [job('job-0', 'FAILED', PREFIX)] } });
    pinpoint.on(CreateExportJobCommand).resolves({ ExportJobResponse: job('job-1', 'CREATED', PREFIX) });
    expect(await exporter.startExport({ prefix: PREFIX })).toEqual({ jobId: 'job-1' });
  });

  test('throttling is retryable; an unknown project is not, and names it', async () => {
    pinpoint.on(GetExportJobsCommand).rejects(new TooManyRequestsException({ message: 'slow down', ...meta }));
    const t = (await exporter.startExport({ prefix: PREFIX }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(t).toBeInstanceOf(ApplicationFailure);
    expect(t.nonRetryable).toBe(false);
    pinpoint.on(GetExportJobsCommand).rejects(new NotFoundException({ message: 'Resource not found', ...meta }));
    const n = (await exporter.startExport({ prefix: PREFIX }).catch((e: unknown) => e)) as ApplicationFailure;
    expect(n.nonRetryable).toBe(true);
    expect(n.message).toContain('Pinpoint project app-1');
    expect(n.message).toContain('check source.endpointExport.applicationId');
  });
});

describe('describeExport', () => {
  test.each([
    ['CREATED', 'pending'],
    ['PREPARING_FOR_INITIALIZATION', 'pending'],
    ['INITIALIZING', 'pending'],
    ['PROCESSING', 'pending'],
    ['PENDING_JOB', 'pending'],
    ['COMPLETING', 'pending'],
    ['COMPLETED', 'succeeded'],
    ['FAILING', 'failed'],
    ['FAILED', 'failed'],
  ])('status %s → %s, with the failures joined as reason', async (JobStatus, state) => {
    pinpoint
      .on(GetExportJobCommand)
      .resolves({
        ExportJobResponse: {
          ...job('job-1', JobStatus, PREFIX),
          Failures: ['no access to bucket', 'role not assumable'],
        },
      });
    const obs = await exporter.describeExport('job-1');
    expect(obs).toEqual({ status: JobStatus, reason: 'no access to bucket; role not assumable' });
    expect(mapExportJobStatus(obs).state).toBe(state);
    expect(pinpoint.commandCalls(GetExportJobCommand)[0]!.args[0].input).toEqual({
      ApplicationId: 'app-1',
      JobId: 'job-1',
    });
  });

  test('no failures, no reason', async () => {
    pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: job('job-1', 'COMPLETED', PREFIX) });
    expect(await exporter.describeExport('job-1')).toEqual({ status: 'COMPLETED' });
  });
});
