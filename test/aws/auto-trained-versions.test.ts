/** listSolutionVersions on Personalize: ListSolutionVersions pages, trainingType from the summary or, when absent, DescribeSolutionVersion. */
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeSolutionVersionCommand, ListSolutionVersionsCommand, PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeRecommender } from '../../activities/aws/personalize';

const A = 'arn:aws:personalize:us-east-1:123456789012';
const SOLUTION = `${A}:solution/shop`;
const mock = mockClient(PersonalizeClient);
const recommender = new PersonalizeRecommender(new PersonalizeClient({ region: 'us-east-1' }), { importRoleArn: `arn:aws:iam::123456789012:role/r` });

beforeEach(() => mock.reset());

test('every page is read, newest first, with trainingType; a summary without it is described (ACTIVE only)', async () => {
  mock
    .on(ListSolutionVersionsCommand, { solutionArn: SOLUTION, maxResults: 100 })
    .resolvesOnce({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/m1`, status: 'ACTIVE', trainingType: 'MANUAL', creationDateTime: new Date('2026-11-01T00:00:00Z') },
        { solutionVersionArn: `${SOLUTION}/a1`, status: 'ACTIVE', trainingType: 'AUTOMATIC', creationDateTime: new Date('2026-11-08T00:00:00Z') },
      ],
      nextToken: 'page2',
    })
    .resolvesOnce({
      solutionVersions: [
        { solutionVersionArn: `${SOLUTION}/x1`, status: 'ACTIVE', creationDateTime: new Date('2026-11-15T00:00:00Z') },
        { solutionVersionArn: `${SOLUTION}/p1`, status: 'CREATE IN_PROGRESS', creationDateTime: new Date('2026-11-20T00:00:00Z') },
      ],
    });
  mock.on(DescribeSolutionVersionCommand, { solutionVersionArn: `${SOLUTION}/x1` }).resolves({ solutionVersion: { solutionVersionArn: `${SOLUTION}/x1`, trainingType: 'AUTOMATIC' } });

  const list = await recommender.listSolutionVersions(SOLUTION);
  expect(list).toEqual([
    { solutionVersionArn: `${SOLUTION}/p1`, status: 'CREATE IN_PROGRESS', createdAt: '2026-11-20T00:00:00.000Z' },
    { solutionVersionArn: `${SOLUTION}/x1`, status: 'ACTIVE', trainingType: 'AUTOMATIC', createdAt: '2026-11-15T00:00:00.000Z' },
    { solutionVersionArn: `${SOLUTION}/a1`, status: 'ACTIVE', trainingType: 'AUTOMATIC', createdAt: '2026-11-08T00:00:00.000Z' },
    { solutionVersionArn: `${SOLUTION}/m1`, status: 'ACTIVE', trainingType: 'MANUAL', createdAt: '2026-11-01T00:00:00.000Z' },
  ]);
  const listCalls = mock.commandCalls(ListSolutionVersionsCommand).map((c) => c.args[0].input);
  // The SDK's paginator reuses one input object, so both calls show the last page's token.
  expect(listCalls).toHaveLength(2);
  expect(listCalls[1]).toEqual({ solutionArn: SOLUTION, maxResults: 100, nextToken: 'page2' });
  expect(mock.commandCalls(DescribeSolutionVersionCommand).map((c) => c.args[0].input)).toEqual([{ solutionVersionArn: `${SOLUTION}/x1` }]);
});

test('an access denial is classified, non-retryable, naming the operation', async () => {
  mock.on(ListSolutionVersionsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }));
  await expect(recommender.listSolutionVersions(SOLUTION)).rejects.toMatchObject({ nonRetryable: true, message: expect.stringMatching(/ListSolutionVersions/) });
});
