/**
 * The items / users dataset activities and the recommender read on the AWS adapters, with
 * aws-sdk-client-mock: exact request shapes (SDK v3 types), adoption by ListDatasetImportJobs
 * before any CreateDatasetImportJob, S3 versions (ETag, size, last-modified) as the fingerprint,
 * and DescribeRecommender reduced to what the run decides on.
 */
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateDatasetImportJobCommand,
  DescribeRecommenderCommand,
  ListDatasetImportJobsCommand,
  PersonalizeClient,
  type CreateDatasetImportJobCommandInput,
  type DescribeRecommenderCommandInput,
  type ListDatasetImportJobsCommandInput,
} from '@aws-sdk/client-personalize';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client, type GetObjectCommandOutput, type ListObjectsV2CommandInput } from '@aws-sdk/client-s3';
import { createActivities, type PipelineRegistry } from '../../activities';
import { PersonalizeRecommender } from '../../activities/aws/personalize';
import { S3ObjectStore } from '../../activities/aws/s3';
import type { PipelinePorts } from '../../activities/ports';
import { settingsFor } from '../fixtures/fake-aws';

const A = 'arn:aws:personalize:us-east-1:123456789012';
const ITEMS = `${A}:dataset/shop/ITEMS`;
const USERS = `${A}:dataset/shop/USERS`;
const RECOMMENDER = `${A}:recommender/shop-top-picks`;
const ROLE = 'arn:aws:iam::123456789012:role/PersonalizeImport';
const personalize = mockClient(PersonalizeClient);
const s3 = mockClient(S3Client);
const meta = { $metadata: {} };

const settings = settingsFor('shop', {
  datasets: { items: { datasetArn: ITEMS, source: 's3://catalog/items/' }, users: { datasetArn: USERS, source: 's3://catalog/users.csv' } },
  recommenderArn: RECOMMENDER,
});
const ports = {
  recommender: new PersonalizeRecommender(new PersonalizeClient({ region: 'us-east-1' }), { importRoleArn: ROLE }),
  store: new S3ObjectStore(new S3Client({ region: 'us-east-1' })),
} as unknown as PipelinePorts;
const registry: PipelineRegistry = { list: () => ['shop'], settings: () => settings, ports: () => ports };
const acts = createActivities({ pipelines: registry });

beforeEach(() => {
  personalize.reset();
  s3.reset();
});

describe('startDatasetFileImport', () => {
  test('a job of that name on the dataset is adopted: looked up first, nothing created', async () => {
    const lists: ListDatasetImportJobsCommandInput[] = [];
    const pages = [
      { datasetImportJobs: [{ jobName: 'shop-20261122-items-0000aaaa', datasetImportJobArn: `${A}:dataset-import-job/shop-20261122-items-0000aaaa`, status: 'ACTIVE' }], nextToken: 't2' },
      { datasetImportJobs: [{ jobName: 'shop-20261123-items-1111bbbb', datasetImportJobArn: `${A}:dataset-import-job/shop-20261123-items-1111bbbb`, status: 'CREATE IN_PROGRESS' }] },
    ];
    personalize.on(ListDatasetImportJobsCommand).callsFake((input: ListDatasetImportJobsCommandInput) => (lists.push({ ...input }), pages.shift()));
    const out = await acts.startDatasetFileImport({ pipeline: 'shop', kind: 'items', jobName: 'shop-20261123-items-1111bbbb' });
    expect(out).toEqual({ jobArn: `${A}:dataset-import-job/shop-20261123-items-1111bbbb` });
    expect(lists).toEqual([
      { datasetArn: ITEMS, maxResults: 100 },
      { datasetArn: ITEMS, maxResults: 100, nextToken: 't2' },
    ]);
    expect(personalize.commandCalls(CreateDatasetImportJobCommand)).toHaveLength(0);
  });

  test('no such job: CreateDatasetImportJob FULL of the configured source, with the exact parameters', async () => {
    personalize.on(ListDatasetImportJobsCommand).resolves({ datasetImportJobs: [], ...meta });
    personalize.on(CreateDatasetImportJobCommand).resolves({ datasetImportJobArn: `${A}:dataset-import-job/shop-20261123-users-2222cccc`, ...meta });
    const out = await acts.startDatasetFileImport({ pipeline: 'shop', kind: 'users', jobName: 'shop-20261123-users-2222cccc' });
    expect(out.jobArn).toBe(`${A}:dataset-import-job/shop-20261123-users-2222cccc`);
    const sent: CreateDatasetImportJobCommandInput = personalize.commandCalls(CreateDatasetImportJobCommand)[0]!.args[0].input;
    expect(sent).toEqual({
      jobName: 'shop-20261123-users-2222cccc',
      datasetArn: USERS,
      dataSource: { dataLocation: 's3://catalog/users.csv' },
      roleArn: ROLE,
      importMode: 'FULL',
    });
  });
});

describe('readDatasetSource', () => {
  const body = (text: string) => ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];
  const listing = (etagB: string) => ({
    Contents: [
      { Key: 'items/', Size: 0, ETag: '"d41d"', LastModified: new Date('2026-11-01T00:00:00Z') },
      { Key: 'items/a.csv', Size: 100, ETag: '"e1"', LastModified: new Date('2026-11-01T00:00:00Z') },
      { Key: 'items/b.csv', Size: 50, ETag: etagB, LastModified: new Date('2026-11-02T00:00:00Z') },
    ],
    IsTruncated: false,
    ...meta,
  });

  test('a folder: ListObjectsV2 of its objects; a new ETag is a new fingerprint; the last import read from the work prefix', async () => {
    const lists: ListObjectsV2CommandInput[] = [];
    let etag = '"e2"';
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => (lists.push({ ...input }), listing(etag)));
    s3.on(GetObjectCommand, { Bucket: 'bucket', Key: 'work/runs/dataset-items.json' }).resolves({ Body: body(JSON.stringify({ fingerprint: 'old' })), ...meta });
    const first = await acts.readDatasetSource({ pipeline: 'shop', kind: 'items' });
    expect(lists).toEqual([{ Bucket: 'catalog', Prefix: 'items/', Delimiter: '/' }]);
    expect(first.version).toMatchObject({ objects: 2, bytes: 150 });
    expect(first.last).toEqual({ fingerprint: 'old' });
    expect((await acts.readDatasetSource({ pipeline: 'shop', kind: 'items' })).version.fingerprint).toBe(first.version.fingerprint);
    etag = '"e3"';
    expect((await acts.readDatasetSource({ pipeline: 'shop', kind: 'items' })).version.fingerprint).not.toBe(first.version.fingerprint);
  });

  test('a file: HeadObject; a missing file is an empty source (the phase fails with the setting to fix), never imported', async () => {
    s3.on(HeadObjectCommand, { Bucket: 'catalog', Key: 'users.csv' }).resolves({ ContentLength: 42, ETag: '"u1"', LastModified: new Date('2026-11-03T00:00:00Z'), ...meta });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    const found = await acts.readDatasetSource({ pipeline: 'shop', kind: 'users' });
    expect(found).toMatchObject({ version: { objects: 1, bytes: 42 }, last: null });
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'catalog', Key: 'users.csv' });

    s3.reset();
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    expect((await acts.readDatasetSource({ pipeline: 'shop', kind: 'users' })).version).toMatchObject({ objects: 0, bytes: 0 });
  });
});

describe('describeRecommender', () => {
  test('DescribeRecommender of the configured ARN: status, modelMetrics, and the model time from an ACTIVE latest update', async () => {
    personalize.on(DescribeRecommenderCommand).resolves({
      recommender: {
        recommenderArn: RECOMMENDER,
        status: 'ACTIVE',
        lastUpdatedDateTime: new Date('2026-11-20T00:00:00Z'),
        latestRecommenderUpdate: { status: 'ACTIVE', lastUpdatedDateTime: new Date('2026-11-27T03:00:00Z') },
        modelMetrics: { normalized_discounted_cumulative_gain_at_10: 0.31, coverage: 0.2 },
      },
      ...meta,
    });
    expect(await acts.describeRecommender('shop')).toEqual({
      recommenderArn: RECOMMENDER,
      status: 'ACTIVE',
      modelUpdatedAt: '2026-11-27T03:00:00.000Z',
      metrics: { normalized_discounted_cumulative_gain_at_10: 0.31, coverage: 0.2 },
      update: { status: 'ACTIVE' },
    });
    const sent: DescribeRecommenderCommandInput = personalize.commandCalls(DescribeRecommenderCommand)[0]!.args[0].input;
    expect(sent).toEqual({ recommenderArn: RECOMMENDER });
  });

  test('an update in progress does not count as the model time; a failed recommender carries its reason', async () => {
    personalize.on(DescribeRecommenderCommand).resolvesOnce({
      recommender: {
        status: 'ACTIVE',
        lastUpdatedDateTime: new Date('2026-11-20T00:00:00Z'),
        latestRecommenderUpdate: { status: 'CREATE IN_PROGRESS', lastUpdatedDateTime: new Date('2026-11-27T03:00:00Z') },
      },
      ...meta,
    }).resolvesOnce({ recommender: { status: 'CREATE FAILED', failureReason: 'not enough interactions' }, ...meta });
    expect(await acts.describeRecommender('shop')).toMatchObject({ modelUpdatedAt: '2026-11-20T00:00:00.000Z', metrics: {}, update: { status: 'CREATE IN_PROGRESS' } });
    expect(await acts.describeRecommender('shop')).toMatchObject({ status: 'CREATE FAILED', failureReason: 'not enough interactions', modelUpdatedAt: null });
  });
});
