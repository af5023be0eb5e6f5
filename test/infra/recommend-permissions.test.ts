import { importRoleGrants, workerGrants } from '../../infra/aws/permissions';
import { parseConfig } from '../../common/config';

const A = 'arn:aws:personalize:us-east-1:123456789012';
function pipeline(extra: string) {
  return parseConfig(`
pipelines:
  - name: shop
    backend: aws
    source: { kind: ses, eventsPrefix: s3://events/ses/ }
    warehouse: { kind: athena, database: shop, outputLocation: s3://work/athena/ }
    workPrefix: s3://work/shop/
    personalize:
      datasetArn: ${A}:dataset/shop/INTERACTIONS
      solutionArn: ${A}:solution/shop
      campaignArn: ${A}:campaign/shop
      importRoleArn: arn:aws:iam::123456789012:role/Import
${extra}`).pipelines[0]!;
}

test('recommendations out: the batch job actions on the versions, jobs and filter; the import role writes the output', () => {
  const p = pipeline(`    recommendations: { audience: window, filterArn: ${A}:filter/not-bought }`);
  const grants = workerGrants(p);
  expect(grants.find((g) => g.sid === 'ShopRecommend')).toMatchObject({
    actions: ['personalize:CreateBatchInferenceJob', 'personalize:DescribeBatchInferenceJob'],
    resources: [`${A}:solution/shop/*`, `${A}:batch-inference-job/shop-*`, `${A}:filter/not-bought`],
  });
  expect(grants.find((g) => g.sid === 'ShopFindBatchJobs')?.actions).toEqual(['personalize:ListBatchInferenceJobs']);
  expect(grants.some((g) => g.sid === 'ShopPassBatchRole')).toBe(false);
  expect(importRoleGrants(p).find((g) => g.sid === 'WriteRecommendations')?.actions).toEqual(['s3:PutObject']);
});

test('a batch role of its own is passed to Personalize; without recommendations nothing is granted', () => {
  const own = pipeline(`      batchInferenceRoleArn: arn:aws:iam::123456789012:role/Batch
    recommendations: { audience: window }`);
  expect(workerGrants(own).find((g) => g.sid === 'ShopPassBatchRole')?.resources).toEqual(['arn:aws:iam::123456789012:role/Batch']);
  expect(importRoleGrants(own).some((g) => g.sid === 'WriteRecommendations')).toBe(false);
  const none = pipeline('');
  expect(workerGrants(none).some((g) => g.actions.some((a) => a.includes('BatchInference')))).toBe(false);
});
