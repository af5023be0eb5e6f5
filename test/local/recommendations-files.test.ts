import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { createActivities, type PipelineRegistry } from '../../activities';
import { recommendationIdFor } from '../../activities/messaging/message-ids';
import { FileObjectStore } from '../../activities/local/store';
import type { PipelinePorts } from '../../activities/ports';
import { settingsFor } from '../fixtures/fake-aws';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

const dir = scratchDir('po-recs-');
const store = new FileObjectStore();
const settings = settingsFor('shop', { workPrefix: `${dir}/work/` });
const pipelines: PipelineRegistry = { list: () => ['shop'], settings: () => settings, ports: () => ({ store }) as unknown as PipelinePorts };
const acts = createActivities({ pipelines });
const write = (name: string, body: string) => (fs.writeFileSync(path.join(dir, name), body), path.join(dir, name));
const read = (p: string) => fs.readFileSync(p, 'utf8');

test('the window audience: each user of the interactions file once', async () => {
  const csv = write('interactions.csv', 'USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP\nu1,i1,click,1,10\nu2,i1,click,1,11\nu1,i2,open,1,12\n"u,3",i3,open,1,13\n');
  const inputUri = path.join(dir, 'w', 'users.json');
  expect(await acts.prepareRecommendationAudience({ pipeline: 'shop', audience: { kind: 'window', interactionsUri: csv }, inputUri })).toEqual({ users: 3 });
  expect(read(inputUri)).toBe('{"userId":"u1"}\n{"userId":"u2"}\n{"userId":"u,3"}\n');
});

test('a users file as JSON Lines, as a CSV with USER_ID, or one id per line', async () => {
  const out = path.join(dir, 'f', 'users.json');
  for (const [name, body] of [
    ['a.jsonl', '{"userId":"a"}\n{"userId":"b"}\n'],
    ['b.csv', 'USER_ID,AGE\na,31\n"b",40\n'],
    ['c.txt', 'a\nb\n\n'],
  ] as const) {
    expect(await acts.prepareRecommendationAudience({ pipeline: 'shop', audience: { kind: 'file', uri: write(name, body) }, inputUri: out })).toEqual({ users: 2 });
    expect(read(out)).toBe('{"userId":"a"}\n{"userId":"b"}\n');
  }
  await expect(acts.prepareRecommendationAudience({ pipeline: 'shop', audience: { kind: 'file', uri: path.join(dir, 'missing.csv') }, inputUri: out })).rejects.toMatchObject({ type: 'AudienceNotFound', nonRetryable: true });
  await expect(acts.prepareRecommendationAudience({ pipeline: 'shop', audience: { kind: 'file', uri: write('e.txt', '\n') }, inputUri: out })).rejects.toMatchObject({ type: 'EmptyAudience' });
  await expect(acts.prepareRecommendationAudience({ pipeline: 'shop', audience: { kind: 'last-run' }, inputUri: out })).rejects.toMatchObject({ type: 'NoWindowYet' });
});

test('the batch output becomes JSON Lines and CSV rows with the recommendation id of (run, user); errors are left out and counted', async () => {
  const batch = write(
    'users.json.out',
    [
      '{"input":{"userId":"u1"},"output":{"recommendedItems":["i9","i3"],"scores":[0.5,0.25]},"error":null}',
      '{"input":{"userId":"u2"},"output":{"recommendedItems":[],"scores":[]},"error":"User not found"}',
      '{"input":{"userId":"u,3"},"output":{"recommendedItems":["i\\"x"],"scores":[0.1]},"error":null}',
      '{"input":',
    ].join('\n')
  );
  const jsonlUri = path.join(dir, 'out', 'recommendations.jsonl');
  const csvUri = path.join(dir, 'out', 'recommendations.csv');
  const counts = await acts.convertRecommendations({ pipeline: 'shop', key: 'shop-2026-11-23', batchOutputUri: batch, jsonlUri, csvUri });
  expect(counts).toEqual({ users: 2, errors: 1, unreadable: 1 });
  const rows = read(jsonlUri).trim().split('\n').map((l) => JSON.parse(l) as unknown);
  expect(rows).toEqual([
    { userId: 'u1', recommendationId: recommendationIdFor('shop-2026-11-23', 'u1'), itemIds: ['i9', 'i3'], scores: [0.5, 0.25] },
    { userId: 'u,3', recommendationId: recommendationIdFor('shop-2026-11-23', 'u,3'), itemIds: ['i"x'], scores: [0.1] },
  ]);
  expect(parse(read(csvUri), { columns: true })).toEqual([
    { USER_ID: 'u1', RECOMMENDATION_ID: recommendationIdFor('shop-2026-11-23', 'u1'), ITEM_IDS: 'i9|i3', SCORES: '0.5|0.25' },
    { USER_ID: 'u,3', RECOMMENDATION_ID: recommendationIdFor('shop-2026-11-23', 'u,3'), ITEM_IDS: 'i"x', SCORES: '0.1' },
  ]);
  // Converting again (a retried activity) writes the same files.
  const before = read(csvUri);
  await acts.convertRecommendations({ pipeline: 'shop', key: 'shop-2026-11-23', batchOutputUri: batch, jsonlUri, csvUri });
  expect(read(csvUri)).toBe(before);
});
