/**
 * The S3 event log and delivery ledger against a mocked S3Client: exact request shapes (SDK v3
 * types; PutObject, ListObjectsV2 with StartAfter, GetObject, CopyObject + DeleteObject).
 */
import { mockClient } from 'aws-sdk-client-mock';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { S3DeliveryLedger, S3EventLog } from '../../activities/aws/event-log';

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());
const body = (text: string) => Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];
const rec = (id: string) => ({ messageId: id, type: 'track', receivedAt: '2026-11-23T10:00:00.000Z', event: 'View' });

test('a segment is one PutObject under events/YYYY/MM/DD/HH/, named by time and shard; its reference carries count and bytes', async () => {
  s3.on(PutObjectCommand).resolves({});
  const log = new S3EventLog(new S3Client({ region: 'eu-west-1' }), 's3://shop-data/realtime/shop/');
  const ref = await log.append([rec('a'), rec('b')], { shard: 2 });
  const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
  expect(input).toEqual({ Bucket: 'shop-data', Key: expect.stringMatching(/^realtime\/shop\/events\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{13}-s2-[0-9a-f]{8}-000000\.jsonl$/), Body: `${JSON.stringify(rec('a'))}\n${JSON.stringify(rec('b'))}\n`, ContentType: 'application/x-ndjson' });
  expect(ref).toEqual({ uri: `s3://shop-data/${input.Key}`, count: 2, bytes: Buffer.byteLength(input.Body as string) });
});

test('list starts after a segment (StartAfter), keeps one shard, and pages', async () => {
  const key = (ms: number, shard: number) => `realtime/shop/events/2026/11/23/10/${ms}-s${shard}-abcd1234-000001.jsonl`;
  s3.on(ListObjectsV2Command)
    .resolvesOnce({ Contents: [{ Key: key(1795000000001, 0), Size: 10 }, { Key: key(1795000000002, 1), Size: 11 }], IsTruncated: true, NextContinuationToken: 't1' })
    .resolvesOnce({ Contents: [{ Key: key(1795000000003, 0), Size: 12 }], IsTruncated: false });
  const log = new S3EventLog(new S3Client({ region: 'eu-west-1' }), 's3://shop-data/realtime/shop/');
  const refs = await log.list({ after: `s3://shop-data/${key(1795000000000, 0)}`, shard: 0, limit: 10 });
  expect(refs).toEqual([
    { uri: `s3://shop-data/${key(1795000000001, 0)}`, count: 0, bytes: 10 },
    { uri: `s3://shop-data/${key(1795000000003, 0)}`, count: 0, bytes: 12 },
  ]);
  const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
  expect(calls).toEqual([
    { Bucket: 'shop-data', Prefix: 'realtime/shop/events/', StartAfter: key(1795000000000, 0), MaxKeys: 10 },
    { Bucket: 'shop-data', Prefix: 'realtime/shop/events/', ContinuationToken: 't1', MaxKeys: 9 },
  ]);
});

test('read parses the JSON lines of GetObject; a replayed dead-letter file moves to dead-letters-replayed/', async () => {
  s3.on(GetObjectCommand).resolves({ Body: body(`${JSON.stringify(rec('a'))}\n`) });
  s3.on(CopyObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  const log = new S3EventLog(new S3Client({ region: 'eu-west-1' }), 's3://shop-data/realtime/shop/');
  expect(await log.read({ uri: 's3://shop-data/realtime/shop/events/2026/11/23/10/x.jsonl' })).toEqual([rec('a')]);
  expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'shop-data', Key: 'realtime/shop/events/2026/11/23/10/x.jsonl' });
  await log.markReplayed('s3://shop-data/realtime/shop/dead-letters/2026/11/23/10/d.jsonl');
  expect(s3.commandCalls(CopyObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'shop-data', Key: 'realtime/shop/dead-letters-replayed/2026/11/23/10/d.jsonl', CopySource: 'shop-data%2Frealtime%2Fshop%2Fdead-letters%2F2026%2F11%2F23%2F10%2Fd.jsonl' });
  expect(s3.commandCalls(DeleteObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'shop-data', Key: 'realtime/shop/dead-letters/2026/11/23/10/d.jsonl' });
});

test('the ledger is one object per segment under ledger/, written before (inFlight) and after each call', async () => {
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
  const ledger = new S3DeliveryLedger(new S3Client({ region: 'eu-west-1' }), 's3://shop-data/realtime/shop/');
  const seg = 's3://shop-data/realtime/shop/events/2026/11/23/10/1795000000001-s0-abcd1234-000001.jsonl';
  expect(await ledger.get(seg)).toBeNull();
  await ledger.settle(seg, { callsDone: 1, delivered: 10, deadLettered: 0, done: false });
  await ledger.begin(seg, 1);
  const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  expect(puts.map((p) => p.Key)).toEqual(['realtime/shop/ledger/1795000000001-s0-abcd1234-000001.json', 'realtime/shop/ledger/1795000000001-s0-abcd1234-000001.json']);
  expect(JSON.parse(puts[1]!.Body as string)).toEqual({ callsDone: 1, delivered: 10, deadLettered: 0, done: false, inFlight: 1 });
});
