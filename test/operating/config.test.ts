/** One test per mistake: each is refused with the path of the wrong field, before anything runs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseConfig, toPipelineSettings } from '../../common/config';
import { DEFAULT_POLL } from '../../workflows/wait-schedule';
import { main, EXIT } from '../../client/cli';
import { removeScratchDirs, scratchDir } from '../helpers/scratch';

afterAll(removeScratchDirs);

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

test('approval settings: on-doubt with a deadline and a default decision', () => {
  const g = parseConfig(AWS.replace('    workPrefix:', '    gate: { approval: on-doubt, approvalTimeout: 3 days, approvalDefault: approve }\n    workPrefix:')).pipelines[0]!.gate;
  expect(g).toMatchObject({ approval: 'on-doubt', approvalTimeout: '3 days', approvalDefault: 'approve', tolerance: 0.02 });
  expect(problems(AWS.replace('    workPrefix:', '    gate: { approval: sometimes }\n    workPrefix:')).map((p) => p.path)).toEqual(['pipelines[0](shop).gate.approval']);
});

test('the AWS example and the local config are valid', () => {
  expect(parseConfig(AWS).pipelines[0]!.gate).toEqual({
    metric: 'normalized_discounted_cumulative_gain_at_10',
    tolerance: 0.02,
    approval: 'never',
    approvalTimeout: '24h',
    approvalDefault: 'deny',
    holdout: { enabled: true, days: 1, minUsers: 50, sampleUsers: 1000, whenTooSmall: 'solution-metrics' },
  });
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
  const file = path.join(scratchDir('po-cfg-'), 'bad.yaml');
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

describe('config errors say what to fix, never "Invalid input" or a raw pattern', () => {
  const pipeline = (extra: string) => AWS.replace('    workPrefix: s3://bucket/work/\n', `    workPrefix: s3://bucket/work/\n${extra}\n`);

  test('lookbackDays: thirty names the accepted values', () => {
    const [p] = problems(pipeline('    lookbackDays: thirty'));
    expect(p).toEqual({ path: 'pipelines[0](shop).lookbackDays', message: 'a whole number of days from 1 to 3650, or all; got "thirty"' });
  });

  test('a malformed ARN shows the form it should have, not the regular expression', () => {
    const list = problems(AWS.replace('solution/shop', 'solution/').replace('dataset/shop/INTERACTIONS', 'dataset/shop/USERS'));
    expect(list.map((p) => p.message)).toEqual([
      'expected an ARN like arn:aws:personalize:<region>:<12-digit account>:dataset/<dataset group>/INTERACTIONS',
      'expected an ARN like arn:aws:personalize:<region>:<12-digit account>:solution/<name>',
    ]);
    const sns = problems(pipeline('    notifications: { snsTopicArn: "arn:aws:sns:us-east-1:123:topic" }'));
    expect(sns[0]!.message).toBe('expected an ARN like arn:aws:sns:<region>:<12-digit account>:<topic name>');
  });

  test('a misspelt key gets a suggestion', () => {
    expect(problems(pipeline('    lookbakDays: 7'))[0]!.message).toBe('unknown key "lookbakDays" – did you mean lookbackDays?');
  });

  test('no message of a broad set of mistakes is zod’s generic wording or a pattern', () => {
    const mistakes = [
      '    lookbackDays: thirty',
      '    gate: { tolerance: "2%" }',
      '    gate: { approval: sometimes, approvalTimeout: soon, approvalDefault: maybe }',
      '    importMode: full',
      '    schedule: { hour: 25, overlap: sometimes }',
      '    notifications: { on: [FAILD], webhookUrl: "not a url" }',
      '    staleness: { maxAgeDays: -1, hour: 9.5 }',
      '    bogus: 1',
    ];
    const messages = mistakes.flatMap((m) => problems(pipeline(m)).map((p) => p.message));
    messages.push(...problems(AWS.replace('kind: athena, database: pinpoint', 'kind: athena, database: pinpoint, workGroup: "bad group!"')).map((p) => p.message));
    messages.push(...problems(AWS.replace('kind: pinpoint', 'kind: kafka')).map((p) => p.message));
    messages.push(...problems(AWS.replace('    backend: aws\n', '')).map((p) => p.message));
    expect(messages.length).toBeGreaterThanOrEqual(12);
    for (const m of messages) {
      expect(m).not.toMatch(/Invalid input|Invalid option|Invalid string|must match pattern|\[a-zA-Z0-9\]|\\d\{12\}|\$\//);
    }
    expect(messages).toEqual(
      expect.arrayContaining([
        'expected a number, got the text "2%"',
        'expected one of FULL, INCREMENTAL, got the text "full"',
        'at most 23, got 25',
        'required: one of aws, local',
        'expected one of pinpoint, ses, sms, events, got the text "kafka"',
      ])
    );
  });

  test('an empty file and a missing file say so, with what to do', () => {
    expect(problems('')[0]!.message).toMatch(/the file is empty/);
    let err: unknown;
    try {
      loadConfig(path.join(os.tmpdir(), 'no-such-dir', 'config.yaml'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/^cannot read the config file .*config\.yaml:/);
    expect(message).toMatch(/no such file .*--config <file>.*PERSONALIZE_OPTIMIZER_CONFIG/);
    expect(message).not.toMatch(/ENOENT/);
  });
});

test('gate.approval, its timeout and default reach the run settings the workflow reads', () => {
  const yaml = AWS.replace('    workPrefix: s3://bucket/work/\n', '    workPrefix: s3://bucket/work/\n    gate:\n      approval: on-doubt\n      approvalTimeout: 3d\n      approvalDefault: approve\n');
  const gate = toPipelineSettings(parseConfig(yaml).pipelines[0]!, { poll: DEFAULT_POLL, phaseSearchAttribute: false }).gate;
  expect(gate).toMatchObject({ approval: 'on-doubt', approvalTimeout: '3d', approvalDefault: 'approve' });
  expect(gate.holdout).toBeDefined();
});

describe('gate.holdout', () => {
  const withHoldout = (yaml: string) => AWS.replace('    workPrefix: s3://bucket/work/\n', `    workPrefix: s3://bucket/work/\n    gate:\n      holdout: ${yaml}\n`);
  test('a fraction of the time span instead of days, and a minimum of users', () => {
    expect(parseConfig(withHoldout('{ fraction: 0.1, minUsers: 200, whenTooSmall: reject }')).pipelines[0]!.gate.holdout).toEqual({
      enabled: true,
      fraction: 0.1,
      minUsers: 200,
      sampleUsers: 1000,
      whenTooSmall: 'reject',
    });
  });
  test('enabled: false gates on GetSolutionMetrics as before: the settings carry no holdout', () => {
    const p = parseConfig(withHoldout('{ enabled: false }')).pipelines[0]!;
    expect(toPipelineSettings(p, { poll: DEFAULT_POLL, phaseSearchAttribute: false }).gate).toEqual({
      metric: 'normalized_discounted_cumulative_gain_at_10',
      tolerance: 0.02,
      approval: 'never',
      approvalTimeout: '24h',
      approvalDefault: 'deny',
    });
    const on = toPipelineSettings(parseConfig(AWS).pipelines[0]!, { poll: DEFAULT_POLL, phaseSearchAttribute: false });
    expect(on.gate.holdout).toEqual({ days: 1, minUsers: 50, sampleUsers: 1000, whenTooSmall: 'solution-metrics' });
  });
  test('days and fraction together are refused, with the field', () => {
    expect(problems(withHoldout('{ days: 1, fraction: 0.2 }')).map((p) => p.message).join(' ')).toMatch(/days or fraction, not both/);
    expect(problems(withHoldout('{ fraction: 1.5 }'))[0]!.path).toMatch(/gate\.holdout/);
  });
});
