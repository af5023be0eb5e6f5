import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand, TooManyRequestsException, InvalidRequestException } from '@aws-sdk/client-athena';
import { CreateExportJobCommand, GetExportJobCommand, GetExportJobsCommand, PinpointClient } from '@aws-sdk/client-pinpoint';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { AthenaWarehouse, athenaToken, resultFile } from '../../activities/aws/athena';
import { PinpointEndpointExporter } from '../../activities/aws/pinpoint';
import { S3ObjectStore } from '../../activities/aws/s3';
import { mapExportJobStatus, mapQueryState } from '../../common/job-status';

const meta = { $metadata: {} };

describe('Athena', () => {
  const athena = mockClient(AthenaClient);
  const warehouse = new AthenaWarehouse(new AthenaClient({ region: 'us-east-1' }), { database: 'pinpoint', workGroup: 'retrain', buildSql: () => 'SELECT 1' });
  const req = { token: 'personalize-optimizer.shop-2026-11-23.interactions', runDate: '2026-11-23', lookbackDays: 30, outputPrefix: 's3://b/work/runs/2026-11-23/query/' };
  beforeEach(() => athena.reset());

  test('StartQueryExecution: deterministic token, database, workgroup and output location', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    expect(await warehouse.startInteractionsQuery(req)).toEqual({ queryId: 'q-1' });
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT 1',
      ClientRequestToken: req.token,
      QueryExecutionContext: { Database: 'pinpoint', Catalog: undefined },
      WorkGroup: 'retrain',
      ResultConfiguration: { OutputLocation: req.outputPrefix },
    });
  });

  test('tokens outside 32–128 characters are hashed deterministically', () => {
    expect(athenaToken('short')).toHaveLength(64);
    expect(athenaToken('short')).toBe(athenaToken('short'));
    expect(athenaToken('x'.repeat(40))).toBe('x'.repeat(40));
  });

  test('the result is the exact <id>.csv object, never the folder', async () => {
    expect(resultFile('s3://b/q/q-1.csv', 'q-1')).toBe('s3://b/q/q-1.csv');
    expect(resultFile('s3://b/q/', 'q-1')).toBe('s3://b/q/q-1.csv');
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, ResultConfiguration: { OutputLocation: 's3://b/q/q-1.csv' } } });
    expect(await warehouse.describeQuery('q-1')).toMatchObject({ status: 'SUCCEEDED', outputUri: 's3://b/q/q-1.csv' });
  });

  test.each([
    ['QUEUED', 'pending'],
    ['RUNNING', 'pending'],
    ['SUCCEEDED', 'succeeded'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'failed'],
  ])('state %s → %s', async (State, state) => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: State as 'QUEUED', StateChangeReason: 'why' } } });
    expect(mapQueryState(await warehouse.describeQuery('q')).state).toBe(state);
  });

  test('a failure Athena will retry itself keeps the run waiting', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', AthenaError: { Retryable: true, ErrorMessage: 'slow down' } } } });
    const obs = await warehouse.describeQuery('q');
    expect(obs.status).toBe('RUNNING');
    expect(mapQueryState(obs).state).toBe('pending');
  });

  test('throttling is retryable, a bad query is not', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new TooManyRequestsException({ message: 'CONCURRENT_QUERY_LIMIT_EXCEEDED', ...meta }));
    const t = await warehouse.startInteractionsQuery(req).catch((e: ApplicationFailure) => e);
    expect((t as ApplicationFailure).nonRetryable).toBe(false);
    athena.on(StartQueryExecutionCommand).rejects(new InvalidRequestException({ message: 'line 1:8: Column x cannot be resolved', ...meta }));
    const v = await warehouse.startInteractionsQuery(req).catch((e: ApplicationFailure) => e);
    expect((v as ApplicationFailure).nonRetryable).toBe(true);
    expect((v as ApplicationFailure).message).toMatch(/Column x cannot be resolved/);
  });
});

describe('Pinpoint endpoint export', () => {
  const pinpoint = mockClient(PinpointClient);
  const exporter = new PinpointEndpointExporter(new PinpointClient({ region: 'us-east-1' }), { applicationId: 'app-1', roleArn: 'arn:aws:iam::123456789012:role/export' });
  beforeEach(() => pinpoint.reset());

  test('creates an export to the run prefix', async () => {
    pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [] } });
    pinpoint.on(CreateExportJobCommand).resolves({ ExportJobResponse: { Id: 'job-1' } as never });
    expect(await exporter.startExport({ prefix: 's3://b/run/endpoints/' })).toEqual({ jobId: 'job-1' });
    expect(pinpoint.commandCalls(CreateExportJobCommand)[0]!.args[0].input).toEqual({
      ApplicationId: 'app-1',
      ExportJobRequest: { RoleArn: 'arn:aws:iam::123456789012:role/export', S3UrlPrefix: 's3://b/run/endpoints/' },
    });
  });

  test('adopts a job already exporting to that prefix', async () => {
    pinpoint.on(GetExportJobsCommand).resolves({ ExportJobsResponse: { Item: [{ Id: 'job-0', JobStatus: 'PROCESSING', Definition: { S3UrlPrefix: 's3://b/run/endpoints/' } } as never] } });
    expect(await exporter.startExport({ prefix: 's3://b/run/endpoints/' })).toEqual({ jobId: 'job-0' });
    expect(pinpoint.commandCalls(CreateExportJobCommand)).toHaveLength(0);
  });

  test.each([
    ['CREATED', 'pending'],
    ['PROCESSING', 'pending'],
    ['COMPLETED', 'succeeded'],
    ['FAILING', 'failed'],
    ['FAILED', 'failed'],
  ])('status %s → %s, with the failures as reason', async (JobStatus, state) => {
    pinpoint.on(GetExportJobCommand).resolves({ ExportJobResponse: { JobStatus, Failures: ['no access to bucket'] } as never });
    const obs = await exporter.describeExport('job-1');
    expect(mapExportJobStatus(obs).state).toBe(state);
    expect(obs.reason).toBe('no access to bucket');
  });
});

describe('S3 store', () => {
  const s3 = mockClient(S3Client);
  const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }));
  beforeEach(() => s3.reset());

  test('a missing object reads as null', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('nope'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    expect(await store.getText('s3://b/runs/last-trained.json')).toBeNull();
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'runs/last-trained.json' });
  });
});
