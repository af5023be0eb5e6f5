/**
 * The holdout evaluation's activities on the AWS adapters (S3 and Personalize mocked with
 * aws-sdk-client-mock): the sampled users written to S3 as the batch job's input, the job started
 * with the exact CreateBatchInferenceJob request and polled, its output read back and scored with
 * the recommender's NDCG code, and the failures classified.
 */
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateBatchInferenceJobCommand,
  DescribeBatchInferenceJobCommand,
  ListBatchInferenceJobsCommand,
  PersonalizeClient,
} from '@aws-sdk/client-personalize';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type PipelineRegistry } from '../../activities';
import { PersonalizeBatchInference } from '../../activities/aws/batch-inference';
import { S3ObjectStore } from '../../activities/aws/s3';
import type { PipelinePorts } from '../../activities/ports';
import { settingsFor } from '../fixtures/fake-aws';
import { failure } from '../helpers/failures';
import { mapBatchInferenceJobStatus } from '../../common/job-status';

const M = 'normalized_discounted_cumulative_gain_at_10';
const A = 'arn:aws:personalize:us-east-1:123456789012';
const CANDIDATE = `${A}:solution/shop/0123abcd`;
const JOB = `${A}:batch-inference-job/shop-20261123-eval-candidate`;
const ROLE = 'arn:aws:iam::123456789012:role/PersonalizeBatch';
const RUN = 's3://b/work/runs/2026-11-23/';
const meta = { $metadata: {} };

const s3 = mockClient(S3Client);
const personalize = mockClient(PersonalizeClient);
const objects = new Map<string, string>();

function body(text: string): GetObjectCommandOutput['Body'] {
  return Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];
}
async function textOf(b: unknown): Promise<string> {
  if (typeof b === 'string') return b;
  if (b instanceof Uint8Array) return Buffer.from(b).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of b as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}
const notFound = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });

const settings = settingsFor('shop', { workPrefix: 's3://b/work/', gate: { metric: M, tolerance: 0.02, holdout: { days: 1, minUsers: 1, sampleUsers: 1000, whenTooSmall: 'reject' } } });
const ports: PipelinePorts = {
  store: new S3ObjectStore(new S3Client({ region: 'us-east-1' })),
  batchInference: new PersonalizeBatchInference(new PersonalizeClient({ region: 'us-east-1' }), { roleArn: ROLE }),
  recommender: {} as PipelinePorts['recommender'],
  warehouse: {} as PipelinePorts['warehouse'],
};
const registry: PipelineRegistry = { list: () => ['shop'], settings: () => settings, ports: () => ports };
const acts = createActivities({ pipelines: registry });

beforeEach(() => {
  s3.reset();
  personalize.reset();
  objects.clear();
  s3.on(PutObjectCommand).callsFake(async (input: { Bucket: string; Key: string; Body: unknown }) => {
    objects.set(`s3://${input.Bucket}/${input.Key}`, await textOf(input.Body));
    return { ...meta, ETag: '"e"' };
  });
  s3.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    const text = objects.get(`s3://${input.Bucket}/${input.Key}`);
    if (text === undefined) throw notFound();
    return { ...meta, Body: body(text) };
  });
  s3.on(HeadObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    if (!objects.has(`s3://${input.Bucket}/${input.Key}`)) throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
    return meta;
  });
  // Training: i1 and i2 are the most engaged items. Holdout: u1 finds i3, u2 finds i4 (i1 they had
  // seen), u3 sees only what it saw, u5 has no history: two evaluation users.
  objects.set(`${RUN}training.csv`, 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,view,1,100\nu1,i2,view,1,101\nu2,i1,view,1,102\nu2,i3,view,1,103\nu3,i2,view,1,104\nu4,i4,view,1,105\n');
  objects.set(`${RUN}holdout.csv`, 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i3,buy,3,200\nu2,i1,view,1,201\nu2,i4,view,1,202\nu3,i2,view,1,203\nu5,i1,view,1,204\n');
});

async function prepared() {
  return acts.prepareHoldoutEvaluation({ pipeline: 'shop', trainingUri: `${RUN}training.csv`, holdoutUri: `${RUN}holdout.csv`, prefix: `${RUN}evaluation/`, cutoffMs: 150_000 });
}

test('the input written: the evaluation users as JSON lines in S3, their truth next to it, popularity scored the same way', async () => {
  const set = await prepared();
  expect(set).toMatchObject({ users: 2, eligibleUsers: 2, direct: false, inputUri: `${RUN}evaluation/users.jsonl`, truthUri: `${RUN}evaluation/truth.json`, numResults: 27 });
  expect(objects.get(`${RUN}evaluation/users.jsonl`)!.trim().split('\n').map((l) => JSON.parse(l).userId).sort()).toEqual(['u1', 'u2']);
  // Popularity [i1, i2, i3, i4] without seen items: u1 gets i3 first (1.0), u2 gets i4 second (1/log2 3).
  expect(set.popularity[M]).toBeCloseTo((1 + 1 / Math.log2(3)) / 2, 6);
});

test('the job started with the exact request and polled: pending, then the output file of the users file', async () => {
  const set = await prepared();
  personalize.on(ListBatchInferenceJobsCommand).resolves({ ...meta, batchInferenceJobs: [] });
  personalize.on(CreateBatchInferenceJobCommand).resolves({ ...meta, batchInferenceJobArn: JOB });
  const { jobArn } = await acts.startHoldoutBatchInference({
    pipeline: 'shop',
    jobName: 'shop-20261123-eval-candidate',
    solutionVersionArn: CANDIDATE,
    inputUri: set.inputUri,
    outputPrefix: `${RUN}evaluation/candidate/`,
    numResults: set.numResults,
  });
  expect(jobArn).toBe(JOB);
  expect(personalize.commandCalls(CreateBatchInferenceJobCommand)[0]!.args[0].input).toEqual({
    jobName: 'shop-20261123-eval-candidate',
    solutionVersionArn: CANDIDATE,
    numResults: 27,
    jobInput: { s3DataSource: { path: `${RUN}evaluation/users.jsonl` } },
    jobOutput: { s3DataDestination: { path: `${RUN}evaluation/candidate/` } },
    roleArn: ROLE,
  });
  const job = { batchInferenceJobArn: JOB, jobInput: { s3DataSource: { path: set.inputUri } }, jobOutput: { s3DataDestination: { path: `${RUN}evaluation/candidate/` } } };
  personalize.on(DescribeBatchInferenceJobCommand).resolvesOnce({ ...meta, batchInferenceJob: { ...job, status: 'CREATE IN_PROGRESS' } }).resolves({ ...meta, batchInferenceJob: { ...job, status: 'ACTIVE' } });
  const first = await acts.describeHoldoutBatchInference({ pipeline: 'shop', jobArn });
  expect(mapBatchInferenceJobStatus(first).state).toBe('pending');
  const done = await acts.describeHoldoutBatchInference({ pipeline: 'shop', jobArn });
  expect(mapBatchInferenceJobStatus(done).state).toBe('succeeded');
  expect(done.outputUri).toBe(`${RUN}evaluation/candidate/users.jsonl.out`);
});

test('the output parsed and scored: seen items cut, a user the job could not answer scores zero', async () => {
  await prepared();
  const out = `${RUN}evaluation/candidate/users.jsonl.out`;
  objects.set(
    out,
    [
      '{"input":{"userId":"u1"},"output":{"recommendedItems":["i3","i4"],"scores":[0.6,0.4]},"error":null}',
      '{"input":{"userId":"u2"},"output":{"recommendedItems":["i1","i4"],"scores":[0.7,0.3]},"error":null}',
    ].join('\n') + '\n'
  );
  // u2's i1 was seen: cut, so i4 is first for both.
  expect((await acts.scoreHoldoutBatchOutput({ pipeline: 'shop', outputUri: out, truthUri: `${RUN}evaluation/truth.json` }))[M]).toBe(1);
  objects.set(out, '{"input":{"userId":"u1"},"output":{"recommendedItems":["i3"]},"error":null}\n{"input":{"userId":"u2"},"error":"User not found"}\n{torn');
  expect((await acts.scoreHoldoutBatchOutput({ pipeline: 'shop', outputUri: out, truthUri: `${RUN}evaluation/truth.json` }))[M]).toBe(0.5);
});

test('failures classified: a missing output and an output that answers nobody fail for good; S3 access denied names the object', async () => {
  await prepared();
  const truthUri = `${RUN}evaluation/truth.json`;
  const missing = await failure(acts.scoreHoldoutBatchOutput({ pipeline: 'shop', outputUri: `${RUN}evaluation/candidate/users.jsonl.out`, truthUri }));
  expect(missing).toMatchObject({ type: 'BatchOutputMissing', nonRetryable: true });
  const out = `${RUN}evaluation/candidate/users.jsonl.out`;
  objects.set(out, '{"input":{"userId":"u1"},"error":"User not found"}\n{"input":{"userId":"u2"},"error":"User not found"}\n');
  const useless = await failure(acts.scoreHoldoutBatchOutput({ pipeline: 'shop', outputUri: out, truthUri }));
  expect(useless).toMatchObject({ type: 'BatchOutputUnusable', nonRetryable: true });
  expect(useless.message).toMatch(/recommends nothing for any of the 2 users \(first error: User not found\)/);
  s3.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
  const denied = await failure(acts.scoreHoldoutBatchOutput({ pipeline: 'shop', outputUri: out, truthUri }));
  expect(denied).toBeInstanceOf(ApplicationFailure);
  expect(denied.nonRetryable).toBe(true);
  expect(denied.message).toContain(truthUri);
});
