import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateDatasetImportJobCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeDatasetImportJobCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  ListDatasetImportJobsCommand,
  ListSolutionVersionsCommand,
  PersonalizeClient,
  ResourceAlreadyExistsException,
  ResourceInUseException,
  ResourceNotFoundException,
  InvalidInputException,
  LimitExceededException,
  StopSolutionVersionCreationCommand,
  UpdateCampaignCommand,
} from '@aws-sdk/client-personalize';
import { PersonalizeRecommender } from '../../activities/aws/personalize';
import { mapCampaignUpdateStatus, mapImportJobStatus, mapSolutionVersionStatus } from '../../common/job-status';
import { failure } from '../helpers/failures';

const A = 'arn:aws:personalize:us-east-1:123456789012';
const DATASET = `${A}:dataset/shop/INTERACTIONS`;
const SOLUTION = `${A}:solution/shop`;
const CAMPAIGN = `${A}:campaign/shop`;
const ROLE = 'arn:aws:iam::123456789012:role/PersonalizeImport';
const mock = mockClient(PersonalizeClient);
const recommender = new PersonalizeRecommender(new PersonalizeClient({ region: 'us-east-1' }), { importRoleArn: ROLE });
const meta = { $metadata: {} };

beforeEach(() => mock.reset());


describe('dataset import', () => {
  test('CreateDatasetImportJob gets the exact parameters', async () => {
    mock
      .on(CreateDatasetImportJobCommand)
      .resolves({ datasetImportJobArn: `${A}:dataset-import-job/shop-20261123-import` });
    const out = await recommender.startImport({
      jobName: 'shop-20261123-import',
      datasetArn: DATASET,
      dataLocation: 's3://b/work/runs/2026-11-23/interactions.csv',
      importMode: 'INCREMENTAL',
    });
    expect(out.jobArn).toBe(`${A}:dataset-import-job/shop-20261123-import`);
    expect(mock.commandCalls(CreateDatasetImportJobCommand)[0]!.args[0].input).toEqual({
      jobName: 'shop-20261123-import',
      datasetArn: DATASET,
      dataSource: { dataLocation: 's3://b/work/runs/2026-11-23/interactions.csv' },
      roleArn: ROLE,
      importMode: 'INCREMENTAL',
    });
  });

  test('ResourceAlreadyExists adopts the job of that name (across list pages)', async () => {
    mock.on(CreateDatasetImportJobCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    const pages = [
      {
        datasetImportJobs: [{ jobName: 'other', datasetImportJobArn: `${A}:dataset-import-job/other` }],
        nextToken: 't2',
      },
      {
        datasetImportJobs: [
          { jobName: 'shop-20261123-import', datasetImportJobArn: `${A}:dataset-import-job/shop-20261123-import` },
        ],
      },
    ];
    // The SDK paginator reuses one input object: record a copy of each request as it is sent.
    const requests: unknown[] = [];
    mock.on(ListDatasetImportJobsCommand).callsFake((input: object) => (requests.push({ ...input }), pages.shift()));
    const out = await recommender.startImport({
      jobName: 'shop-20261123-import',
      datasetArn: DATASET,
      dataLocation: 's3://b/x.csv',
      importMode: 'FULL',
    });
    expect(out.jobArn).toBe(`${A}:dataset-import-job/shop-20261123-import`);
    expect(requests).toEqual([
      { datasetArn: DATASET, maxResults: 100 },
      { datasetArn: DATASET, maxResults: 100, nextToken: 't2' },
    ]);
  });

  test('an import job name taken on another dataset is a non-retryable failure saying so', async () => {
    mock.on(CreateDatasetImportJobCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    mock
      .on(ListDatasetImportJobsCommand)
      .resolves({ datasetImportJobs: [{ jobName: 'other', datasetImportJobArn: `${A}:dataset-import-job/other` }] });
    const f = await failure(
      recommender.startImport({
        jobName: 'shop-20261123-import',
        datasetArn: DATASET,
        dataLocation: 's3://b/x.csv',
        importMode: 'FULL',
      })
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('ImportJobNameTaken');
    expect(f.message).toContain(DATASET);
  });

  test('audit: no hint suggests deleting an import job (no API does); it names --rerun', async () => {
    mock.on(CreateDatasetImportJobCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    mock.on(ListDatasetImportJobsCommand).resolves({ datasetImportJobs: [] });
    const f = await failure(
      recommender.startImport({ jobName: 'shop-20261123-import', datasetArn: DATASET, dataLocation: 's3://b/x.csv', importMode: 'FULL' })
    );
    expect(f.message).not.toMatch(/delet/i);
    expect(f.message).toContain('--rerun <suffix>');
  });

  test('access denied on the import names the permission and the role to pass', async () => {
    mock
      .on(CreateDatasetImportJobCommand)
      .rejects(
        Object.assign(new Error('not authorized'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        })
      );
    const f = await failure(
      recommender.startImport({ jobName: 'j', datasetArn: DATASET, dataLocation: 's3://b/x.csv', importMode: 'FULL' })
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(
      `the worker's role needs personalize:CreateDatasetImportJob on ${DATASET} and iam:PassRole`
    );
    expect(f.message).toContain(ROLE);
  });

  test.each(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE', 'CREATE FAILED'])(
    'status %s is reported as is and maps',
    async (status) => {
      mock
        .on(DescribeDatasetImportJobCommand)
        .resolves({
          datasetImportJob: { status, failureReason: status === 'CREATE FAILED' ? 'bad header' : undefined },
        });
      const obs = await recommender.describeImport(`${A}:dataset-import-job/j`);
      expect(obs.status).toBe(status);
      expect(mapImportJobStatus(obs).state).toBe(
        status === 'ACTIVE' ? 'succeeded' : status === 'CREATE FAILED' ? 'failed' : 'pending'
      );
    }
  );
});

describe('training', () => {
  test('CreateSolutionVersion with name and training mode, after looking the name up', async () => {
    mock.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
    mock.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: `${SOLUTION}/aaaa0001` });
    await recommender.startSolutionVersion({
      name: 'shop-20261123-train',
      solutionArn: SOLUTION,
      trainingMode: 'UPDATE',
    });
    expect(mock.commandCalls(ListSolutionVersionsCommand)[0]!.args[0].input).toEqual({ solutionArn: SOLUTION, maxResults: 100 });
    expect(mock.commandCalls(CreateSolutionVersionCommand)[0]!.args[0].input).toEqual({
      solutionArn: SOLUTION,
      name: 'shop-20261123-train',
      trainingMode: 'UPDATE',
    });
  });

  test("solution-version idempotency does not rely on Personalize refusing a duplicate name: a version of that name is found and adopted before any CreateSolutionVersion", async () => {
    // ListSolutionVersions summaries carry no name (SolutionVersionSummary has none), so the versions are described.
    mock.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/mine0001`, status: 'CREATE IN_PROGRESS', creationDateTime: new Date('2026-11-24T02:10:00Z') },
        { solutionVersionArn: `${SOLUTION}/othr0002`, status: 'ACTIVE', creationDateTime: new Date('2026-11-24T02:30:00Z') },
      ],
    });
    mock.on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/othr0002` }).resolves({ solutionVersion: { name: 'other-run-train', status: 'ACTIVE' } });
    mock
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/mine0001` })
      .resolves({ solutionVersion: { name: 'shop-20261123-train', status: 'CREATE IN_PROGRESS' } });
    // Were it called, Personalize would accept a second version of that name: nothing documents a refusal.
    mock.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: `${SOLUTION}/dupl0003` });
    const out = await recommender.startSolutionVersion({ name: 'shop-20261123-train', solutionArn: SOLUTION, trainingMode: 'FULL', createdAfter: '2026-11-24T01:00:00Z' });
    expect(out.solutionVersionArn).toBe(`${SOLUTION}/mine0001`);
    expect(mock.commandCalls(CreateSolutionVersionCommand)).toHaveLength(0);
    // Newest first: the other run's version is described before ours.
    expect(mock.commandCalls(DescribeSolutionVersionCommand).map((c) => c.args[0].input)).toEqual([
      { solutionVersionArn: `${SOLUTION}/othr0002` },
      { solutionVersionArn: `${SOLUTION}/mine0001` },
    ]);
  });

  test('the look-up by name describes only the versions created since createdAfter', async () => {
    mock.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/old00001`, creationDateTime: new Date('2026-10-01T00:00:00Z') },
        { solutionVersionArn: `${SOLUTION}/old00002`, creationDateTime: new Date('2026-11-20T00:00:00Z') },
        { solutionVersionArn: `${SOLUTION}/new00003`, creationDateTime: new Date('2026-11-24T02:00:00Z') },
      ],
    });
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { name: 'someone-else', status: 'ACTIVE' } });
    const found = await recommender.findSolutionVersion({ solutionArn: SOLUTION, name: 'shop-20261123-train', createdAfter: '2026-11-24T01:00:00Z' });
    expect(found).toBeNull();
    expect(mock.commandCalls(DescribeSolutionVersionCommand).map((c) => c.args[0].input.solutionVersionArn)).toEqual([`${SOLUTION}/new00003`]);
  });

  test('findSolutionVersion without a bound looks at every version and reports the status of the one found', async () => {
    mock.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [{ solutionVersionArn: `${SOLUTION}/old00001`, status: 'ACTIVE', creationDateTime: new Date('2025-01-01T00:00:00Z') }],
    });
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { name: 'shop-20250101-train', status: 'ACTIVE' } });
    expect(await recommender.findSolutionVersion({ solutionArn: SOLUTION, name: 'shop-20250101-train' })).toEqual({
      solutionVersionArn: `${SOLUTION}/old00001`,
      status: 'ACTIVE',
    });
  });

  test('ResourceAlreadyExists on a version older than the look-up bound adopts it after a look-up over all versions (newest first)', async () => {
    mock.on(CreateSolutionVersionCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    mock.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/old00001`, creationDateTime: new Date('2026-11-01') },
        { solutionVersionArn: `${SOLUTION}/new00002`, creationDateTime: new Date('2026-11-24') },
      ],
    });
    mock
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/new00002` })
      .resolves({ solutionVersion: { name: 'shop-20261123-train' } });
    mock
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/old00001` })
      .resolves({ solutionVersion: { name: 'shop-20261101-train' } });
    const out = await recommender.startSolutionVersion({
      name: 'shop-20261123-train',
      solutionArn: SOLUTION,
      trainingMode: 'FULL',
      createdAfter: '2026-11-25T00:00:00Z',
    });
    expect(out.solutionVersionArn).toBe(`${SOLUTION}/new00002`);
    expect(mock.commandCalls(CreateSolutionVersionCommand)).toHaveLength(1);
    expect(mock.commandCalls(DescribeSolutionVersionCommand)).toHaveLength(1);
  });

  test('adoption finds the version by name on the second list page', async () => {
    mock.on(CreateSolutionVersionCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    const pages = [
      {
        solutionVersions: [{ solutionVersionArn: `${SOLUTION}/p1v00001`, creationDateTime: new Date('2026-11-20') }],
        nextToken: 'page-2',
      },
      { solutionVersions: [{ solutionVersionArn: `${SOLUTION}/p2v00002`, creationDateTime: new Date('2026-11-19') }] },
    ];
    const requests: unknown[] = [];
    mock.on(ListSolutionVersionsCommand).callsFake((input: object) => (requests.push({ ...input }), pages.shift()));
    mock
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/p1v00001` })
      .resolves({ solutionVersion: { name: 'shop-20261120-train' } });
    mock
      .on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/p2v00002` })
      .resolves({ solutionVersion: { name: 'shop-20261123-train' } });
    const out = await recommender.startSolutionVersion({
      name: 'shop-20261123-train',
      solutionArn: SOLUTION,
      trainingMode: 'FULL',
    });
    expect(out.solutionVersionArn).toBe(`${SOLUTION}/p2v00002`);
    expect(mock.commandCalls(CreateSolutionVersionCommand)).toHaveLength(0);
    expect(requests).toEqual([
      { solutionArn: SOLUTION, maxResults: 100 },
      { solutionArn: SOLUTION, maxResults: 100, nextToken: 'page-2' },
    ]);
    expect(mock.commandCalls(DescribeSolutionVersionCommand).map((c) => c.args[0].input.solutionVersionArn)).toEqual([
      `${SOLUTION}/p1v00001`,
      `${SOLUTION}/p2v00002`,
    ]);
  });

  test('a version name not found under the solution is a non-retryable failure', async () => {
    mock.on(CreateSolutionVersionCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    mock.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
    const f = await failure(
      recommender.startSolutionVersion({ name: 'n', solutionArn: SOLUTION, trainingMode: 'FULL' })
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('SolutionVersionNameTaken');
  });

  test('DescribeSolutionVersion gets the ARN and reports the failure reason', async () => {
    mock
      .on(DescribeSolutionVersionCommand)
      .resolves({ solutionVersion: { status: 'CREATE FAILED', failureReason: 'not enough interactions' } });
    expect(await recommender.describeSolutionVersion(`${SOLUTION}/x`)).toEqual({
      status: 'CREATE FAILED',
      reason: 'not enough interactions',
      realtimeInTraining: { reported: false },
    });
    expect(mock.commandCalls(DescribeSolutionVersionCommand)[0]!.args[0].input).toEqual({
      solutionVersionArn: `${SOLUTION}/x`,
    });
  });

  test('DescribeSolutionVersion reports when the version was created (to tell an older model from a newer one)', async () => {
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: 'ACTIVE', creationDateTime: new Date('2026-11-24T02:15:00Z') } });
    expect(await recommender.describeSolutionVersion(`${SOLUTION}/x`)).toEqual({ status: 'ACTIVE', reason: undefined, createdAt: '2026-11-24T02:15:00.000Z', realtimeInTraining: { reported: false } });
  });

  test.each([
    ['CREATE PENDING', 'pending'],
    ['CREATE IN_PROGRESS', 'pending'],
    ['ACTIVE', 'succeeded'],
    ['CREATE FAILED', 'failed'],
    ['CREATE STOPPING', 'failed'],
    ['CREATE STOPPED', 'failed'],
  ])('solution version status %s → %s', async (status, state) => {
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status } });
    expect(mapSolutionVersionStatus(await recommender.describeSolutionVersion(`${SOLUTION}/x`)).state).toBe(state);
  });

  test('stopping a version that already finished is not an error', async () => {
    mock
      .on(StopSolutionVersionCreationCommand)
      .rejects(new ResourceInUseException({ message: 'not in progress', ...meta }));
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: 'ACTIVE' } });
    await expect(recommender.stopSolutionVersion(`${SOLUTION}/x`)).resolves.toBeUndefined();
  });

  test.each(['ACTIVE', 'CREATE FAILED', 'CREATE_STOPPED', 'CREATE STOPPING'])(
    'InvalidInput on a version already %s is not an error',
    async (status) => {
      mock
        .on(StopSolutionVersionCreationCommand)
        .rejects(new InvalidInputException({ message: 'cannot stop', ...meta }));
      mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status } });
      await expect(recommender.stopSolutionVersion(`${SOLUTION}/x`)).resolves.toBeUndefined();
    }
  );

  test('ResourceInUse on a version still running stays a (retryable) failure', async () => {
    mock.on(StopSolutionVersionCreationCommand).rejects(new ResourceInUseException({ message: 'busy', ...meta }));
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: 'CREATE IN_PROGRESS' } });
    const f = await failure(recommender.stopSolutionVersion(`${SOLUTION}/x`));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('ResourceInUseException');
  });

  test('metrics not ready yet (ResourceInUse) are retryable', async () => {
    mock.on(GetSolutionMetricsCommand).rejects(new ResourceInUseException({ message: 'still training', ...meta }));
    const f = await failure(recommender.getSolutionMetrics(`${SOLUTION}/x`));
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toContain(`${SOLUTION}/x`);
  });

  test('stopping a running version calls StopSolutionVersionCreation', async () => {
    mock.on(StopSolutionVersionCreationCommand).resolves({});
    await recommender.stopSolutionVersion(`${SOLUTION}/x`);
    expect(mock.commandCalls(StopSolutionVersionCreationCommand)[0]!.args[0].input).toEqual({
      solutionVersionArn: `${SOLUTION}/x`,
    });
  });

  test('metrics of a version', async () => {
    mock
      .on(GetSolutionMetricsCommand)
      .resolves({ metrics: { normalized_discounted_cumulative_gain_at_10: 0.31, coverage: 0.2 } });
    expect(await recommender.getSolutionMetrics(`${SOLUTION}/x`)).toEqual({
      normalized_discounted_cumulative_gain_at_10: 0.31,
      coverage: 0.2,
    });
    expect(mock.commandCalls(GetSolutionMetricsCommand)[0]!.args[0].input).toEqual({
      solutionVersionArn: `${SOLUTION}/x`,
    });
  });

  test('metrics on a solution ARN: not found, with the likely mix-up named', async () => {
    mock.on(GetSolutionMetricsCommand).rejects(new ResourceNotFoundException({ message: 'no such version', ...meta }));
    const f = await failure(recommender.getSolutionMetrics(SOLUTION));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(SOLUTION);
    expect(f.message).toMatch(/a solution ARN where a solution version ARN is expected\?/);
  });
});

describe('campaign', () => {
  test('describe reads latestCampaignUpdate, not only the campaign status, with when the update was created', async () => {
    mock.on(DescribeCampaignCommand).resolves({
      campaign: {
        status: 'ACTIVE',
        solutionVersionArn: `${SOLUTION}/old`,
        minProvisionedTPS: 12,
        latestCampaignUpdate: { solutionVersionArn: `${SOLUTION}/new`, status: 'CREATE IN_PROGRESS', creationDateTime: new Date('2026-11-24T03:00:00Z') },
      },
    });
    expect(await recommender.describeCampaign(CAMPAIGN)).toEqual({
      campaignArn: CAMPAIGN,
      status: 'ACTIVE',
      solutionVersionArn: `${SOLUTION}/old`,
      minProvisionedTPS: 12,
      campaignConfig: undefined,
      latestUpdate: { solutionVersionArn: `${SOLUTION}/new`, status: 'CREATE IN_PROGRESS', failureReason: undefined, createdAt: '2026-11-24T03:00:00.000Z' },
    });
    expect(mock.commandCalls(DescribeCampaignCommand)[0]!.args[0].input).toEqual({ campaignArn: CAMPAIGN });
  });

  test.each([
    ['CREATE PENDING', `${SOLUTION}/new`, 'pending'],
    ['CREATE IN_PROGRESS', `${SOLUTION}/new`, 'pending'],
    ['ACTIVE', `${SOLUTION}/new`, 'succeeded'],
    ['CREATE FAILED', `${SOLUTION}/new`, 'failed'],
    ['DELETE PENDING', `${SOLUTION}/new`, 'failed'],
    ['ACTIVE', `${SOLUTION}/someone-else`, 'failed'],
  ])('latest update %s of %s → %s', async (status, solutionVersionArn, state) => {
    mock.on(DescribeCampaignCommand).resolves({
      campaign: {
        status: 'ACTIVE',
        minProvisionedTPS: 3,
        latestCampaignUpdate: {
          solutionVersionArn,
          status,
          failureReason: status === 'CREATE FAILED' ? 'capacity' : undefined,
        },
      },
    });
    const c = await recommender.describeCampaign(CAMPAIGN);
    expect(
      mapCampaignUpdateStatus({ ...c.latestUpdate!, reason: c.latestUpdate!.failureReason }, `${SOLUTION}/new`).state
    ).toBe(state);
  });

  test('the first deploy check right after UpdateCampaign can read the previous update: that is pending, not a failed deploy', async () => {
    const requestedAt = '2026-11-24T03:00:00.000Z';
    // DescribeCampaign still shows the update before ours: the previous version, long ACTIVE.
    mock.on(DescribeCampaignCommand).resolves({
      campaign: {
        status: 'ACTIVE',
        solutionVersionArn: `${SOLUTION}/old`,
        minProvisionedTPS: 3,
        latestCampaignUpdate: { solutionVersionArn: `${SOLUTION}/old`, status: 'ACTIVE', creationDateTime: new Date('2026-11-20T03:00:00Z') },
      },
    });
    const c = await recommender.describeCampaign(CAMPAIGN);
    expect(mapCampaignUpdateStatus({ ...c.latestUpdate! }, `${SOLUTION}/new`, requestedAt)).toEqual({ state: 'pending', status: 'ACTIVE (previous update)' });
    // Without knowing when it asked, the same read fails a deploy that succeeds: the finding.
    expect(mapCampaignUpdateStatus({ ...c.latestUpdate! }, `${SOLUTION}/new`).state).toBe('failed');
    // An update created after ours that names another version did replace ours.
    expect(mapCampaignUpdateStatus({ solutionVersionArn: `${SOLUTION}/other`, status: 'ACTIVE', createdAt: '2026-11-24T03:05:00.000Z' }, `${SOLUTION}/new`, requestedAt).state).toBe('failed');
  });

  test('UpdateCampaign keeps the given TPS and config (never forces 1)', async () => {
    mock.on(UpdateCampaignCommand).resolves({ campaignArn: CAMPAIGN });
    await recommender.updateCampaign({
      campaignArn: CAMPAIGN,
      solutionVersionArn: `${SOLUTION}/new`,
      minProvisionedTPS: 12,
      campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } },
    });
    expect(mock.commandCalls(UpdateCampaignCommand)[0]!.args[0].input).toEqual({
      campaignArn: CAMPAIGN,
      solutionVersionArn: `${SOLUTION}/new`,
      minProvisionedTPS: 12,
      campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' }, syncWithLatestSolutionVersion: false },
    });
  });

  test('audit: syncWithLatestSolutionVersion: UpdateCampaign pins the gated version and turns syncing off', async () => {
    mock.on(UpdateCampaignCommand).resolves({ campaignArn: CAMPAIGN });
    // The config as DescribeCampaign returned it for a campaign that syncs with $LATEST.
    await recommender.updateCampaign({
      campaignArn: CAMPAIGN,
      solutionVersionArn: `${SOLUTION}/gated001`,
      minProvisionedTPS: 3,
      campaignConfig: { syncWithLatestSolutionVersion: true, enableMetadataWithRecommendations: true },
    });
    expect(mock.commandCalls(UpdateCampaignCommand)[0]!.args[0].input).toEqual({
      campaignArn: CAMPAIGN,
      solutionVersionArn: `${SOLUTION}/gated001`,
      minProvisionedTPS: 3,
      campaignConfig: { syncWithLatestSolutionVersion: false, enableMetadataWithRecommendations: true },
    });
  });

  test('audit: $LATEST semantics: UpdateCampaign never deploys <solution>/$LATEST', async () => {
    mock.on(UpdateCampaignCommand).resolves({ campaignArn: CAMPAIGN });
    const f = await failure(
      recommender.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: `${SOLUTION}/$LATEST`, minProvisionedTPS: 1 })
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('LatestVersionNotDeployable');
    expect(mock.commandCalls(UpdateCampaignCommand)).toHaveLength(0);
  });

  test('audit: $LATEST semantics: a syncing campaign reports the version it really serves (newest ACTIVE)', async () => {
    mock.on(DescribeCampaignCommand).resolves({
      campaign: {
        status: 'ACTIVE',
        solutionVersionArn: `${SOLUTION}/$LATEST`,
        minProvisionedTPS: 1,
        campaignConfig: { syncWithLatestSolutionVersion: true },
      },
    });
    mock.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/old00001`, status: 'ACTIVE', creationDateTime: new Date('2026-11-01') },
        { solutionVersionArn: `${SOLUTION}/new00003`, status: 'CREATE IN_PROGRESS', creationDateTime: new Date('2026-11-25') },
        { solutionVersionArn: `${SOLUTION}/mid00002`, status: 'ACTIVE', creationDateTime: new Date('2026-11-20') },
      ],
    });
    const c = await recommender.describeCampaign(CAMPAIGN);
    expect(c.solutionVersionArn).toBe(`${SOLUTION}/mid00002`);
    expect(mock.commandCalls(ListSolutionVersionsCommand)[0]!.args[0].input).toMatchObject({ solutionArn: SOLUTION });
  });
});

describe('audit: auto-training and syncing campaigns are detected before training', () => {
  const guarded = (autoTraining: 'off' | 'gate') =>
    new PersonalizeRecommender(new PersonalizeClient({ region: 'us-east-1' }), {
      importRoleArn: ROLE,
      campaignArn: CAMPAIGN,
      autoTraining,
    });
  const train = (r: PersonalizeRecommender) =>
    r.startSolutionVersion({ name: 'shop-20261123-train', solutionArn: SOLUTION, trainingMode: 'FULL' });

  beforeEach(() => {
    mock.on(ListSolutionVersionsCommand).resolves({ solutionVersions: [] });
    mock.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: `${SOLUTION}/aaaa0001` });
    mock.on(DescribeCampaignCommand).resolves({
      campaign: { status: 'ACTIVE', solutionVersionArn: `${SOLUTION}/live0001`, campaignConfig: {} },
    });
  });

  test('a campaign with syncWithLatestSolutionVersion: refused before any version is created, with the fix', async () => {
    mock.on(DescribeSolutionCommand).resolves({ solution: { performAutoTraining: false } });
    mock.on(DescribeCampaignCommand).resolves({
      campaign: { solutionVersionArn: `${SOLUTION}/$LATEST`, campaignConfig: { syncWithLatestSolutionVersion: true } },
    });
    const f = await failure(train(guarded('off')));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('CampaignSyncsLatestVersion');
    expect(f.message).toContain('before the quality gate');
    expect(f.message).toContain(`update-campaign --campaign-arn ${CAMPAIGN}`);
    expect(f.message).toContain('syncWithLatestSolutionVersion=false');
    expect(mock.commandCalls(CreateSolutionVersionCommand)).toHaveLength(0);
    expect(mock.commandCalls(DescribeSolutionCommand)[0]!.args[0].input).toEqual({ solutionArn: SOLUTION });
    expect(mock.commandCalls(DescribeCampaignCommand)[0]!.args[0].input).toEqual({ campaignArn: CAMPAIGN });
  });

  test('performAutoTraining with personalize.autoTraining off: refused, naming update-solution', async () => {
    mock.on(DescribeSolutionCommand).resolves({
      solution: { performAutoTraining: true, solutionConfig: { autoTrainingConfig: { schedulingExpression: 'rate(7 days)' } } },
    });
    const f = await failure(train(guarded('off')));
    expect(f.type).toBe('SolutionTrainsItself');
    expect(f.message).toContain('rate(7 days)');
    expect(f.message).toContain(`update-solution --solution-arn ${SOLUTION} --no-perform-auto-training`);
    expect(mock.commandCalls(CreateSolutionVersionCommand)).toHaveLength(0);
  });

  test('performAutoTraining with personalize.autoTraining gate, campaign pinned: training goes ahead', async () => {
    mock.on(DescribeSolutionCommand).resolves({ solution: { performAutoTraining: true } });
    expect(await train(guarded('gate'))).toEqual({ solutionVersionArn: `${SOLUTION}/aaaa0001` });
  });

  test('neither: training goes ahead', async () => {
    mock.on(DescribeSolutionCommand).resolves({ solution: { performAutoTraining: false } });
    expect(await train(guarded('off'))).toEqual({ solutionVersionArn: `${SOLUTION}/aaaa0001` });
  });
});

describe('error classes', () => {
  test.each([
    ['ThrottlingException', 400],
    ['TooManyRequestsException', 400],
    ['LimitExceededException', 400],
    ['Unnamed', 429],
  ])('%s (HTTP %s) on CreateSolutionVersion is retryable', async (name, httpStatusCode) => {
    mock
      .on(CreateSolutionVersionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name, $metadata: { httpStatusCode } }));
    const f = await failure(
      recommender.startSolutionVersion({ name: 'n', solutionArn: SOLUTION, trainingMode: 'FULL' })
    );
    expect(f.nonRetryable).toBe(false);
  });

  test('UpdateCampaign while an update is in progress is retryable', async () => {
    mock.on(UpdateCampaignCommand).rejects(new ResourceInUseException({ message: 'update in progress', ...meta }));
    const f = await failure(
      recommender.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: `${SOLUTION}/x`, minProvisionedTPS: 7 })
    );
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe('ResourceInUseException');
    expect(f.message).toContain(CAMPAIGN);
  });

  test('throttling and busy are retryable', async () => {
    mock.on(CreateSolutionVersionCommand).rejects(new LimitExceededException({ message: 'Rate exceeded', ...meta }));
    const f = await failure(
      recommender.startSolutionVersion({ name: 'n', solutionArn: SOLUTION, trainingMode: 'FULL' })
    );
    expect(f.nonRetryable).toBe(false);
    mock.on(UpdateCampaignCommand).rejects(new ResourceInUseException({ message: 'update in progress', ...meta }));
    expect(
      (
        await failure(
          recommender.updateCampaign({
            campaignArn: CAMPAIGN,
            solutionVersionArn: `${SOLUTION}/x`,
            minProvisionedTPS: 1,
          })
        )
      ).nonRetryable
    ).toBe(false);
  });

  test('not found is non-retryable and names the resource and the fix', async () => {
    mock.on(DescribeCampaignCommand).rejects(new ResourceNotFoundException({ message: 'Could not find', ...meta }));
    const f = await failure(recommender.describeCampaign(CAMPAIGN));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('ResourceNotFoundException');
    expect(f.message).toContain(CAMPAIGN);
    expect(f.message).toMatch(/check campaignArn in the pipeline config/);
  });

  test('invalid input is non-retryable', async () => {
    mock
      .on(CreateDatasetImportJobCommand)
      .rejects(new InvalidInputException({ message: 'INCREMENTAL needs a bulk import', ...meta }));
    const f = await failure(
      recommender.startImport({
        jobName: 'j',
        datasetArn: DATASET,
        dataLocation: 's3://b/x.csv',
        importMode: 'INCREMENTAL',
      })
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('InvalidInputException');
    expect(f.message).toMatch(/INCREMENTAL needs a bulk import/);
    expect(f.message).toContain(DATASET);
  });

  test('access denied is non-retryable and says which permission', async () => {
    const denied = Object.assign(new Error('User is not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    mock.on(GetSolutionMetricsCommand).rejects(denied);
    const f = await failure(recommender.getSolutionMetrics(`${SOLUTION}/x`));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(
      `personalize:GetSolutionMetrics on ${SOLUTION}/x was denied: the worker's role needs personalize:GetSolutionMetrics on ${SOLUTION}/x`
    );
  });

  test('5xx is retryable', async () => {
    const server = Object.assign(new Error('internal'), {
      name: 'InternalServerError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    mock.on(DescribeSolutionVersionCommand).rejects(server);
    expect((await failure(recommender.describeSolutionVersion(`${SOLUTION}/x`))).nonRetryable).toBe(false);
  });
});

describe('real-time records in a training', () => {
  test('DescribeSolutionVersion has no count of PutEvents records: the adapter says "not reported", never a number', async () => {
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: 'ACTIVE', creationDateTime: new Date('2026-11-23T01:00:00Z') } });
    expect(await recommender.describeSolutionVersion(`${SOLUTION}/abcd0001`)).toEqual({
      status: 'ACTIVE',
      reason: undefined,
      createdAt: '2026-11-23T01:00:00.000Z',
      realtimeInTraining: { reported: false },
    });
  });
});
