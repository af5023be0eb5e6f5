/** The worker's grants for the items / users datasets and for a recommender's pipeline (infra/aws/permissions.ts). */
import { parseConfig } from '../../common/config';
import { workerGrants } from '../../infra/aws/permissions';

const A = 'arn:aws:personalize:us-east-1:123456789012';
const pipeline = (personalize: string) =>
  parseConfig(
    `
pipelines:
  - name: shop
    backend: aws
    source: { kind: ses, eventsPrefix: s3://events-bucket/ses/ }
    warehouse: { kind: athena, database: events }
    workPrefix: s3://work-bucket/work/
    personalize:
      datasetArn: ${A}:dataset/shop/INTERACTIONS
      importRoleArn: arn:aws:iam::123456789012:role/PersonalizeImport
${personalize}
    datasets:
      items: { source: s3://catalog/items/, datasetArn: ${A}:dataset/shop/ITEMS }
      users: { source: s3://catalog/people/users.csv, datasetArn: ${A}:dataset/shop/USERS }
`,
    'test.yaml',
    {}
  ).pipelines[0]!;

const bySid = (grants: ReturnType<typeof workerGrants>) => Object.fromEntries(grants.map((g) => [g.sid.replace(/^shop/i, ''), g]));

test('a recommender pipeline: DescribeRecommender on it, no training or campaign grants; the items / users datasets and files', () => {
  const g = bySid(workerGrants(pipeline(`      recommenderArn: ${A}:recommender/shop-top-picks`)));
  expect(g.Recommender).toMatchObject({ actions: ['personalize:DescribeRecommender'], resources: [`${A}:recommender/shop-top-picks`] });
  expect(g.Train).toBeUndefined();
  expect(g.Deploy).toBeUndefined();
  expect(g.Import!.resources).toEqual(expect.arrayContaining([`${A}:dataset/shop/INTERACTIONS`, `${A}:dataset/shop/ITEMS`, `${A}:dataset/shop/USERS`]));
  expect(g.DatasetFiles).toMatchObject({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::catalog/items/*', 'arn:aws:s3:::catalog/people/*'] });
  expect(g.DatasetBuckets).toMatchObject({ actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::catalog'] });
});

test('a solution + campaign pipeline keeps its training and deploy grants and gets no recommender grant', () => {
  const g = bySid(workerGrants(pipeline(`      solutionArn: ${A}:solution/shop\n      campaignArn: ${A}:campaign/shop`)));
  expect(g.Train!.resources).toEqual([`${A}:solution/shop`, `${A}:solution/shop/*`]);
  expect(g.Deploy!.resources).toEqual([`${A}:campaign/shop`]);
  expect(g.Recommender).toBeUndefined();
});
