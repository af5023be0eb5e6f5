/**
 * The local backend's stand-in for Personalize's automatic training: trainAutomatically makes an
 * AUTOMATIC version from the dataset as it is; the findAutoTrainedVersion activity, over the real
 * local recommender and file store, picks it until a run record says it was evaluated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { LocalRecommender, localArns } from '../../activities/local/recommender';
import { FileObjectStore } from '../../activities/local/store';
import { createActivities } from '../../activities';
import { pickAutoTrainedVersion } from '../../activities/auto-trained';
import { structuredInteractions } from '../bench/training';
import { settingsFor } from '../fixtures/fake-aws';
import type { RetrainResult } from '../../common/types';
import { until } from '../helpers/until';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

const { datasetArn: DATASET, solutionArn: SOLUTION, campaignArn: CAMPAIGN } = localArns('shop');
const DATA = structuredInteractions({ interactions: 4000, users: 200, items: 80, groups: 4, affinity: 0.85, seed: 5 });


let rec: LocalRecommender | undefined;
afterAll(async () => {
  await rec?.close();
  removeScratchDirs();
});

test('an automatic version is listed as AUTOMATIC, picked once ACTIVE, and not again once a run evaluated it', async () => {
  const dir = scratchDir('po-auto-');
  rec = new LocalRecommender({ stateDir: path.join(dir, 'state') });
  const lines = ['USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP'];
  for (let r = 0; r < DATA.user.length; r++)
    lines.push(`${DATA.users[DATA.user[r]!]},${DATA.items[DATA.item[r]!]},${DATA.eventTypes[DATA.eventType[r]!]},${DATA.value[r]},${DATA.ts[r]}`);
  fs.writeFileSync(path.join(dir, 'i.csv'), `${lines.join('\n')}\n`);
  const { jobArn } = await rec.startImport({ jobName: 'imp', datasetArn: DATASET, dataLocation: `file://${path.join(dir, 'i.csv')}`, importMode: 'FULL' });
  await until(() => rec!.describeImport(jobArn), (s) => s.status === 'ACTIVE');
  const manual = await rec.startSolutionVersion({ name: 'shop-20261123-train', solutionArn: SOLUTION, trainingMode: 'FULL' });
  await until(() => rec!.describeSolutionVersion(manual.solutionVersionArn), (s) => s.status === 'ACTIVE');

  const store = new FileObjectStore();
  const settings = settingsFor('shop', {
    solutionArn: SOLUTION,
    campaignArn: CAMPAIGN,
    datasetArn: DATASET,
    workPrefix: `file://${path.join(dir, 'work')}/`,
    autoTraining: 'gate',
  });
  const activities = createActivities({
    pipelines: { list: () => ['shop'], settings: () => settings, ports: () => ({ recommender: rec!, store, warehouse: undefined as never }) },
  });
  const find = () => new MockActivityEnvironment().run(activities.findAutoTrainedVersion, 'shop');

  expect(await find()).toMatchObject({ found: false, reason: expect.stringMatching(/no automatic \(service-trained\) version yet/) });

  const { solutionVersionArn: autoArn } = await rec.trainAutomatically(SOLUTION);
  const listed = await rec.listSolutionVersions(SOLUTION);
  expect(listed.map((v) => [v.solutionVersionArn, v.trainingType]).sort()).toEqual(
    [
      [manual.solutionVersionArn, 'MANUAL'],
      [autoArn, 'AUTOMATIC'],
    ].sort()
  );
  await until(() => rec!.describeSolutionVersion(autoArn), (s) => s.status === 'ACTIVE');
  // Training finished: the AUTOMATIC mark survived the training's own writes.
  expect((await rec.listSolutionVersions(SOLUTION)).find((v) => v.solutionVersionArn === autoArn)).toMatchObject({ trainingType: 'AUTOMATIC', status: 'ACTIVE' });
  expect(await find()).toMatchObject({ found: true, solutionVersionArn: autoArn });
  expect(Object.keys(await rec.getSolutionMetrics(autoArn))).toContain('normalized_discounted_cumulative_gain_at_10');

  // A run evaluated it: its record names it, so it is not picked again.
  const record: Partial<RetrainResult> = {
    outcome: 'REJECTED',
    reason: 'r',
    pipeline: 'shop',
    runDate: '2026-11-23',
    runKey: 'shop-2026-11-23',
    jobs: { solutionVersionArn: autoArn },
    gate: { promote: false, metric: 'm', candidate: 0, deployed: 0, change: 0, reason: 'r' },
    timings: [],
    durationMs: 0,
  };
  await store.putText(`${settings.workPrefix}runs/shop-2026-11-23.json`, JSON.stringify(record));
  expect(await find()).toMatchObject({ found: false, reason: expect.stringMatching(/was evaluated by an earlier run/) });
}, 60_000);

test('pick: newest ACTIVE automatic only; manual, unfinished, served or evaluated versions are not candidates', () => {
  const v = (arn: string, createdAt: string, status = 'ACTIVE', trainingType: 'AUTOMATIC' | 'MANUAL' = 'AUTOMATIC') => ({ solutionVersionArn: arn, createdAt, status, trainingType });
  const none = new Set<string>();
  const list = [v('a1', '2026-11-01'), v('m1', '2026-11-05', 'ACTIVE', 'MANUAL'), v('a2', '2026-11-03'), v('a3', '2026-11-07', 'CREATE IN_PROGRESS')];
  expect(pickAutoTrainedVersion(list, { evaluated: none, serving: null })).toEqual({ found: true, solutionVersionArn: 'a2', createdAt: '2026-11-03' });
  // The newest was evaluated: an older one is never gated after it.
  expect(pickAutoTrainedVersion(list, { evaluated: new Set(['a2']), serving: null })).toMatchObject({ found: false });
  expect(pickAutoTrainedVersion(list, { evaluated: none, serving: 'a2' })).toMatchObject({ found: false, reason: expect.stringMatching(/campaign serves/) });
  expect(pickAutoTrainedVersion([v('a3', '2026-11-07', 'CREATE IN_PROGRESS')], { evaluated: none, serving: null })).toMatchObject({
    found: false,
    reason: expect.stringMatching(/none|no automatic version is ACTIVE yet .*CREATE IN_PROGRESS/),
  });
  expect(pickAutoTrainedVersion([v('m1', '2026-11-05', 'ACTIVE', 'MANUAL')], { evaluated: none, serving: null })).toMatchObject({ found: false });
});
