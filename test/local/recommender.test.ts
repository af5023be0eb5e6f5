import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { LocalRecommender, BASELINE_PREFIX } from '../../activities/local/recommender';
import { FileObjectStore } from '../../activities/local/store';
import { rng } from '../../activities/local/generator/pinpoint';

const DATASET = 'arn:aws:personalize:local:000000000000:dataset/shop/INTERACTIONS';
const SOLUTION = 'arn:aws:personalize:local:000000000000:solution/shop';
const CAMPAIGN = 'arn:aws:personalize:local:000000000000:campaign/shop';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'po-rec-'));
}

function writeCsv(dir: string, name: string, rows: number, offset = 0): string {
  const r = rng(rows + offset);
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let n = 0; n < rows; n++) {
    const u = Math.floor(r() * 150);
    const i = (u % 6) + 6 * Math.floor(r() * 15);
    lines.push(`u${u},i${i},_email.open,50,${1_790_000_000 + offset + n * 60}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return `file://${file}`;
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('import: idempotent by job name, asynchronous, FULL replaces, INCREMENTAL appends', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state') });
  const a = writeCsv(dir, 'a.csv', 1500);
  const first = await rec.startImport({ jobName: 'imp-1', datasetArn: DATASET, dataLocation: a, importMode: 'FULL' });
  const again = await rec.startImport({ jobName: 'imp-1', datasetArn: DATASET, dataLocation: a, importMode: 'FULL' });
  expect(again.jobArn).toBe(first.jobArn);
  const seen = new Set<string>();
  const done = await until(async () => {
    const s = await rec.describeImport(first.jobArn);
    seen.add(s.status);
    return s;
  }, (s) => s.status === 'ACTIVE');
  expect(done.status).toBe('ACTIVE');
  expect(rec.counts().imports).toBe(1);

  const b = writeCsv(dir, 'b.csv', 1200, 10_000_000);
  const inc = await rec.startImport({ jobName: 'imp-2', datasetArn: DATASET, dataLocation: b, importMode: 'INCREMENTAL' });
  await until(() => rec.describeImport(inc.jobArn), (s) => s.status === 'ACTIVE');
  const bulk = JSON.parse(fs.readFileSync(path.join(dir, 'state', 'datasets', 'shop_INTERACTIONS', 'bulk.json'), 'utf8')) as unknown[];
  expect(bulk).toHaveLength(2700);

  const full = await rec.startImport({ jobName: 'imp-3', datasetArn: DATASET, dataLocation: b, importMode: 'FULL' });
  await until(() => rec.describeImport(full.jobArn), (s) => s.status === 'ACTIVE');
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'state', 'datasets', 'shop_INTERACTIONS', 'bulk.json'), 'utf8'))).toHaveLength(1200);
});

test('an import below 1,000 records fails as Personalize does', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state') });
  const { jobArn } = await rec.startImport({ jobName: 'small', datasetArn: DATASET, dataLocation: writeCsv(dir, 's.csv', 999), importMode: 'FULL' });
  const s = await until(() => rec.describeImport(jobArn), (x) => x.status === 'CREATE FAILED');
  expect(s.reason).toMatch(/at least 1000/);
});

test('training: statuses in order, metrics with the popularity baseline, idempotent by name', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state'), minTrainingMs: 300 });
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: writeCsv(dir, 'a.csv', 3000), importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  const { solutionVersionArn } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  expect((await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' })).solutionVersionArn).toBe(solutionVersionArn);
  expect(solutionVersionArn).toMatch(/^arn:aws:personalize:local:000000000000:solution\/shop\/[0-9a-f]{8}$/);
  const statuses: string[] = [];
  await until(async () => {
    const s = await rec.describeSolutionVersion(solutionVersionArn);
    if (statuses.at(-1) !== s.status) statuses.push(s.status);
    return s;
  }, (s) => s.status === 'ACTIVE');
  expect(statuses.at(-1)).toBe('ACTIVE');
  expect(statuses).toContain('CREATE IN_PROGRESS');
  await expect(rec.getSolutionMetrics(solutionVersionArn)).resolves.toMatchObject({
    normalized_discounted_cumulative_gain_at_10: expect.any(Number),
    precision_at_25: expect.any(Number),
    mean_reciprocal_rank_at_25: expect.any(Number),
    coverage: expect.any(Number),
    [`${BASELINE_PREFIX}normalized_discounted_cumulative_gain_at_10`]: expect.any(Number),
  });
  expect(rec.counts().solutionVersions).toBe(1);
});

test('a training in progress survives a restart: a new instance on the same state finishes it', async () => {
  const dir = tmp();
  const stateDir = path.join(dir, 'state');
  const first = new LocalRecommender({ stateDir, minTrainingMs: 60_000 });
  const { jobArn } = await first.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: writeCsv(dir, 'a.csv', 3000), importMode: 'FULL' });
  await until(() => first.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  const { solutionVersionArn } = await first.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  await until(() => first.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'CREATE IN_PROGRESS');
  // "Restart": a new process would not know the first one's work; a short minimum lets it finish now.
  const second = new LocalRecommender({ stateDir, minTrainingMs: 0 });
  const s = await until(() => second.describeSolutionVersion(solutionVersionArn), (x) => x.status === 'ACTIVE');
  expect(s.status).toBe('ACTIVE');
  expect(second.counts().solutionVersions).toBe(1);
});

test('stop: a running training ends CREATE STOPPED and never becomes ACTIVE', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state'), minTrainingMs: 500 });
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: writeCsv(dir, 'a.csv', 3000), importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  const { solutionVersionArn } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  await rec.stopSolutionVersion(solutionVersionArn);
  await rec.idle();
  expect((await rec.describeSolutionVersion(solutionVersionArn)).status).toBe('CREATE STOPPED');
  const err = await rec.getSolutionMetrics(solutionVersionArn).catch((e: ApplicationFailure) => e);
  expect((err as ApplicationFailure).type).toBe('ResourceInUseException');
});

test('campaign: latestCampaignUpdate goes IN_PROGRESS → ACTIVE, then serves; a non-active version fails the update', async () => {
  const dir = tmp();
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state'), deployMs: 50 });
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: writeCsv(dir, 'a.csv', 3000), importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  const { solutionVersionArn } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  await until(() => rec.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'ACTIVE');

  expect((await rec.describeCampaign(CAMPAIGN)).solutionVersionArn).toBeNull();
  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn, minProvisionedTPS: 3, campaignConfig: { k: 'v' } });
  expect((await rec.describeCampaign(CAMPAIGN)).latestUpdate?.status).toBe('CREATE IN_PROGRESS');
  const c = await until(() => rec.describeCampaign(CAMPAIGN), (x) => x.latestUpdate?.status === 'ACTIVE');
  expect(c).toMatchObject({ solutionVersionArn, minProvisionedTPS: 3, campaignConfig: { k: 'v' } });
  const recs = await rec.recommend(CAMPAIGN, 'u1', 10);
  expect(recs.itemList).toHaveLength(10);

  await rec.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: `${SOLUTION}/deadbeef`, minProvisionedTPS: 3 });
  const failed = await until(() => rec.describeCampaign(CAMPAIGN), (x) => x.latestUpdate?.status === 'CREATE FAILED');
  expect(failed.latestUpdate?.failureReason).toMatch(/not ACTIVE/);
  expect(failed.solutionVersionArn).toBe(solutionVersionArn); // the old version keeps serving
  expect(rec.campaignUpdates(CAMPAIGN)).toHaveLength(2);
});

test('file store: writes are atomic and missing objects read as null', async () => {
  const dir = tmp();
  const store = new FileObjectStore();
  const uri = `file://${dir}/a/b.json`;
  expect(await store.getText(uri)).toBeNull();
  await store.putText(uri, '{"x":1}');
  expect(await store.getText(uri)).toBe('{"x":1}');
  async function* failing() {
    yield 'partial';
    throw new Error('disk gone');
  }
  await expect(store.write(uri, failing())).rejects.toThrow('disk gone');
  expect(await store.getText(uri)).toBe('{"x":1}'); // the old content survives a failed write
  expect(fs.readdirSync(path.join(dir, 'a'))).toEqual(['b.json']);
});
