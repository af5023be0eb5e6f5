/**
 * The local backend's items / users datasets and its recommender mode: metadata imports (adopted by
 * name, FULL), item metadata and the category cold-start fallback in recommendations, content
 * hashes as the local fingerprint, and a recommender that retrains itself on its own schedule so
 * the recommender path waits for a newer model exactly as on Personalize.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalRecommender, localArns } from '../../activities/local/recommender';
import { FileObjectStore } from '../../activities/local/store';
import { fingerprintOf } from '../../activities/datasets';
import { rowCount, type InteractionTable } from '../../activities/local/recommender/table';
import { recommenderModelState } from '../../workflows/recommender-plan';
import { structuredInteractions } from '../bench/training';
import { until } from '../helpers/until';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

const { datasetArn: DATASET, solutionArn: SOLUTION, campaignArn: CAMPAIGN } = localArns('shop');
const ITEMS = DATASET.replace(/INTERACTIONS$/, 'ITEMS');
const USERS = DATASET.replace(/INTERACTIONS$/, 'USERS');
const RECOMMENDER = 'arn:aws:personalize:local:000000000000:recommender/shop';
const DAY = 86_400_000;
const made: LocalRecommender[] = [];
afterAll(async () => {
  for (const r of made) await r.close();
  removeScratchDirs();
});

const tmp = () => scratchDir('po-ds-');
const DATA = structuredInteractions({ interactions: 6000, users: 300, items: 120, groups: 4, affinity: 0.85, seed: 11 });

function csvOf(t: InteractionTable): string {
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let r = 0; r < rowCount(t); r++) lines.push(`${t.users[t.user[r]!]},${t.items[t.item[r]!]},${t.eventTypes[t.eventType[r]!]},${t.value[r]},${t.ts[r]}`);
  return `${lines.join('\n')}\n`;
}
function write(dir: string, name: string, body: string): string {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  fs.writeFileSync(path.join(dir, name), body);
  return `file://${path.join(dir, name)}`;
}
const finished = (s: { status: string }) => s.status !== 'CREATE PENDING' && s.status !== 'CREATE IN_PROGRESS';

async function importInto(rec: LocalRecommender, datasetArn: string, jobName: string, dataLocation: string) {
  const { jobArn } = await rec.startImport({ jobName, datasetArn, dataLocation, importMode: 'FULL' });
  return until(() => rec.describeImport(jobArn), finished);
}

/** Items i0…i119 in categories g0…g3 (item % 4, as the generator groups them), plus two new items nobody interacted with. */
function itemsCsv(): string {
  const lines = ['ITEM_ID,CATEGORY_L1,PRICE,CREATION_TIMESTAMP'];
  for (let i = 0; i < 120; i++) lines.push(`i${i},g${i % 4},${10 + i},1700000000`);
  lines.push('i500,g0,99,1790000000', 'i501,g1,98,1790000000');
  return `${lines.join('\n')}\n`;
}

test('items and users imports: metadata read, adopted by name, a file without its id column fails with the reason', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state') });
  made.push(rec);
  expect(await rec.findImport({ datasetArn: ITEMS, jobName: 'shop-20261123-items-aaaa' })).toBeNull();
  expect(await importInto(rec, ITEMS, 'shop-20261123-items-aaaa', write(dir, 'catalog/items.csv', itemsCsv()))).toEqual({ status: 'ACTIVE' });
  expect(await rec.findImport({ datasetArn: ITEMS, jobName: 'shop-20261123-items-aaaa' })).toEqual({ jobArn: expect.stringContaining('dataset-import-job/shop-20261123-items-aaaa'), status: 'ACTIVE' });
  // Same name, another dataset: not this job.
  expect(await rec.findImport({ datasetArn: USERS, jobName: 'shop-20261123-items-aaaa' })).toBeNull();
  // A folder: every .csv in it.
  write(dir, 'users/a.csv', 'USER_ID,TIER\nu1,gold\n');
  write(dir, 'users/b.csv', 'USER_ID,TIER\nu2,silver\n');
  expect(await importInto(rec, USERS, 'shop-20261123-users-bbbb', `file://${dir}/users/`)).toEqual({ status: 'ACTIVE' });
  const bad = await importInto(rec, USERS, 'shop-20261124-users-cccc', write(dir, 'bad.csv', 'ID,TIER\nu1,gold\n'));
  expect(bad).toMatchObject({ status: 'CREATE FAILED', reason: expect.stringMatching(/has no USER_ID column/) });
});

test('recommendations carry item metadata, and a new item is recommended after its category\'s best-ranked item', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state'), deployMs: 0 });
  made.push(rec);
  expect(await importInto(rec, DATASET, 'imp', write(dir, 'i.csv', csvOf(DATA)))).toEqual({ status: 'ACTIVE' });
  const { solutionVersionArn } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  await until(() => rec.describeSolutionVersion(solutionVersionArn), finished);
  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn, minProvisionedTPS: 1 });
  await until(() => rec.describeCampaign(CAMPAIGN), (c) => c.latestUpdate?.status === 'ACTIVE');

  const before = await rec.recommend(CAMPAIGN, 'u0', 10);
  expect(before.itemList.map((x) => x.itemId)).not.toContain('i500');

  await importInto(rec, ITEMS, 'items-1', write(dir, 'items.csv', itemsCsv()));
  const after = await rec.recommend(CAMPAIGN, 'u0', 10, { metadataColumns: ['CATEGORY_L1', 'PRICE'] });
  const ids = after.itemList.map((x) => x.itemId);
  expect(ids).toHaveLength(10);
  const firstG0 = after.itemList.findIndex((x) => x.metadata?.CATEGORY_L1 === 'g0');
  expect(firstG0).toBeGreaterThanOrEqual(0);
  expect(ids[firstG0 + 1]).toBe('i500');
  expect(after.itemList[firstG0 + 1]).toEqual({ itemId: 'i500', score: after.itemList[firstG0]!.score, metadata: { CATEGORY_L1: 'g0', PRICE: '99' } });
  expect(after.itemList[0]!.metadata).toEqual({ CATEGORY_L1: expect.stringMatching(/^g\d$/), PRICE: expect.any(String) });
  // The ranking of the known items is kept: the list is the old one with the new item put in.
  expect(ids.filter((i) => i !== 'i500')).toEqual(before.itemList.map((x) => x.itemId).slice(0, 9));
  // An unknown user gets the popularity fallback, new items of its categories included.
  expect((await rec.recommend(CAMPAIGN, 'nobody', 10)).itemList.map((x) => x.itemId).some((i) => i === 'i500' || i === 'i501')).toBe(true);
});

test('local fingerprint: a content hash per file; the same bytes rewritten are no change, an edit or a new file is', async () => {
  const dir = tmp();
  const store = new FileObjectStore();
  write(dir, 'items/a.csv', 'ITEM_ID\ni1\n');
  const fp = async (uri: string) => fingerprintOf(await store.objectVersions(uri));
  const first = await fp(`file://${dir}/items/`);
  expect(first).toMatchObject({ objects: 1, bytes: 11 });
  write(dir, 'items/a.csv', 'ITEM_ID\ni1\n');
  expect((await fp(`file://${dir}/items/`)).fingerprint).toBe(first.fingerprint);
  write(dir, 'items/a.csv', 'ITEM_ID\ni2\n');
  const edited = await fp(`file://${dir}/items/`);
  expect(edited.fingerprint).not.toBe(first.fingerprint);
  write(dir, 'items/b.csv', 'ITEM_ID\ni3\n');
  expect((await fp(`file://${dir}/items/`)).fingerprint).not.toBe(edited.fingerprint);
  expect(await fp(`file://${dir}/items/a.csv`)).toMatchObject({ objects: 1 });
  expect(await fp(`file://${dir}/missing.csv`)).toMatchObject({ objects: 0, bytes: 0 });
});

test('recommender mode: trains itself once data is imported, then again on its schedule; the path sees each new model', async () => {
  const dir = tmp();
  let now = Date.parse('2026-11-20T00:00:00Z');
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state'), clock: () => now, recommenderRetrainMs: 7 * DAY });
  made.push(rec);
  expect(await rec.describeRecommender(RECOMMENDER)).toMatchObject({ status: 'CREATE IN_PROGRESS', modelUpdatedAt: null, metrics: {} });
  await importInto(rec, DATASET, 'imp', write(dir, 'i.csv', csvOf(DATA)));
  const first = await until(() => rec.describeRecommender(RECOMMENDER), (r) => r.status === 'ACTIVE');
  expect(first.modelUpdatedAt).toBe('2026-11-20T00:00:00.000Z');
  expect(first.metrics.normalized_discounted_cumulative_gain_at_10).toBeGreaterThan(0);
  const record = { recommenderArn: RECOMMENDER, modelUpdatedAt: first.modelUpdatedAt, metrics: first.metrics, runKey: 'shop-2026-11-20' };

  // Six days on: not due, the same model, and the path keeps waiting.
  now += 6 * DAY;
  const same = await rec.describeRecommender(RECOMMENDER);
  expect(same).toMatchObject({ status: 'ACTIVE', modelUpdatedAt: first.modelUpdatedAt });
  expect(recommenderModelState(same, record)).toEqual({ state: 'pending', status: 'WAITING FOR THE NEXT MODEL' });
  expect(rec.counts().solutionVersions).toBe(1);

  // The seventh day: it retrains (an update in progress), then serves the new model.
  now += DAY;
  expect(await rec.describeRecommender(RECOMMENDER)).toMatchObject({ status: 'ACTIVE', update: { status: 'CREATE IN_PROGRESS' } });
  const next = await until(() => rec.describeRecommender(RECOMMENDER), (r) => !r.update);
  expect(next.modelUpdatedAt).toBe('2026-11-27T00:00:00.000Z');
  expect(recommenderModelState(next, record)).toEqual({ state: 'succeeded', status: 'ACTIVE' });
  expect(rec.counts().solutionVersions).toBe(2);
});
