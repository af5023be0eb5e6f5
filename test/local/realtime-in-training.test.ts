/**
 * What a local training includes of the real-time records: recorded through the local event sink
 * (the PutEvents / PutItems / PutUsers equivalents), counted in the version's snapshot, and told by
 * describeSolutionVersion from the moment the training is asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalEventSink } from '../../activities/local/event-sink';
import { LocalRecommender, localArns } from '../../activities/local/recommender';
import { rowCount, type InteractionTable } from '../../activities/local/recommender/table';
import { structuredInteractions } from '../bench/training';
import { until } from '../helpers/until';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

const { datasetArn: DATASET, solutionArn: SOLUTION } = localArns('shop');
const ITEMS = DATASET.replace(/INTERACTIONS$/, 'ITEMS');
const USERS = DATASET.replace(/INTERACTIONS$/, 'USERS');
const DATA = structuredInteractions({ interactions: 2000, users: 100, items: 60, groups: 4, affinity: 0.85, seed: 5 });
const made: LocalRecommender[] = [];

afterAll(async () => {
  for (const r of made) await r.close();
  removeScratchDirs();
});

function csvOf(t: InteractionTable): string {
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let r = 0; r < rowCount(t); r++) lines.push(`${t.users[t.user[r]!]},${t.items[t.item[r]!]},${t.eventTypes[t.eventType[r]!]},${t.value[r]},${t.ts[r]}`);
  return `${lines.join('\n')}\n`;
}


function clicks(from: number, n: number) {
  return Array.from({ length: n }, (_, k) => ({ eventId: `e${from + k}`, eventType: 'click', itemId: `i${(from + k) % 60}`, sentAt: 1_800_000_000_000 + from + k }));
}

test('describe counts the real-time records a training includes, and a later training the new total', async () => {
  const dir = scratchDir('po-rt-');
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state') });
  made.push(rec);
  const sink = new LocalEventSink(rec);
  fs.writeFileSync(path.join(dir, 'i.csv'), csvOf(DATA));
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: `file://${path.join(dir, 'i.csv')}`, importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status === 'ACTIVE');

  // 25 events in three calls (one anonymous: no user, so no interaction), 2 items, 1 user.
  await sink.putEvents({ trackingId: 't', sessionId: 's1', userId: 'rt1', events: clicks(0, 10) });
  await sink.putEvents({ trackingId: 't', sessionId: 's2', userId: 'rt2', events: clicks(10, 12) });
  await sink.putEvents({ trackingId: 't', sessionId: 's3', events: clicks(22, 3) });
  await sink.putItems({ datasetArn: ITEMS, items: [{ itemId: 'new1' }, { itemId: 'new2' }] });
  await sink.putUsers({ datasetArn: USERS, users: [{ userId: 'rt1' }] });

  const { solutionVersionArn: v1 } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  const pending = await rec.describeSolutionVersion(v1);
  expect(pending.realtimeInTraining).toEqual({ reported: true, events: 22, unusable: 3, items: 2, users: 1 });
  const active = await until(() => rec.describeSolutionVersion(v1), (s) => s.status === 'ACTIVE');
  expect(active.realtimeInTraining).toEqual(pending.realtimeInTraining);
  const versionFile = path.join(dir, 'state', 'versions', `${v1.split('/').pop()}.json`);
  // The count is the training's own reading: the interactions it trained on are the bulk rows plus the usable events.
  expect(JSON.parse(fs.readFileSync(versionFile, 'utf8')).trainedOn).toBe(rowCount(DATA) + 22);

  // Recorded after v1 was asked for: only the next training includes them.
  await sink.putEvents({ trackingId: 't', sessionId: 's4', userId: 'rt3', events: clicks(25, 7) });
  const { solutionVersionArn: v2 } = await rec.startSolutionVersion({ name: 'v2', solutionArn: SOLUTION, trainingMode: 'FULL' });
  expect((await rec.describeSolutionVersion(v2)).realtimeInTraining).toEqual({ reported: true, events: 29, unusable: 3, items: 2, users: 1 });
  expect((await rec.describeSolutionVersion(v1)).realtimeInTraining).toEqual({ reported: true, events: 22, unusable: 3, items: 2, users: 1 });
  await until(() => rec.describeSolutionVersion(v2), (s) => s.status === 'ACTIVE');

  // A version recorded before trainings counted (no inputs.realtime) is counted from its slices on read.
  const old = JSON.parse(fs.readFileSync(versionFile, 'utf8'));
  delete old.inputs.realtime;
  fs.writeFileSync(versionFile, JSON.stringify(old));
  expect((await rec.describeSolutionVersion(v1)).realtimeInTraining).toEqual({ reported: true, events: 22, unusable: 3, items: 2, users: 1 });
});

test('no event log: a training includes no real-time records, and says so', async () => {
  const dir = scratchDir('po-rt-');
  const rec = new LocalRecommender({ stateDir: path.join(dir, 'state') });
  made.push(rec);
  fs.writeFileSync(path.join(dir, 'i.csv'), csvOf(DATA));
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: `file://${path.join(dir, 'i.csv')}`, importMode: 'FULL' });
  await until(() => rec.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  const { solutionVersionArn } = await rec.startSolutionVersion({ name: 'v1', solutionArn: SOLUTION, trainingMode: 'FULL' });
  expect((await rec.describeSolutionVersion(solutionVersionArn)).realtimeInTraining).toEqual({ reported: true, events: 0, items: 0, users: 0 });
  await until(() => rec.describeSolutionVersion(solutionVersionArn), (s) => s.status === 'ACTIVE');
});
