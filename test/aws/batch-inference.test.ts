import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateBatchInferenceJobCommand,
  DescribeBatchInferenceJobCommand,
  InvalidInputException,
  LimitExceededException,
  ListBatchInferenceJobsCommand,
  PersonalizeClient,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type CreateBatchInferenceJobRequest,
} from '@aws-sdk/client-personalize';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { PersonalizeBatchInference } from '../../activities/aws/batch-inference';
import { S3ObjectStore } from '../../activities/aws/s3';
import { readBatchOutput, writeBatchInput } from '../../activities/batch-inference-files';
import type { BatchRecommendation } from '../../activities/ports';
import { mapBatchInferenceJobStatus } from '../../common/job-status';
import { failure } from '../helpers/failures';

const A = 'arn:aws:personalize:us-east-1:123456789012';
const VERSION = `${A}:solution/shop/0123abcd`;
const FILTER = `${A}:filter/not-bought`;
const ROLE = 'arn:aws:iam::123456789012:role/PersonalizeBatch';
const JOB = `${A}:batch-inference-job/shop-20261123-recommend`;
const mock = mockClient(PersonalizeClient);
const s3 = mockClient(S3Client);
const batch = new PersonalizeBatchInference(new PersonalizeClient({ region: 'us-east-1' }), { roleArn: ROLE });
const meta = { $metadata: {} };
const request = {
  jobName: 'shop-20261123-recommend',
  solutionVersionArn: VERSION,
  inputUri: 's3://b/work/runs/2026-11-23/recommend/users.json',
  outputPrefix: 's3://b/work/runs/2026-11-23/recommend/out/',
  numResults: 10,
};

beforeEach(() => {
  mock.reset();
  s3.reset();
});

describe('CreateBatchInferenceJob', () => {
  test('gets the exact request: S3 input and output, role, numResults, filter, exploration config', async () => {
    mock.on(ListBatchInferenceJobsCommand).resolves({ batchInferenceJobs: [] });
    mock.on(CreateBatchInferenceJobCommand).resolves({ batchInferenceJobArn: JOB });
    const out = await batch.startBatchInference({ ...request, filterArn: FILTER, itemExplorationConfig: { explorationWeight: '0.3' } });
    expect(out).toEqual({ jobArn: JOB });
    const expected: CreateBatchInferenceJobRequest = {
      jobName: 'shop-20261123-recommend',
      solutionVersionArn: VERSION,
      filterArn: FILTER,
      numResults: 10,
      jobInput: { s3DataSource: { path: 's3://b/work/runs/2026-11-23/recommend/users.json' } },
      jobOutput: { s3DataDestination: { path: 's3://b/work/runs/2026-11-23/recommend/out/' } },
      roleArn: ROLE,
      batchInferenceJobConfig: { itemExplorationConfig: { explorationWeight: '0.3' } },
    };
    expect(mock.commandCalls(CreateBatchInferenceJobCommand)[0]!.args[0].input).toEqual(expected);
  });

  test('without a filter or exploration config, neither key is sent', async () => {
    mock.on(ListBatchInferenceJobsCommand).resolves({});
    mock.on(CreateBatchInferenceJobCommand).resolves({ batchInferenceJobArn: JOB });
    await batch.startBatchInference(request);
    const input = mock.commandCalls(CreateBatchInferenceJobCommand)[0]!.args[0].input;
    expect(Object.keys(input).sort()).toEqual(['jobInput', 'jobName', 'jobOutput', 'numResults', 'roleArn', 'solutionVersionArn']);
  });

  test('an output prefix without a trailing slash is refused before any call', async () => {
    const f = await failure(batch.startBatchInference({ ...request, outputPrefix: 's3://b/out' }));
    expect(f.nonRetryable).toBe(true);
    expect(mock.calls()).toHaveLength(0);
  });
});

describe('adoption by name', () => {
  test('a job of that name on the version (found on a later page) is adopted: no create', async () => {
    const pages = [
      { batchInferenceJobs: [{ jobName: 'other', batchInferenceJobArn: `${A}:batch-inference-job/other` }], nextToken: 't2' },
      { batchInferenceJobs: [{ jobName: 'shop-20261123-recommend', batchInferenceJobArn: JOB, status: 'CREATE IN_PROGRESS' }] },
    ];
    const requests: unknown[] = [];
    mock.on(ListBatchInferenceJobsCommand).callsFake((input: object) => (requests.push({ ...input }), pages.shift()));
    expect(await batch.startBatchInference(request)).toEqual({ jobArn: JOB });
    expect(mock.commandCalls(CreateBatchInferenceJobCommand)).toHaveLength(0);
    expect(requests).toEqual([
      { solutionVersionArn: VERSION, maxResults: 100 },
      { solutionVersionArn: VERSION, maxResults: 100, nextToken: 't2' },
    ]);
  });

  test('ResourceAlreadyExists on the create (a job created meanwhile) looks up again and adopts', async () => {
    mock
      .on(ListBatchInferenceJobsCommand)
      .resolvesOnce({ batchInferenceJobs: [] })
      .resolves({ batchInferenceJobs: [{ jobName: 'shop-20261123-recommend', batchInferenceJobArn: JOB }] });
    mock.on(CreateBatchInferenceJobCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    expect(await batch.startBatchInference(request)).toEqual({ jobArn: JOB });
    expect(mock.commandCalls(CreateBatchInferenceJobCommand)).toHaveLength(1);
  });

  test('a name taken by a job of another version is a non-retryable failure naming --rerun', async () => {
    mock.on(ListBatchInferenceJobsCommand).resolves({ batchInferenceJobs: [] });
    mock.on(CreateBatchInferenceJobCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    const f = await failure(batch.startBatchInference(request));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('BatchInferenceJobNameTaken');
    expect(f.message).toContain('--rerun <suffix>');
  });
});

describe('failures are classified', () => {
  test('throttling on the create is retryable', async () => {
    mock.on(ListBatchInferenceJobsCommand).resolves({});
    mock.on(CreateBatchInferenceJobCommand).rejects(new LimitExceededException({ message: 'slow down', ...meta }));
    const f = await failure(batch.startBatchInference(request));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('LimitExceededException');
  });

  test('invalid input is non-retryable and names the files, the role and the filter', async () => {
    mock.on(ListBatchInferenceJobsCommand).resolves({});
    mock.on(CreateBatchInferenceJobCommand).rejects(new InvalidInputException({ message: 'bad filter', ...meta }));
    const f = await failure(batch.startBatchInference({ ...request, filterArn: FILTER }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(request.inputUri);
    expect(f.message).toContain(ROLE);
    expect(f.message).toContain(`${FILTER} must be ACTIVE`);
  });

  test('access denied names the action and the role to pass', async () => {
    mock.on(ListBatchInferenceJobsCommand).resolves({});
    mock.on(CreateBatchInferenceJobCommand).rejects(
      Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } })
    );
    const f = await failure(batch.startBatchInference(request));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('personalize:CreateBatchInferenceJob');
    expect(f.message).toContain('iam:PassRole');
  });

  test('a job that no longer exists is non-retryable on describe', async () => {
    mock.on(DescribeBatchInferenceJobCommand).rejects(new ResourceNotFoundException({ message: 'gone', ...meta }));
    const f = await failure(batch.describeBatchInference(JOB));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(JOB);
  });
});

describe('polling', () => {
  function job(status: string, extra: object = {}) {
    return {
      batchInferenceJob: {
        batchInferenceJobArn: JOB,
        status,
        jobInput: { s3DataSource: { path: request.inputUri } },
        jobOutput: { s3DataDestination: { path: request.outputPrefix } },
        ...extra,
      },
    };
  }

  test('pending, in progress, then ACTIVE with the output file <prefix><input name>.out', async () => {
    mock
      .on(DescribeBatchInferenceJobCommand, { batchInferenceJobArn: JOB })
      .resolvesOnce(job('CREATE PENDING'))
      .resolvesOnce(job('CREATE IN_PROGRESS'))
      .resolves(job('ACTIVE'));
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await batch.describeBatchInference(JOB));
    expect(seen.map((o) => mapBatchInferenceJobStatus(o).state)).toEqual(['pending', 'pending', 'succeeded']);
    expect(seen[0]!.outputUri).toBeUndefined();
    expect(seen[2]!.outputUri).toBe('s3://b/work/runs/2026-11-23/recommend/out/users.json.out');
  });

  test('CREATE FAILED carries the reason to the failed state', async () => {
    mock.on(DescribeBatchInferenceJobCommand).resolves(job('CREATE FAILED', { failureReason: 'Input file has no valid records' }));
    const obs = await batch.describeBatchInference(JOB);
    expect(obs.outputUri).toBeUndefined();
    expect(mapBatchInferenceJobStatus(obs)).toEqual({ state: 'failed', status: 'CREATE FAILED', reason: 'Input file has no valid records' });
  });

  test('statuses map as Personalize writes them (spaces or underscores), unknown stays pending', () => {
    expect(mapBatchInferenceJobStatus({ status: 'CREATE_IN_PROGRESS' }).state).toBe('pending');
    expect(mapBatchInferenceJobStatus({ status: 'active' }).state).toBe('succeeded');
    expect(mapBatchInferenceJobStatus({ status: 'CREATE STOPPED' }).state).toBe('failed');
    expect(mapBatchInferenceJobStatus({ status: 'CREATE FAILED' })).toMatchObject({ reason: 'the batch inference job failed' });
    expect(mapBatchInferenceJobStatus({ status: 'SOMETHING NEW' }).state).toBe('pending');
  });
});

describe('input and output files on S3', () => {
  const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }));

  test('the input is JSON Lines of {"userId"}, each user once', async () => {
    s3.on(PutObjectCommand).resolves({});
    expect(await writeBatchInput(store, request.inputUri, ['u1', 'u2', 'u1', 'ü 3'])).toEqual({ users: 3 });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'b', Key: 'work/runs/2026-11-23/recommend/users.json' });
    // The upload sends a small body in one PutObject, as bytes.
    const body = Buffer.from(put.Body as Uint8Array).toString('utf8');
    expect(body).toBe('{"userId":"u1"}\n{"userId":"u2"}\n{"userId":"ü 3"}\n');
  });

  test('a user id Personalize would refuse is refused before the file is written', async () => {
    await expect(writeBatchInput(store, request.inputUri, ['ok', 'x'.repeat(257)])).rejects.toThrow(/1 to 256 characters/);
    await expect(writeBatchInput(store, request.inputUri, [''])).rejects.toThrow(/1 to 256/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('the output is parsed line by line: recommendations, per-user errors, torn lines counted', async () => {
    const lines = [
      '{"input":{"userId":"4638"},"output":{"recommendedItems":["63992","115149"],"scores":[0.0152238,0.0069081]},"error":null}',
      '{"input":{"userId":"663"},"output":{"recommendedItems":[],"scores":[]},"error":"User not found"}',
      '{"input":{"userId":"77"},"error":{"code":"E1","message":"bad"}}',
      '',
      '{"input":{"userId":"12"},"output":{"recommendedItems":["9"]},"error":null}',
      '{"input":{"userId":"13"},"output":{"recommendedItems":["1","2"],"scores":[0.5]},"error":null}',
      '{"input":{"userId":"99"},"output":{"recommendedItems":["1"',
    ];
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from(lines.join('\n'))]) as unknown as GetObjectCommandOutput['Body'] });
    const got: BatchRecommendation[] = [];
    const counts = await readBatchOutput(store, 's3://b/out/users.json.out', (r) => void got.push(r));
    expect(counts).toEqual({ users: 3, errors: 2, unreadable: 1 });
    expect(got).toEqual([
      { userId: '4638', itemIds: ['63992', '115149'], scores: [0.0152238, 0.0069081] },
      { userId: '663', itemIds: [], scores: [], error: 'User not found' },
      { userId: '77', itemIds: [], scores: [], error: '{"code":"E1","message":"bad"}' },
      // A recipe without scores (and scores that do not line up) gives no scores rather than wrong ones.
      { userId: '12', itemIds: ['9'], scores: [] },
      { userId: '13', itemIds: ['1', '2'], scores: [] },
    ]);
  });
});
