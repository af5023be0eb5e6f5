import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { S3ObjectStore, parseS3Uri } from '../../activities/aws/s3';

const s3 = mockClient(S3Client);
const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }));
const meta = { $metadata: {} };

beforeEach(() => s3.reset());

/** A GetObject body as the SDK gives it: a stream with transformToString. */
function body(text: string): GetObjectCommandOutput['Body'] {
  return Object.assign(Readable.from([Buffer.from(text)]), {
    transformToString: async () => text,
  }) as unknown as GetObjectCommandOutput['Body'];
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

test('s3 URIs split into bucket and key; anything else is refused', () => {
  expect(parseS3Uri('s3://b/runs/2026-11-23/interactions.csv')).toEqual({
    Bucket: 'b',
    Key: 'runs/2026-11-23/interactions.csv',
  });
  expect(() => parseS3Uri('s3://b')).toThrow(/s3:\/\/bucket\/key/);
  expect(() => parseS3Uri('file:///tmp/x')).toThrow(/s3:\/\/bucket\/key/);
});

describe('getText', () => {
  test('reads the object as UTF-8', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('{"runKey":"r"}') });
    expect(await store.getText('s3://b/runs/last-trained.json')).toBe('{"runKey":"r"}');
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'runs/last-trained.json' });
  });

  test.each([
    ['NoSuchKey', new NoSuchKey({ message: 'The specified key does not exist.', ...meta })],
    ['a bare 404', Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } })],
  ])('%s reads as null', async (_label, err) => {
    s3.on(GetObjectCommand).rejects(err);
    expect(await store.getText('s3://b/runs/last-trained.json')).toBeNull();
  });

  test('a missing bucket is a config error, not an empty answer', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', ...meta }));
    const f = (await store.getText('s3://nope/k.json').catch((e: unknown) => e)) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('s3:GetObject on s3://nope/k.json');
    expect(f.message).toContain('check the bucket in workPrefix');
  });

  test('access denied is non-retryable and names the permission', async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })
    );
    const f = (await store.getText('s3://b/k.json').catch((e: unknown) => e)) as ApplicationFailure;
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain("the worker's role needs s3:GetObject on s3://b/k.json");
  });

  test('audit: first run without s3:ListBucket: AccessDenied for the missing last-trained.json names s3:ListBucket', async () => {
    // What S3 answers for a key that does not exist when the caller lacks s3:ListBucket.
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      })
    );
    const f = (await store
      .getText('s3://shop-data/work/runs/last-trained.json')
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('grant s3:ListBucket on arn:aws:s3:::shop-data (condition s3:prefix work/runs/*)');
    expect(f.message).toContain('as well as s3:GetObject on s3://shop-data/work/runs/last-trained.json');
  });
});

test('putText writes the string with a content type from the key', async () => {
  s3.on(PutObjectCommand).resolves({});
  await store.putText('s3://b/runs/2026-11-23/summary.json', '{"a":1}');
  expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
    Bucket: 'b',
    Key: 'runs/2026-11-23/summary.json',
    Body: '{"a":1}',
    ContentType: 'application/json',
  });
});

test('openRead streams the body', async () => {
  s3.on(GetObjectCommand).resolves({ Body: body('USER_ID,ITEM_ID\nu1,i1\n') });
  expect(await text(await store.openRead('s3://b/q/q-1.csv'))).toBe('USER_ID,ITEM_ID\nu1,i1\n');
});

describe('write', () => {
  test('a small stream goes up in one PutObject', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.write('s3://b/runs/interactions.csv', Readable.from(['USER_ID,ITEM_ID\n', 'u1,i1\n']));
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: 'b', Key: 'runs/interactions.csv', ContentType: 'text/csv' });
    expect(Buffer.from(input.Body as Uint8Array).toString('utf8')).toBe('USER_ID,ITEM_ID\nu1,i1\n');
  });

  test('a stream larger than a part goes up as a multipart upload, in order', async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber: number }) => ({ ETag: `"etag-${input.PartNumber}"` }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const line = 'u'.repeat(1023) + '\n';
    async function* lines(): AsyncIterable<string> {
      for (let i = 0; i < 6 * 1024; i++) yield line; // 6 MiB: two parts of at most 5 MiB
    }
    await store.write('s3://b/runs/interactions.csv', lines());
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'b',
      Key: 'runs/interactions.csv',
      ContentType: 'text/csv',
    });
    const parts = s3.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.map((p) => p.PartNumber)).toEqual([1, 2]);
    expect(parts.reduce((n, p) => n + (p.Body as Uint8Array).byteLength, 0)).toBe(6 * 1024 * 1024);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input).toMatchObject({
      UploadId: 'up-1',
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"etag-1"' },
          { PartNumber: 2, ETag: '"etag-2"' },
        ],
      },
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('a throttled upload is retryable', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        $metadata: { httpStatusCode: 503 },
      })
    );
    const f = (await store.write('s3://b/k.csv', Readable.from(['x'])).catch((e: unknown) => e)) as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(false);
  });
});

describe('exists', () => {
  test('HeadObject answers true', async () => {
    s3.on(HeadObjectCommand).resolves({});
    expect(await store.exists('s3://b/k.csv')).toBe(true);
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', Key: 'k.csv' });
  });

  test('a 404 answers false', async () => {
    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } })
    );
    expect(await store.exists('s3://b/k.csv')).toBe(false);
  });

  test('a 403 is access denied on s3:GetObject, not "missing"', async () => {
    s3.on(HeadObjectCommand).rejects(
      Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } })
    );
    const f = (await store.exists('s3://b/k.csv').catch((e: unknown) => e)) as ApplicationFailure;
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain("the worker's role needs s3:GetObject on s3://b/k.csv");
    expect(f.message).toContain('grant s3:ListBucket on arn:aws:s3:::b as well');
  });
});

test('list: ListObjectsV2 with the / delimiter, every page, only the objects directly under the prefix', async () => {
  s3.on(ListObjectsV2Command)
    .resolvesOnce({
      ...meta,
      Contents: [{ Key: 'work/runs/shop-2026-11-23.json' }, { Key: 'work/runs/' }],
      CommonPrefixes: [{ Prefix: 'work/runs/2026-11-23/' }],
      IsTruncated: true,
      NextContinuationToken: 't1',
    })
    .resolvesOnce({
      ...meta,
      Contents: [{ Key: 'work/runs/last-trained.json' }, { Key: 'work/runs/shop-2026-11-22.json' }],
      IsTruncated: false,
    });
  expect(await store.list('s3://bucket/work/runs')).toEqual([
    's3://bucket/work/runs/last-trained.json',
    's3://bucket/work/runs/shop-2026-11-22.json',
    's3://bucket/work/runs/shop-2026-11-23.json',
  ]);
  const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
  expect(calls).toEqual([
    { Bucket: 'bucket', Prefix: 'work/runs/', Delimiter: '/' },
    { Bucket: 'bucket', Prefix: 'work/runs/', Delimiter: '/', ContinuationToken: 't1' },
  ]);
});

test('list: a missing bucket is a non-retryable failure naming s3:ListBucket', async () => {
  s3.on(ListObjectsV2Command).rejects(
    new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'The specified bucket does not exist' })
  );
  const err = await store.list('s3://nope/work/runs/').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as Error).message).toMatch(/s3:ListBucket/);
});
