/** The pure decisions of the items / users dataset phases and of the recommender path. */
import type { DatasetImportState, RecommenderObservation } from '../../common/datasets';
import { fingerprintOf } from '../../activities/datasets';
import { datasetJobName, decideDatasetImport } from '../../workflows/dataset-plan';
import { isNewerModel, recommenderModelState, recommenderRegression, trainingPath } from '../../workflows/recommender-plan';

const target = { datasetArn: 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS', source: 's3://catalog/items/' };
const version = (fingerprint: string, objects = 1, bytes = 500) => ({ fingerprint, objects, bytes });
const last = (over: Partial<DatasetImportState> = {}): DatasetImportState => ({
  ...target,
  fingerprint: 'f1',
  jobName: 'shop-20261122-items-f1',
  jobArn: 'arn:job',
  runKey: 'shop-2026-11-22',
  ...over,
});

describe('decideDatasetImport', () => {
  test('first import, changed file, changed target: import; same file: skip; empty source: fail', () => {
    expect(decideDatasetImport('items', version('f1'), null, target).action).toBe('import');
    expect(decideDatasetImport('items', version('f2'), last(), target)).toEqual({ action: 'import', reason: 'the items file changed since shop-2026-11-22 imported it' });
    expect(decideDatasetImport('items', version('f1'), last(), target)).toEqual({ action: 'skip', reason: 'the items file has not changed since shop-2026-11-22 imported it (shop-20261122-items-f1)' });
    expect(decideDatasetImport('items', version('f1'), last({ source: 's3://catalog/old/' }), target).action).toBe('import');
    expect(decideDatasetImport('items', version('f1'), last({ datasetArn: 'arn:other' }), target).action).toBe('import');
    expect(decideDatasetImport('items', version('f0', 0, 0), null, target).action).toBe('fail');
    expect(decideDatasetImport('users', version('f0', 2, 0), last(), target).action).toBe('fail');
  });

  test('job names are deterministic per run and file version, and valid Personalize names', () => {
    expect(datasetJobName('shop', '2026-11-23', 'items', 'abcdef0123456789')).toBe('shop-20261123-items-abcdef01');
    expect(datasetJobName('shop', '2026-11-23', 'users', 'abcdef0123456789', 'f1a2b3c')).toBe('shop-20261123-f1a2b3c-users-abcdef01');
    const long = datasetJobName('a'.repeat(40), '2026-11-23', 'items', 'abcdef0123456789', 'f1a2b3c');
    expect(long).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/);
    expect(long.endsWith('-items-abcdef01')).toBe(true);
  });
});

describe('fingerprintOf', () => {
  const a = { uri: 's3://b/items/a.csv', size: 10, etag: '"e1"', lastModified: '2026-11-01T00:00:00.000Z' };
  const b = { uri: 's3://b/items/b.csv', size: 20, etag: '"e2"', lastModified: '2026-11-01T00:00:00.000Z' };
  test('order does not matter; any change of ETag, size, time, or the set of files does', () => {
    const base = fingerprintOf([a, b]);
    expect(base).toMatchObject({ objects: 2, bytes: 30 });
    expect(fingerprintOf([b, a]).fingerprint).toBe(base.fingerprint);
    for (const changed of [[{ ...a, etag: '"e3"' }, b], [{ ...a, size: 11 }, b], [{ ...a, lastModified: '2026-11-02T00:00:00.000Z' }, b], [a]]) {
      expect(fingerprintOf(changed).fingerprint).not.toBe(base.fingerprint);
    }
  });
});

describe('the recommender path', () => {
  const obs = (over: Partial<RecommenderObservation> = {}): RecommenderObservation => ({
    recommenderArn: 'arn:rec',
    status: 'ACTIVE',
    modelUpdatedAt: '2026-11-27T00:00:00.000Z',
    metrics: { ndcg: 0.3 },
    ...over,
  });
  const record = { recommenderArn: 'arn:rec', modelUpdatedAt: '2026-11-20T00:00:00.000Z', metrics: { ndcg: 0.3 }, runKey: 'k' };

  test('the path follows the config', () => {
    expect(trainingPath({ recommenderArn: 'arn:rec' })).toBe('recommender');
    expect(trainingPath({})).toBe('solution');
  });

  test('a newer model: later model time, or different metrics; the same one is waited past', () => {
    expect(isNewerModel(obs(), record)).toBe(true);
    expect(isNewerModel(obs({ modelUpdatedAt: record.modelUpdatedAt }), record)).toBe(false);
    expect(isNewerModel(obs({ modelUpdatedAt: '2026-11-19T00:00:00.000Z' }), record)).toBe(false);
    expect(isNewerModel(obs({ modelUpdatedAt: record.modelUpdatedAt, metrics: { ndcg: 0.31 } }), record)).toBe(true);
    expect(isNewerModel(obs({ modelUpdatedAt: null }), record)).toBe(false);
  });

  test('states: pending while training, updating, without metrics or not newer; failed when failed or stopped', () => {
    expect(recommenderModelState(obs(), record)).toEqual({ state: 'succeeded', status: 'ACTIVE' });
    expect(recommenderModelState(obs({ modelUpdatedAt: record.modelUpdatedAt }), record)).toEqual({ state: 'pending', status: 'WAITING FOR THE NEXT MODEL' });
    expect(recommenderModelState(obs({ status: 'CREATE IN_PROGRESS' }), record).state).toBe('pending');
    expect(recommenderModelState(obs({ update: { status: 'CREATE IN_PROGRESS' } }), record)).toEqual({ state: 'pending', status: 'UPDATE CREATE IN_PROGRESS' });
    expect(recommenderModelState(obs({ metrics: {} }), null).state).toBe('pending');
    expect(recommenderModelState(obs(), null).state).toBe('succeeded');
    expect(recommenderModelState(obs({ status: 'CREATE FAILED', failureReason: 'no data' }), record)).toEqual({ state: 'failed', status: 'CREATE FAILED', reason: 'no data' });
    expect(recommenderModelState(obs({ status: 'INACTIVE' }), record).state).toBe('failed');
    expect(recommenderModelState(obs({ status: 'STOP IN_PROGRESS' }), record).state).toBe('failed');
  });

  test('regression: beyond the tolerance only; a first record is none', () => {
    const gate = { metric: 'ndcg', tolerance: 0.05 };
    expect(recommenderRegression({ ndcg: 0.28 }, { ndcg: 0.3 }, gate).regressed).toBe(true);
    expect(recommenderRegression({ ndcg: 0.29 }, { ndcg: 0.3 }, gate).regressed).toBe(false);
    expect(recommenderRegression({ ndcg: 0.35 }, { ndcg: 0.3 }, gate)).toMatchObject({ regressed: false, gate: { change: expect.closeTo(1 / 6, 6) } });
    expect(recommenderRegression({ ndcg: 0.1 }, null, gate)).toMatchObject({ regressed: false, gate: { reason: expect.stringMatching(/first model recorded/) } });
    expect(recommenderRegression({ other: 0.1 }, { ndcg: 0.3 }, gate).regressed).toBe(true);
  });
});
