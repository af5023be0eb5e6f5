import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { BASELINE_PREFIX, LocalRecommender, localArns } from '../../activities/local/recommender';
import { readTable, rowCount, type InteractionTable } from '../../activities/local/recommender/table';
import { structuredInteractions } from '../bench/training';
import { until } from '../helpers/until';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

const { datasetArn: DATASET, solutionArn: SOLUTION, campaignArn: CAMPAIGN } = localArns('shop');
const made: LocalRecommender[] = [];

afterAll(async () => {
  for (const r of made) await r.close();
  removeScratchDirs();
});

function tmp(): string {
  return scratchDir('po-rec-');
}

function recommender(stateDir: string, opts: { minTrainingMs?: number; deployMs?: number } = {}): LocalRecommender {
  const r = new LocalRecommender({ stateDir, ...opts });
  made.push(r);
  return r;
}

function csvOf(t: InteractionTable, from = 0, to = rowCount(t)): string {
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let r = from; r < to; r++) lines.push(`${t.users[t.user[r]!]},${t.items[t.item[r]!]},${t.eventTypes[t.eventType[r]!]},${t.value[r]},${t.ts[r]}`);
  return `${lines.join('\n')}\n`;
}

function writeCsv(dir: string, name: string, body: string): string {
  fs.writeFileSync(path.join(dir, name), body);
  return `file://${path.join(dir, name)}`;
}

const DATA = structuredInteractions({ interactions: 6000, users: 300, items: 120, groups: 4, affinity: 0.85, seed: 11 });

/** Polls like the workflow does, recording each distinct status in order. */

function datasetRows(stateDir: string): number {
  const d = JSON.parse(fs.readFileSync(path.join(stateDir, 'datasets', 'shop__INTERACTIONS.json'), 'utf8')) as { tableFile: string };
  return rowCount(readTable(d.tableFile));
}

async function imported(rec: LocalRecommender, dir: string, jobName = 'imp', csv = csvOf(DATA)): Promise<void> {
  const { jobArn } = await rec.startImport({ jobName, datasetArn: DATASET, dataLocation: writeCsv(dir, `${jobName}.csv`, csv), importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status !== 'CREATE PENDING' && s.status !== 'CREATE IN_PROGRESS');
}

async function trained(rec: LocalRecommender, name: string): Promise<string> {
  const { solutionVersionArn } = await rec.startSolutionVersion({ name, solutionArn: SOLUTION, trainingMode: 'FULL' });
  await until(() => rec.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'ACTIVE');
  return solutionVersionArn;
}

test('import: asynchronous statuses in order, idempotent by job name, FULL replaces and INCREMENTAL appends', async () => {
  const dir = tmp();
  const stateDir = path.join(dir, 'state');
  const rec = recommender(stateDir);
  const a = writeCsv(dir, 'a.csv', csvOf(DATA, 0, 3000));
  const first = await rec.startImport({ jobName: 'imp-1', datasetArn: DATASET, dataLocation: a, importMode: 'FULL' });
  expect(first.jobArn).toBe('arn:aws:personalize:local:000000000000:dataset-import-job/imp-1');
  const again = await rec.startImport({ jobName: 'imp-1', datasetArn: DATASET, dataLocation: a, importMode: 'FULL' });
  expect(again.jobArn).toBe(first.jobArn);
  const seen: string[] = [];
  await until(() => rec.describeImport(first.jobArn), (s) => s.status === 'ACTIVE', seen);
  expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
  expect(rec.counts().imports).toBe(1);
  expect(datasetRows(stateDir)).toBe(3000);

  // 2,000 new rows, 500 of which repeat rows already imported (same user, item, type, time).
  const b = writeCsv(dir, 'b.csv', csvOf(DATA, 2500, 4500));
  const inc = await rec.startImport({ jobName: 'imp-2', datasetArn: DATASET, dataLocation: b, importMode: 'INCREMENTAL' });
  await until(() => rec.describeImport(inc.jobArn), (s) => s.status === 'ACTIVE');
  expect(datasetRows(stateDir)).toBe(4500);

  const full = await rec.startImport({ jobName: 'imp-3', datasetArn: DATASET, dataLocation: b, importMode: 'FULL' });
  await until(() => rec.describeImport(full.jobArn), (s) => s.status === 'ACTIVE');
  expect(datasetRows(stateDir)).toBe(2000);
  expect(rec.counts().imports).toBe(3);
  expect(fs.readdirSync(path.join(stateDir, 'tables'))).toEqual(['imp-3.json']); // replaced bulk data is removed
});

test('an import below 1,000 records fails with CREATE FAILED, and INCREMENTAL needs a bulk import first', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'));
  const { jobArn } = await rec.startImport({ jobName: 'small', datasetArn: DATASET, dataLocation: writeCsv(dir, 's.csv', csvOf(DATA, 0, 999)), importMode: 'FULL' });
  const s = await until(() => rec.describeImport(jobArn), (x) => x.status === 'CREATE FAILED');
  expect(s.reason).toMatch(/at least 1000 interactions records/);
  const err = await rec.startImport({ jobName: 'inc', datasetArn: DATASET, dataLocation: writeCsv(dir, 'i.csv', csvOf(DATA, 0, 1500)), importMode: 'INCREMENTAL' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('InvalidInputException');
});

test('training: statuses in order, Personalize-named metrics plus the baseline, idempotent by name, deterministic', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'));
  await imported(rec, dir);
  const { solutionVersionArn } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  expect(solutionVersionArn).toMatch(/^arn:aws:personalize:local:000000000000:solution\/shop\/[0-9a-f]{8}$/);
  expect((await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' })).solutionVersionArn).toBe(solutionVersionArn);
  const seen: string[] = [];
  await until(() => rec.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'ACTIVE', seen);
  expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
  expect(rec.counts().solutionVersions).toBe(1);

  const metrics = await rec.getSolutionMetrics(solutionVersionArn);
  for (const name of ['precision_at_25', 'normalized_discounted_cumulative_gain_at_10', 'mean_reciprocal_rank_at_25', 'coverage']) {
    expect(metrics[name]).toEqual(expect.any(Number));
    expect(metrics[`${BASELINE_PREFIX}${name}`]).toEqual(expect.any(Number));
  }
  const ndcg = 'normalized_discounted_cumulative_gain_at_10';
  expect(metrics[ndcg]).toBeGreaterThan(metrics[`${BASELINE_PREFIX}${ndcg}`]!);
  expect(await rec.getSolutionMetrics(await trained(rec, 'v2'))).toEqual(metrics); // same data, same metrics
});

test('a training in progress survives a restart: a new instance finishes it, to the same result', async () => {
  const dir = tmp();
  const stateDir = path.join(dir, 'state');
  const first = recommender(stateDir, { minTrainingMs: 60_000 });
  await imported(first, dir);
  const reference = await first.getSolutionMetrics(await trained(recommender(stateDir), 'reference'));
  const { solutionVersionArn } = await first.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  await until(() => first.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'CREATE IN_PROGRESS');
  await first.close(); // the worker goes away mid-training
  expect((await first.describeSolutionVersion(solutionVersionArn)).status).toBe('CREATE IN_PROGRESS');

  const second = recommender(stateDir);
  await until(() => second.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'ACTIVE');
  expect(await second.getSolutionMetrics(solutionVersionArn)).toEqual(reference);
  expect(second.counts().solutionVersions).toBe(2);
});

test('a job with a live runner is not started twice by another instance', async () => {
  const dir = tmp();
  const stateDir = path.join(dir, 'state');
  const first = recommender(stateDir, { minTrainingMs: 1500 });
  await imported(first, dir);
  const { solutionVersionArn } = await first.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  const second = recommender(stateDir);
  await until(() => second.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'CREATE IN_PROGRESS');
  await second.idle(); // the second instance owns nothing: nothing to wait for
  expect((await second.describeSolutionVersion(solutionVersionArn)).status).toBe('CREATE IN_PROGRESS');
  await until(() => second.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'ACTIVE');
});

test('stop: a pending version ends CREATE STOPPED, a running one goes through CREATE STOPPING; finished ones stay', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'), { minTrainingMs: 60_000 });
  await imported(rec, dir);
  const pending = (await rec.startSolutionVersion({ name: 'p', solutionArn: SOLUTION, trainingMode: 'FULL' })).solutionVersionArn;
  await rec.stopSolutionVersion(pending);
  expect((await rec.describeSolutionVersion(pending)).status).toBe('CREATE STOPPED');

  const running = (await rec.startSolutionVersion({ name: 'r', solutionArn: SOLUTION, trainingMode: 'FULL' })).solutionVersionArn;
  await until(() => rec.describeSolutionVersion(running), (s) => s.status === 'CREATE IN_PROGRESS');
  const seen: string[] = [];
  const stopping = rec.stopSolutionVersion(running);
  await until(() => rec.describeSolutionVersion(running), (s) => s.status === 'CREATE STOPPED', seen);
  await stopping;
  expect(['CREATE IN_PROGRESS', 'CREATE STOPPING', 'CREATE STOPPED']).toEqual(expect.arrayContaining(seen));
  await rec.idle();
  expect((await rec.describeSolutionVersion(running)).status).toBe('CREATE STOPPED');
  const err = await rec.getSolutionMetrics(running).catch((e: ApplicationFailure) => e);
  expect((err as ApplicationFailure).type).toBe('ResourceInUseException');
});

test('stopping a finished version leaves it ACTIVE', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'));
  await imported(rec, dir);
  const v = await trained(rec, 'done');
  await rec.stopSolutionVersion(v);
  expect((await rec.describeSolutionVersion(v)).status).toBe('ACTIVE');
});

test('campaign: latestCampaignUpdate goes PENDING → ACTIVE before the version switches; a non-active version fails', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'), { deployMs: 300 });
  await imported(rec, dir);
  const v1 = await trained(rec, 'v1');

  expect(await rec.describeCampaign(CAMPAIGN)).toMatchObject({ campaignArn: CAMPAIGN, status: 'ACTIVE', solutionVersionArn: null });
  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: v1, minProvisionedTPS: 3, campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } } });
  const during = await rec.describeCampaign(CAMPAIGN);
  expect(during.latestUpdate).toMatchObject({ solutionVersionArn: v1, status: 'CREATE PENDING' });
  expect(during.solutionVersionArn).toBeNull(); // not switched yet
  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: v1, minProvisionedTPS: 3 }); // a retry of the same update is accepted
  const seen: string[] = [];
  const c = await until(async () => ({ ...(await rec.describeCampaign(CAMPAIGN)), status: (await rec.describeCampaign(CAMPAIGN)).latestUpdate?.status }), (x) => x.status === 'ACTIVE', seen);
  expect(seen).toEqual(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE']);
  expect(c).toMatchObject({ solutionVersionArn: v1, minProvisionedTPS: 3, campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } } });

  const v2 = await trained(rec, 'v2');
  const stopped = (await rec.startSolutionVersion({ name: 'never', solutionArn: SOLUTION, trainingMode: 'FULL' })).solutionVersionArn;
  await rec.stopSolutionVersion(stopped);
  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: stopped, minProvisionedTPS: 3 });
  const other = await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: v2, minProvisionedTPS: 3 }).catch((e: unknown) => e);
  expect((other as ApplicationFailure).type).toBe('ResourceInUseException'); // one update at a time
  const failed = await until(() => rec.describeCampaign(CAMPAIGN), (x) => x.latestUpdate?.status === 'CREATE FAILED');
  expect(failed.latestUpdate?.failureReason).toMatch(/CREATE STOPPED, not ACTIVE/);
  expect(failed.solutionVersionArn).toBe(v1); // the old version keeps serving
  expect((await rec.recommend(CAMPAIGN, 'u1')).solutionVersionArn).toBe(v1);
  expect(rec.campaignUpdates(CAMPAIGN)).toHaveLength(2);
});

test('recommend: the active version ranks unseen items; unknown users get popular items', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'));
  await imported(rec, dir);
  const v = await trained(rec, 'v1');
  await expect(rec.recommend(CAMPAIGN, 'u1')).rejects.toThrow(/no deployed solution version/);
  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: v, minProvisionedTPS: 1 });
  await until(() => rec.describeCampaign(CAMPAIGN), (x) => x.latestUpdate?.status === 'ACTIVE');

  const seenByU1 = new Set<string>();
  for (let r = 0; r < rowCount(DATA); r++) if (DATA.users[DATA.user[r]!] === 'u1') seenByU1.add(DATA.items[DATA.item[r]!]!);
  const recs = await rec.recommend(CAMPAIGN, 'u1', 10);
  expect(recs.solutionVersionArn).toBe(v);
  expect(recs.itemList).toHaveLength(10);
  expect(recs.itemList.filter((i) => seenByU1.has(i.itemId))).toEqual([]);
  // u1 is in taste group 1 (u % 4): most recommendations come from that group's items (i % 4 === 1).
  expect(recs.itemList.filter((i) => Number(i.itemId.slice(1)) % 4 === 1).length).toBeGreaterThanOrEqual(7);

  const cold = await rec.recommend(CAMPAIGN, 'someone-new', 5);
  expect(cold.itemList.map((i) => i.score)).toEqual([0, 0, 0, 0, 0]);
  expect(new Set(cold.itemList.map((i) => i.itemId)).size).toBe(5);
});

test('recorded events reach the next training and are kept across a FULL import', async () => {
  const dir = tmp();
  const rec = recommender(path.join(dir, 'state'));
  await imported(rec, dir, 'imp-1', csvOf(DATA, 0, 3000));
  const events = Array.from({ length: 40 }, (_, n) => ({ kind: 'event', trackingId: 't', sessionId: 's', userId: `rt${n % 4}`, eventType: 'click', itemId: `i${n}`, sentAt: 1_800_000_000_000 + n, eventValue: 100 }));
  await rec.recordEvents([...events, { kind: 'user', datasetArn: DATASET, userId: 'rt0' }]);
  expect(rec.readEvents()).toHaveLength(41);
  const trainedOn = async (name: string) => {
    const v = await trained(rec, name);
    return JSON.parse(fs.readFileSync(path.join(dir, 'state', 'versions', `${v.split('/').pop()}.json`), 'utf8')).trainedOn as number;
  };
  expect(await trainedOn('v1')).toBe(3000 + 40);
  await imported(rec, dir, 'imp-2', csvOf(DATA, 3000, 5000));
  expect(await trainedOn('v2')).toBe(2000 + 40);
});
