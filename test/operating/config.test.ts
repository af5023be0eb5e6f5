/** One test per mistake: each is refused with the path of the wrong field, before anything runs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../common/config';
import { main, EXIT } from '../../client/cli';

const AWS = `
pipelines:
  - name: shop
    backend: aws
    source:
      kind: pinpoint
      eventsPrefix: s3://bucket/events/
      endpointExport: { enabled: false }
    warehouse: { kind: athena, database: pinpoint, outputLocation: s3://bucket/athena/ }
    personalize:
      datasetArn: arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS
      solutionArn: arn:aws:personalize:us-east-1:123456789012:solution/shop
      campaignArn: arn:aws:personalize:us-east-1:123456789012:campaign/shop
      importRoleArn: arn:aws:iam::123456789012:role/PersonalizeImport
    workPrefix: s3://bucket/work/
`;

function problems(text: string, env: NodeJS.ProcessEnv = {}): { path: string; message: string }[] {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the config was accepted');
}

test('the AWS example and the local config are valid', () => {
  expect(parseConfig(AWS).pipelines[0]!.gate).toEqual({ metric: 'normalized_discounted_cumulative_gain_at_10', tolerance: 0.02 });
  expect(loadConfig(path.resolve(__dirname, '../../config/local.yaml')).pipelines[0]!.name).toBe('demo');
  expect(loadConfig(path.resolve(__dirname, '../../config/aws.example.yaml'), { AWS_ACCOUNT_ID: '123456789012', DATA_BUCKET: 'b' }).pipelines[0]!.backend).toBe('aws');
});

test('a malformed ARN names its field', () => {
  const p = problems(AWS.replace('solution/shop', 'solutionshop'));
  expect(p).toEqual([{ path: 'pipelines[0](shop).personalize.solutionArn', message: expect.stringMatching(/expected an ARN like arn:aws:personalize/) }]);
});

test('a missing ARN names its field', () => {
  const p = problems(AWS.replace(/\s+campaignArn: .*\n/, '\n'));
  expect(p.map((x) => x.path)).toEqual(['pipelines[0](shop).personalize.campaignArn']);
});

test('an unknown key is refused', () => {
  const p = problems(AWS.replace('workPrefix:', 'retrainEvery: 3\n    workPrefix:'));
  expect(p[0]).toMatchObject({ path: 'pipelines[0](shop)', message: expect.stringMatching(/retrainEvery/) });
});

test('a bad calendar and a bad timezone are both reported', () => {
  const p = problems(`${AWS}    schedule: { hour: 25, timezone: Mars/Olympus }\n`);
  expect(p.map((x) => x.path).sort()).toEqual(['pipelines[0](shop).schedule.hour', 'pipelines[0](shop).schedule.timezone']);
  expect(p.find((x) => x.path.endsWith('timezone'))!.message).toMatch(/IANA time zone/);
});

test('a field mapping without USER_ID is refused', () => {
  const p = problems(`
pipelines:
  - name: events
    backend: local
    source:
      kind: events
      eventsPrefix: data/events/
      mapping: { ITEM_ID: properties.sku, EVENT_TYPE: event, TIMESTAMP: timestamp }
    workPrefix: data/work/
`);
  expect(p).toEqual([{ path: 'pipelines[0](events).source.mapping.USER_ID', message: expect.any(String) }]);
});

test('a non-numeric scoring value is refused', () => {
  const p = problems(AWS.replace('endpointExport: { enabled: false }', 'endpointExport: { enabled: false }\n      scoring: { _email.open: lots }'));
  expect(p).toEqual([{ path: 'pipelines[0](shop).source.scoring._email.open', message: 'scoring values must be numbers' }]);
});

test('an unset ${ENV} reference is refused by name', () => {
  const p = problems(AWS.replace('s3://bucket/work/', 's3://${WORK_BUCKET}/work/'));
  expect(p[0]!.message).toMatch(/WORK_BUCKET is not set/);
  expect(parseConfig(AWS.replace('s3://bucket/work/', 's3://${WORK_BUCKET}/work/'), 'x', { WORK_BUCKET: 'mine' }).pipelines[0]!.workPrefix).toBe('s3://mine/work/');
});

test('every problem at once, not only the first', () => {
  const p = problems(AWS.replace('solution/shop', 'x').replace('campaign/shop', 'y').replace('s3://bucket/work/', '/tmp/work'));
  expect(p.length).toBe(3);
});

test('the CLI refuses a bad config with exit code 2 and schedules nothing', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'po-cfg-')), 'bad.yaml');
  fs.writeFileSync(file, AWS.replace('solution/shop', 'solutionshop'));
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
  try {
    // No server listens on this address: a refusal must come before any connection attempt.
    expect(await main(['node', 'cli', '--config', file, 'schedule', 'apply'])).toBe(EXIT.usage);
  } finally {
    spy.mockRestore();
  }
  expect(errors.join('\n')).toMatch(/personalize\.solutionArn/);
});
