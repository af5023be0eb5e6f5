import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateDatasetImportJobCommand,
  CreateSolutionVersionCommand,
  DescribeCampaignCommand,
  DescribeDatasetImportJobCommand,
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
import { ApplicationFailure } from '@temporalio/common';
import { PersonalizeRecommender } from '../../activities/aws/personalize';
import { mapImportJobStatus, mapSolutionVersionStatus } from '../../common/job-status';

const A = 'arn:aws:personalize:us-east-1:123456789012';
const DATASET = `${A}:dataset/shop/INTERACTIONS`;
const SOLUTION = `${A}:solution/shop`;
const CAMPAIGN = `${A}:campaign/shop`;
const ROLE = 'arn:aws:iam::123456789012:role/PersonalizeImport';
const mock = mockClient(PersonalizeClient);
const recommender = new PersonalizeRecommender(new PersonalizeClient({ region: 'us-east-1' }), { importRoleArn: ROLE });
const meta = { $metadata: {} };

beforeEach(() => mock.reset());

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('dataset import', () => {
  test('CreateDatasetImportJob gets the exact parameters', async () => {
    mock.on(CreateDatasetImportJobCommand).resolves({ datasetImportJobArn: `${A}:dataset-import-job/shop-20261123-import` });
    const out = await recommender.startImport({ jobName: 'shop-20261123-import', datasetArn: DATASET, dataLocation: 's3://b/work/runs/2026-11-23/interactions.csv', importMode: 'INCREMENTAL' });
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
    mock
      .on(ListDatasetImportJobsCommand)
      .resolvesOnce({ datasetImportJobs: [{ jobName: 'other', datasetImportJobArn: `${A}:dataset-import-job/other` }], nextToken: 't2' })
      .resolvesOnce({ datasetImportJobs: [{ jobName: 'shop-20261123-import', datasetImportJobArn: `${A}:dataset-import-job/shop-20261123-import` }] });
    const out = await recommender.startImport({ jobName: 'shop-20261123-import', datasetArn: DATASET, dataLocation: 's3://b/x.csv', importMode: 'FULL' });
    expect(out.jobArn).toBe(`${A}:dataset-import-job/shop-20261123-import`);
    expect(mock.commandCalls(ListDatasetImportJobsCommand)[1]!.args[0].input).toMatchObject({ datasetArn: DATASET, nextToken: 't2' });
  });

  test.each(['CREATE PENDING', 'CREATE IN_PROGRESS', 'ACTIVE', 'CREATE FAILED'])('status %s is reported as is and maps', async (status) => {
    mock.on(DescribeDatasetImportJobCommand).resolves({ datasetImportJob: { status, failureReason: status === 'CREATE FAILED' ? 'bad header' : undefined } });
    const obs = await recommender.describeImport(`${A}:dataset-import-job/j`);
    expect(obs.status).toBe(status);
    expect(mapImportJobStatus(obs).state).toBe(status === 'ACTIVE' ? 'succeeded' : status === 'CREATE FAILED' ? 'failed' : 'pending');
  });
});

describe('training', () => {
  test('CreateSolutionVersion with name and training mode', async () => {
    mock.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: `${SOLUTION}/aaaa0001` });
    await recommender.startSolutionVersion({ name: 'shop-20261123-train', solutionArn: SOLUTION, trainingMode: 'UPDATE' });
    expect(mock.commandCalls(CreateSolutionVersionCommand)[0]!.args[0].input).toEqual({ solutionArn: SOLUTION, name: 'shop-20261123-train', trainingMode: 'UPDATE' });
  });

  test('ResourceAlreadyExists adopts the version of that name (describing the newest first)', async () => {
    mock.on(CreateSolutionVersionCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', ...meta }));
    mock.on(ListSolutionVersionsCommand).resolves({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/old00001`, creationDateTime: new Date('2026-11-01') },
        { solutionVersionArn: `${SOLUTION}/new00002`, creationDateTime: new Date('2026-11-24') },
      ],
    });
    mock.on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/new00002` }).resolves({ solutionVersion: { name: 'shop-20261123-train' } });
    mock.on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/old00001` }).resolves({ solutionVersion: { name: 'shop-20261101-train' } });
    const out = await recommender.startSolutionVersion({ name: 'shop-20261123-train', solutionArn: SOLUTION, trainingMode: 'FULL' });
    expect(out.solutionVersionArn).toBe(`${SOLUTION}/new00002`);
    expect(mock.commandCalls(DescribeSolutionVersionCommand)).toHaveLength(1);
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
    mock.on(StopSolutionVersionCreationCommand).rejects(new ResourceInUseException({ message: 'not in progress', ...meta }));
    mock.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: 'ACTIVE' } });
    await expect(recommender.stopSolutionVersion(`${SOLUTION}/x`)).resolves.toBeUndefined();
  });

  test('stopping a running version calls StopSolutionVersionCreation', async () => {
    mock.on(StopSolutionVersionCreationCommand).resolves({});
    await recommender.stopSolutionVersion(`${SOLUTION}/x`);
    expect(mock.commandCalls(StopSolutionVersionCreationCommand)[0]!.args[0].input).toEqual({ solutionVersionArn: `${SOLUTION}/x` });
  });

  test('metrics of a version', async () => {
    mock.on(GetSolutionMetricsCommand).resolves({ metrics: { normalized_discounted_cumulative_gain_at_10: 0.31, coverage: 0.2 } });
    expect(await recommender.getSolutionMetrics(`${SOLUTION}/x`)).toEqual({ normalized_discounted_cumulative_gain_at_10: 0.31, coverage: 0.2 });
  });
});

describe('campaign', () => {
  test('describe reads latestCampaignUpdate, not only the campaign status', async () => {
    mock.on(DescribeCampaignCommand).resolves({
      campaign: { status: 'ACTIVE', solutionVersionArn: `${SOLUTION}/old`, minProvisionedTPS: 12, latestCampaignUpdate: { solutionVersionArn: `${SOLUTION}/new`, status: 'CREATE IN_PROGRESS' } },
    });
    expect(await recommender.describeCampaign(CAMPAIGN)).toMatchObject({
      status: 'ACTIVE',
      minProvisionedTPS: 12,
      latestUpdate: { solutionVersionArn: `${SOLUTION}/new`, status: 'CREATE IN_PROGRESS' },
    });
  });

  test('UpdateCampaign keeps the given TPS and config (never forces 1)', async () => {
    mock.on(UpdateCampaignCommand).resolves({ campaignArn: CAMPAIGN });
    await recommender.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: `${SOLUTION}/new`, minProvisionedTPS: 12, campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } } });
    expect(mock.commandCalls(UpdateCampaignCommand)[0]!.args[0].input).toEqual({
      campaignArn: CAMPAIGN,
      solutionVersionArn: `${SOLUTION}/new`,
      minProvisionedTPS: 12,
      campaignConfig: { itemExplorationConfig: { explorationWeight: '0.3' } },
    });
  });
});

describe('error classes', () => {
  test('throttling and busy are retryable', async () => {
    mock.on(CreateSolutionVersionCommand).rejects(new LimitExceededException({ message: 'Rate exceeded', ...meta }));
    const f = await failure(recommender.startSolutionVersion({ name: 'n', solutionArn: SOLUTION, trainingMode: 'FULL' }));
    expect(f.nonRetryable).toBe(false);
    mock.on(UpdateCampaignCommand).rejects(new ResourceInUseException({ message: 'update in progress', ...meta }));
    expect((await failure(recommender.updateCampaign({ campaignArn: CAMPAIGN, solutionVersionArn: `${SOLUTION}/x`, minProvisionedTPS: 1 }))).nonRetryable).toBe(false);
  });

  test('not found is non-retryable and names the resource and the fix', async () => {
    mock.on(DescribeCampaignCommand).rejects(new ResourceNotFoundException({ message: 'Could not find', ...meta }));
    const f = await failure(recommender.describeCampaign(CAMPAIGN));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('ResourceNotFoundException');
    expect(f.message).toContain(CAMPAIGN);
    expect(f.message).toMatch(/check the ARN/);
  });

  test('invalid input is non-retryable', async () => {
    mock.on(CreateDatasetImportJobCommand).rejects(new InvalidInputException({ message: 'INCREMENTAL needs a bulk import', ...meta }));
    const f = await failure(recommender.startImport({ jobName: 'j', datasetArn: DATASET, dataLocation: 's3://b/x.csv', importMode: 'INCREMENTAL' }));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/INCREMENTAL needs a bulk import/);
  });

  test('access denied is non-retryable and says which permission', async () => {
    const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    mock.on(GetSolutionMetricsCommand).rejects(denied);
    const f = await failure(recommender.getSolutionMetrics(`${SOLUTION}/x`));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/GetSolutionMetrics .* was denied; the worker's role needs permission/);
  });

  test('5xx is retryable', async () => {
    const server = Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    mock.on(DescribeSolutionVersionCommand).rejects(server);
    expect((await failure(recommender.describeSolutionVersion(`${SOLUTION}/x`))).nonRetryable).toBe(false);
  });
});
