import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBatchOutput, writeBatchInput } from '../../activities/batch-inference-files';
import { LocalBatchInference } from '../../activities/local/batch-inference';
import { LocalRecommender, localArns } from '../../activities/local/recommender';
import { FileObjectStore } from '../../activities/local/store';
import type { BatchRecommendation } from '../../activities/ports';
import { mapBatchInferenceJobStatus } from '../../common/job-status';
import { structuredInteractions } from '../bench/training';
import { failure } from '../helpers/failures';
import { until } from '../helpers/until';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

const { datasetArn: DATASET, solutionArn: SOLUTION } = localArns('shop');
const DATA = structuredInteractions({ interactions: 6000, users: 300, items: 120, groups: 4, affinity: 0.85, seed: 11 });
const store = new FileObjectStore();

let dir: string;
let stateDir: string;
let rec: LocalRecommender;
let version: string;


const finished = (o: { status: string }) => mapBatchInferenceJobStatus(o).state !== 'pending';

/** What each user interacted with in the training data. */
function seenBy(): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (let r = 0; r < DATA.ts.length; r++) {
    const u = DATA.users[DATA.user[r]!]!;
    if (!m.has(u)) m.set(u, new Set());
    m.get(u)!.add(DATA.items[DATA.item[r]!]!);
  }
  return m;
}

async function output(uri: string): Promise<BatchRecommendation[]> {
  const got: BatchRecommendation[] = [];
  await readBatchOutput(store, uri, (r) => void got.push(r));
  return got;
}

beforeAll(async () => {
  dir = scratchDir('po-batch-');
  stateDir = path.join(dir, 'state');
  rec = new LocalRecommender({ stateDir });
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let r = 0; r < DATA.ts.length; r++) lines.push(`${DATA.users[DATA.user[r]!]},${DATA.items[DATA.item[r]!]},${DATA.eventTypes[DATA.eventType[r]!]},${DATA.value[r]},${DATA.ts[r]}`);
  fs.writeFileSync(path.join(dir, 'i.csv'), `${lines.join('\n')}\n`);
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: `file://${dir}/i.csv`, importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  version = (await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' })).solutionVersionArn;
  await until(() => rec.describeSolutionVersion(version), (s) => s.status === 'ACTIVE');
}, 60_000);

afterAll(async () => {
  await rec.close();
  removeScratchDirs();
});

test('a job: statuses in order, idempotent by name, Personalize output format with the known and unknown users', async () => {
  const batch = new LocalBatchInference({ recommender: rec, stateDir });
  const users = [DATA.users[0]!, DATA.users[1]!, 'never-seen-user', DATA.users[2]!];
  const inputUri = `file://${dir}/in/users.json`;
  await writeBatchInput(store, inputUri, users);
  const req = { jobName: 'shop-recommend', solutionVersionArn: version, inputUri, outputPrefix: `file://${dir}/out/`, numResults: 7 };
  const { jobArn } = await batch.startBatchInference(req);
  expect(jobArn).toBe('arn:aws:personalize:local:000000000000:batch-inference-job/shop-recommend');
  expect(await batch.startBatchInference(req)).toEqual({ jobArn });
  const seen: string[] = [];
  const done = await until(() => batch.describeBatchInference(jobArn), finished, seen);
  // A few users take less than a poll: IN_PROGRESS may pass unseen.
  expect([seen[0], seen.at(-1)]).toEqual(['CREATE PENDING', 'ACTIVE']);
  expect(seen.every((s) => ['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE'].includes(s))).toBe(true);
  expect(done.outputUri).toBe(`file://${dir}/out/users.json.out`);
  expect(fs.readdirSync(path.join(stateDir, 'batch-inference'))).toEqual(['shop-recommend.json']);

  const got = await output(done.outputUri!);
  expect(got.map((r) => r.userId)).toEqual(users);
  const history = seenBy();
  for (const r of got) {
    expect(r.error).toBeUndefined();
    expect(r.itemIds).toHaveLength(7);
    expect(new Set(r.itemIds).size).toBe(7);
    expect(r.scores).toHaveLength(7);
    expect([...r.scores].sort((a, b) => b - a)).toEqual(r.scores);
    // Never an item the user already interacted with.
    for (const item of r.itemIds) expect(history.get(r.userId)?.has(item) ?? false).toBe(false);
  }
  // Known users get their own lists, not all the same popular ones.
  expect(new Set(got.map((r) => r.itemIds.join(','))).size).toBeGreaterThan(1);
});

test('the same request under another name gives the same file', async () => {
  const batch = new LocalBatchInference({ recommender: rec, stateDir, clock: () => Date.parse('2026-11-23T02:00:00Z') });
  const inputUri = `file://${dir}/det/users.json`;
  await writeBatchInput(store, inputUri, DATA.users.slice(0, 50));
  const a = await batch.startBatchInference({ jobName: 'det-a', solutionVersionArn: version, inputUri, outputPrefix: `file://${dir}/det/a/`, numResults: 5 });
  const b = await batch.startBatchInference({ jobName: 'det-b', solutionVersionArn: version, inputUri, outputPrefix: `file://${dir}/det/b/`, numResults: 5 });
  const oa = await until(() => batch.describeBatchInference(a.jobArn), finished);
  const ob = await until(() => batch.describeBatchInference(b.jobArn), finished);
  expect(fs.readFileSync(new URL(oa.outputUri!), 'utf8')).toBe(fs.readFileSync(new URL(ob.outputUri!), 'utf8'));
  expect((await output(oa.outputUri!)).filter((r) => !r.error)).toHaveLength(50);
});

test('a job left unfinished by a dead worker is run again by the next describe, to ACTIVE', async () => {
  const inputUri = `file://${dir}/crash/users.json`;
  await writeBatchInput(store, inputUri, DATA.users.slice(0, 10));
  const created = new Date().toISOString();
  // What a worker killed mid-job leaves: the record in progress, no output, no runner.
  const record = {
    jobName: 'crashed',
    batchInferenceJobArn: 'arn:aws:personalize:local:000000000000:batch-inference-job/crashed',
    solutionVersionArn: version,
    inputUri,
    outputPrefix: `file://${dir}/crash/out/`,
    numResults: 3,
    status: 'CREATE IN_PROGRESS',
    creationDateTime: created,
    lastUpdatedDateTime: created,
  };
  fs.writeFileSync(path.join(stateDir, 'batch-inference', 'crashed.json'), JSON.stringify(record));
  const batch = new LocalBatchInference({ recommender: rec, stateDir });
  const done = await until(() => batch.describeBatchInference(record.batchInferenceJobArn), finished);
  expect(done.status).toBe('ACTIVE');
  expect(await output(done.outputUri!)).toHaveLength(10);
});

test('a user id Personalize would refuse gets a per-user error line; the others are answered', async () => {
  const batch = new LocalBatchInference({ recommender: rec, stateDir });
  const inputUri = `file://${dir}/long/users.json`;
  fs.mkdirSync(path.join(dir, 'long'), { recursive: true });
  fs.writeFileSync(new URL(inputUri), `{"userId":"${DATA.users[0]}"}\n{"userId":"${'x'.repeat(300)}"}\n`);
  const { jobArn } = await batch.startBatchInference({ jobName: 'long', solutionVersionArn: version, inputUri, outputPrefix: `file://${dir}/long/out/`, numResults: 3 });
  const done = await until(() => batch.describeBatchInference(jobArn), finished);
  const got = await output(done.outputUri!);
  expect(got[0]!.error).toBeUndefined();
  expect(got[1]).toMatchObject({ itemIds: [], error: 'userId must have 1 to 256 characters' });
});

test('failures: an unreadable input fails the job with the line; a version not ACTIVE; a filter; bad numResults', async () => {
  const batch = new LocalBatchInference({ recommender: rec, stateDir });
  fs.mkdirSync(path.join(dir, 'bad'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bad', 'users.json'), '{"userId":"a"}\nnot json\n');
  const bad = await batch.startBatchInference({ jobName: 'bad', solutionVersionArn: version, inputUri: `file://${dir}/bad/users.json`, outputPrefix: `file://${dir}/bad/out/`, numResults: 3 });
  const failed = await until(() => batch.describeBatchInference(bad.jobArn), finished);
  expect(mapBatchInferenceJobStatus(failed)).toMatchObject({ state: 'failed', status: 'CREATE FAILED', reason: expect.stringContaining('line 2') });

  const missing = await batch.startBatchInference({ jobName: 'noversion', solutionVersionArn: `${SOLUTION}/deadbeef`, inputUri: `file://${dir}/bad/users.json`, outputPrefix: `file://${dir}/bad/out2/`, numResults: 3 });
  expect((await until(() => batch.describeBatchInference(missing.jobArn), finished)).status).toBe('CREATE FAILED');

  const filter = await failure(batch.startBatchInference({ jobName: 'f', solutionVersionArn: version, inputUri: `file://${dir}/bad/users.json`, outputPrefix: `file://${dir}/o/`, numResults: 3, filterArn: 'arn:aws:personalize:local:000000000000:filter/x' }));
  expect(filter).toMatchObject({ nonRetryable: true, type: 'InvalidInputException' });
  const many = await failure(batch.startBatchInference({ jobName: 'n', solutionVersionArn: version, inputUri: `file://${dir}/bad/users.json`, outputPrefix: `file://${dir}/o/`, numResults: 501 }));
  expect(many.nonRetryable).toBe(true);
  const taken = await failure(batch.startBatchInference({ jobName: 'bad', solutionVersionArn: `${SOLUTION}/00000000`, inputUri: `file://${dir}/bad/users.json`, outputPrefix: `file://${dir}/o/`, numResults: 3 }));
  expect(taken.type).toBe('BatchInferenceJobNameTaken');
  await expect(batch.describeBatchInference('arn:aws:personalize:local:000000000000:batch-inference-job/nope')).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
});
