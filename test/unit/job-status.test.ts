import {
  mapCampaignUpdateStatus,
  mapExportJobStatus,
  mapImportJobStatus,
  mapQueryState,
  mapSolutionVersionStatus,
  normalizePersonalizeStatus,
} from '../../common/job-status';

test('Personalize statuses are accepted with spaces or underscores', () => {
  expect(normalizePersonalizeStatus('CREATE_IN_PROGRESS')).toBe('CREATE IN_PROGRESS');
  expect(normalizePersonalizeStatus('CREATE IN_PROGRESS')).toBe('CREATE IN_PROGRESS');
  expect(normalizePersonalizeStatus('create_stopped')).toBe('CREATE STOPPED');
});

test.each([
  [mapExportJobStatus, 'CREATED', 'pending'], [mapExportJobStatus, 'PROCESSING', 'pending'], [mapExportJobStatus, 'COMPLETED', 'succeeded'],
  [mapExportJobStatus, 'FAILING', 'failed'], [mapExportJobStatus, 'FAILED', 'failed'],
  [mapQueryState, 'QUEUED', 'pending'], [mapQueryState, 'RUNNING', 'pending'], [mapQueryState, 'SUCCEEDED', 'succeeded'],
  [mapQueryState, 'FAILED', 'failed'], [mapQueryState, 'CANCELLED', 'failed'],
  [mapImportJobStatus, 'CREATE PENDING', 'pending'], [mapImportJobStatus, 'CREATE IN_PROGRESS', 'pending'],
  [mapImportJobStatus, 'ACTIVE', 'succeeded'], [mapImportJobStatus, 'CREATE FAILED', 'failed'],
  [mapSolutionVersionStatus, 'CREATE PENDING', 'pending'], [mapSolutionVersionStatus, 'CREATE_IN_PROGRESS', 'pending'],
  [mapSolutionVersionStatus, 'ACTIVE', 'succeeded'], [mapSolutionVersionStatus, 'CREATE FAILED', 'failed'],
  [mapSolutionVersionStatus, 'CREATE STOPPING', 'failed'], [mapSolutionVersionStatus, 'CREATE_STOPPED', 'failed'],
  [mapSolutionVersionStatus, 'SOMETHING NEW', 'pending'],
] as const)('%p maps %s to %s', (fn, status, state) => {
  expect(fn({ status }).state).toBe(state);
});

test('failures carry AWS reason or a default one', () => {
  expect(mapSolutionVersionStatus({ status: 'CREATE FAILED', reason: 'OOM' })).toEqual({ state: 'failed', status: 'CREATE FAILED', reason: 'OOM' });
  expect(mapQueryState({ status: 'CANCELLED' })).toMatchObject({ reason: 'the interactions query was cancelled' });
});

describe('campaign update', () => {
  const target = 'arn:aws:personalize:us-east-1:123456789012:solution/s/bbbb';
  test('done only when latestCampaignUpdate is ACTIVE for our version', () => {
    expect(mapCampaignUpdateStatus({ status: 'CREATE IN_PROGRESS', solutionVersionArn: target }, target).state).toBe('pending');
    expect(mapCampaignUpdateStatus({ status: 'ACTIVE', solutionVersionArn: target }, target).state).toBe('succeeded');
    expect(mapCampaignUpdateStatus({ status: 'CREATE FAILED', reason: 'x', solutionVersionArn: target }, target).state).toBe('failed');
  });
  test('an ACTIVE campaign serving another version is not our success', () => {
    const other = 'arn:aws:personalize:us-east-1:123456789012:solution/s/aaaa';
    expect(mapCampaignUpdateStatus({ status: 'ACTIVE', solutionVersionArn: other }, target)).toMatchObject({ state: 'failed' });
    expect(mapCampaignUpdateStatus({ status: 'CREATE PENDING', solutionVersionArn: other }, target).state).toBe('pending');
  });
});

describe('campaign update read right after the request', () => {
  const target = 'arn:aws:personalize:us-east-1:123456789012:solution/s/bbbb';
  const previous = 'arn:aws:personalize:us-east-1:123456789012:solution/s/aaaa';
  const requestedAt = '2026-11-24T03:00:00.000Z';
  test('the previous update (created before our request) is pending: ours is not visible yet', () => {
    expect(mapCampaignUpdateStatus({ status: 'ACTIVE', solutionVersionArn: previous, createdAt: '2026-11-01T00:00:00.000Z' }, target, requestedAt)).toEqual({ state: 'pending', status: 'ACTIVE (previous update)' });
    expect(mapCampaignUpdateStatus({ status: 'ACTIVE', solutionVersionArn: previous }, target, requestedAt).state).toBe('pending');
  });
  test('an update after ours that names another version replaced ours', () => {
    expect(mapCampaignUpdateStatus({ status: 'ACTIVE', solutionVersionArn: previous, createdAt: '2026-11-24T03:01:00.000Z' }, target, requestedAt).state).toBe('failed');
  });
  test('ours, once visible, decides', () => {
    expect(mapCampaignUpdateStatus({ status: 'ACTIVE', solutionVersionArn: target, createdAt: '2026-11-24T03:00:01.000Z' }, target, requestedAt).state).toBe('succeeded');
  });
});
