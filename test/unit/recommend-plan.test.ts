import { adhocFolder, adhocRecommendationKey, audienceOf, recommendationNames, runFolder } from '../../workflows/recommend-plan';
import { runNames } from '../../workflows/plan';

test("a run's names: the job named like its import, files in the run's folder", () => {
  const run = runNames('shop', '2026-11-23', 's3://b/work/');
  const names = recommendationNames(run.runKey, runFolder('s3://b/work/', '2026-11-23'), {});
  expect(names).toEqual({
    key: 'shop-2026-11-23',
    jobName: 'shop-20261123-recommend',
    inputUri: 's3://b/work/runs/2026-11-23/recommendations/users.json',
    batchOutputPrefix: 's3://b/work/runs/2026-11-23/recommendations/batch/',
    jsonlUri: 's3://b/work/runs/2026-11-23/recommendations/recommendations.jsonl',
    csvUri: 's3://b/work/runs/2026-11-23/recommendations/recommendations.csv',
  });
  expect(run.importJobName.replace(/-import$/, '-recommend')).toBe(names.jobName);
});

test('a forced re-run gets names of its own; outputPrefix moves only the messaging files', () => {
  const rerun = runNames('shop', '2026-11-23', 's3://b/work', 'r2');
  const names = recommendationNames(rerun.runKey, runFolder('s3://b/work', '2026-11-23', 'r2'), { outputPrefix: 's3://tools/recs/' });
  expect(names.jobName).toBe('shop-20261123-r2-recommend');
  expect(names.inputUri).toBe('s3://b/work/runs/2026-11-23-r2/recommendations/users.json');
  expect(names.jsonlUri).toBe('s3://tools/recs/shop-2026-11-23-r2/recommendations.jsonl');
  expect(names.csvUri).toBe('s3://tools/recs/shop-2026-11-23-r2/recommendations.csv');
});

test('an ad hoc request: a key from its time, a folder of its own, a valid Personalize job name', () => {
  const key = adhocRecommendationKey('shop', new Date('2026-11-24T12:00:05.123Z'));
  expect(key).toBe('shop-adhoc-20261124T120005Z');
  const names = recommendationNames(key, adhocFolder('file:///w/', key), {});
  expect(names.inputUri).toBe('file:///w/recommend/shop-adhoc-20261124T120005Z/recommendations/users.json');
  expect(names.jobName).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/);
  expect(names.jobName).toBe('shop-adhoc-20261124T120005Z-recommend');
  const long = adhocRecommendationKey('a-pipeline-name-of-forty-characters-long', new Date('2026-11-24T12:00:05Z'));
  expect(recommendationNames(long, 'file:///w/', {}).jobName.length).toBeLessThanOrEqual(63);
});

test('the audience: window needs the run interactions; anything else is a users file', () => {
  expect(audienceOf('window', 's3://b/i.csv')).toEqual({ kind: 'window', interactionsUri: 's3://b/i.csv' });
  expect(audienceOf('s3://b/vip.json', undefined)).toEqual({ kind: 'file', uri: 's3://b/vip.json' });
  expect(() => audienceOf('window', undefined)).toThrow(/interactions file/);
});
