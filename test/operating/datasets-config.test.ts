/** The items / users datasets and the recommender target in the config, and what the workflow gets from them. */
import { parseConfig, toPipelineSettings, ConfigError } from '../../common/config';
import { DEFAULT_POLL } from '../../workflows/wait-schedule';

const PERSONALIZE = `
    personalize:
      datasetArn: arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS
      importRoleArn: arn:aws:iam::123456789012:role/PersonalizeImport`;
const aws = (extra: string) => `
pipelines:
  - name: shop
    backend: aws
    source: { kind: ses, eventsPrefix: s3://bucket/events/ }
    warehouse: { kind: athena, database: events }
    workPrefix: s3://bucket/work/${extra}
`;

function problems(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text, 'test.yaml', {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the config was accepted');
}

const settingsOf = (text: string) => toPipelineSettings(parseConfig(text, 'test.yaml', {}).pipelines[0]!, { poll: DEFAULT_POLL, phaseSearchAttribute: false });

test('a recommender instead of solution + campaign; the items / users datasets with their ARNs and deadlines', () => {
  const s = settingsOf(
    aws(`${PERSONALIZE}
      recommenderArn: arn:aws:personalize:us-east-1:123456789012:recommender/shop-top-picks
    datasets:
      items: { source: s3://catalog/items/, datasetArn: arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS }
      users: { source: s3://catalog/users.csv, datasetArn: arn:aws:personalize:us-east-1:123456789012:dataset/shop/USERS }
    deadlines: { items: 3h, recommender: 9 days }`)
  );
  expect(s.recommenderArn).toBe('arn:aws:personalize:us-east-1:123456789012:recommender/shop-top-picks');
  expect(s.datasets).toEqual({
    items: { source: 's3://catalog/items/', datasetArn: 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS' },
    users: { source: 's3://catalog/users.csv', datasetArn: 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/USERS' },
  });
  expect(s.deadlines).toMatchObject({ items: '3h', recommender: '9 days', import: '6h' });
  expect(s.notifyOn).toContain('REGRESSED');
});

test('refused: neither target, both targets, a dataset without its ARN or with a non-S3 source on aws, localRecommender on aws', () => {
  expect(problems(aws(PERSONALIZE)).map((p) => p.path)).toEqual(['pipelines[0](shop).personalize.solutionArn', 'pipelines[0](shop).personalize.campaignArn']);
  expect(
    problems(
      aws(`${PERSONALIZE}
      recommenderArn: arn:aws:personalize:us-east-1:123456789012:recommender/r
      solutionArn: arn:aws:personalize:us-east-1:123456789012:solution/shop`)
    ).map((p) => p.path)
  ).toEqual(['pipelines[0](shop).personalize.recommenderArn']);
  const ds = problems(
    aws(`${PERSONALIZE}
      recommenderArn: arn:aws:personalize:us-east-1:123456789012:recommender/r
    datasets:
      items: { source: /tmp/items.csv }
      users: { source: s3://b/u.csv, datasetArn: arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS }
    localRecommender: {}`)
  );
  expect(ds).toEqual([
    { path: 'pipelines[0](shop).datasets.users.datasetArn', message: expect.stringMatching(/dataset\/<dataset group>\/USERS/) },
    { path: 'pipelines[0](shop).datasets.items.datasetArn', message: expect.stringMatching(/needs the items dataset's ARN/) },
    { path: 'pipelines[0](shop).datasets.items.source', message: expect.stringMatching(/s3:\/\/bucket/) },
    { path: 'pipelines[0](shop).localRecommender', message: expect.stringMatching(/personalize.recommenderArn/) },
  ]);
});

test('local: the datasets get the local ARNs, localRecommender a local recommender ARN', () => {
  const s = settingsOf(`
pipelines:
  - name: demo
    backend: local
    source: { kind: events, eventsPrefix: /tmp/events/ }
    workPrefix: /tmp/work/
    datasets: { items: { source: /tmp/catalog/items.csv } }
    localRecommender: { retrainEvery: 1 day }
`);
  expect(s.datasets).toEqual({ items: { source: '/tmp/catalog/items.csv', datasetArn: 'arn:aws:personalize:local:000000000000:dataset/demo/ITEMS' } });
  expect(s.recommenderArn).toBe('arn:aws:personalize:local:000000000000:recommender/demo');
});
