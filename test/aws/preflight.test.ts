/**
 * preflight's checks against mocked AWS (aws-sdk-client-mock): each passing and failing, the
 * exact requests, the report and exit code 7, and `schedule apply` refusing before any schedule.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  DescribeCampaignCommand,
  DescribeDatasetCommand,
  DescribeSchemaCommand,
  DescribeSolutionCommand,
  PersonalizeClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-personalize';
import {
  GetRoleCommand,
  IAMClient,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { EntityNotFoundException, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseConfig, type PipelineConfig } from '../../common/config';
import { main } from '../../client/cli';
import { principalOf } from '../../client/preflight/checks';
import { formatReports, preflightPipeline, problemCount, type CheckResult } from '../../client/preflight';
import { serviceAccess, wildcardMatch, type PolicyStatement } from '../../client/preflight/policy-match';
import { tablesForPipeline } from '../../infra/aws/tables';
import { PersonalizeOptimizerStack } from '../../infra/aws/stack';

const EXAMPLE = path.join(__dirname, '../../config/aws.example.yaml');
const ENV = { DATA_BUCKET: 'shop-data', AWS_ACCOUNT_ID: '111122223333', AWS_REGION: 'eu-west-1' };
const config = parseConfig(fs.readFileSync(EXAMPLE, 'utf8'), 'aws.example.yaml', ENV);
const pipeline = config.pipelines[0]!;
const A = 'arn:aws:personalize:eu-west-1:111122223333';
const SCHEMA = `${A}:schema/shop-interactions`;
const WORKER = 'arn:aws:iam::111122223333:role/PersonalizeOptimizer-dev-Worker';
const IMPORT_ROLE = 'arn:aws:iam::111122223333:role/PersonalizeOptimizerImport';

const pz = mockClient(PersonalizeClient);
const iam = mockClient(IAMClient);
const s3 = mockClient(S3Client);
const glue = mockClient(GlueClient);
const sts = mockClient(STSClient);
const meta = { $metadata: {} };

const goodSchema = {
  type: 'record',
  name: 'Interactions',
  namespace: 'com.amazonaws.personalize.schema',
  fields: [
    { name: 'USER_ID', type: 'string' },
    { name: 'ITEM_ID', type: 'string' },
    { name: 'EVENT_TYPE', type: 'string' },
    { name: 'EVENT_VALUE', type: ['null', 'float'] },
    { name: 'TIMESTAMP', type: 'long' },
  ],
  version: '1.0',
};

const trust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'personalize.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
    },
  ],
};

const bucketPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: ['arn:aws:s3:::shop-data', 'arn:aws:s3:::shop-data/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'PersonalizeReadsShop',
      Effect: 'Allow',
      Principal: { Service: 'personalize.amazonaws.com' },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::shop-data', 'arn:aws:s3:::shop-data/work/runs/*'],
    },
  ],
};

/** The Glue table as the stack creates it. */
function glueTable(p: PipelineConfig) {
  const def = tablesForPipeline(p)[0]!;
  return {
    Name: def.name,
    DatabaseName: 'personalize_optimizer',
    PartitionKeys: def.partitionKeys.map((k) => ({ Name: k.name, Type: k.type })),
    Parameters: { ...def.parameters, 'projection.dt.range': '2024/01/01/00,NOW' },
    StorageDescriptor: {
      Location: def.location,
      SerdeInfo: { SerializationLibrary: def.serde.library, Parameters: def.serde.parameters },
    },
  };
}

/** IAM's simulator over given policy statements: allowed when an Allow matches action, resource and context. */
function simulatorOver(policy: PolicyStatement[], denied: (action: string, resource: string) => boolean = () => false) {
  return (input: SimulatePrincipalPolicyCommandInput) => ({
    EvaluationResults: (input.ActionNames ?? []).map((action) => ({
      EvalActionName: action,
      EvalDecision: 'allowed',
      ResourceSpecificResults: (input.ResourceArns ?? ['*']).map((resource) => {
        const allowed =
          !denied(action, resource) &&
          policy.some(
            (s) =>
              s.Effect === 'Allow' &&
              [s.Action ?? []].flat().some((a) => wildcardMatch(a, action, true)) &&
              [s.Resource ?? []].flat().some((r) => wildcardMatch(r, resource)) &&
              Object.values(s.Condition ?? {}).every((kv) =>
                Object.entries(kv).every(([k, v]) =>
                  (input.ContextEntries ?? []).some(
                    (e) => e.ContextKeyName === k && [v].flat().every((x) => e.ContextKeyValues?.includes(x))
                  )
                )
              )
          );
        return { EvalResourceName: resource, EvalResourceDecision: allowed ? 'allowed' : 'implicitDeny' };
      }),
    })),
  });
}

const everything: PolicyStatement[] = [
  { Effect: 'Allow', Action: ['personalize:*', 'athena:*', 'glue:*', 's3:*', 'iam:PassRole'], Resource: '*' },
];

function allGood(): void {
  pz.on(DescribeDatasetCommand).resolves({
    dataset: { datasetArn: pipeline.personalize!.datasetArn, schemaArn: SCHEMA },
  });
  pz.on(DescribeSchemaCommand).resolves({ schema: { schemaArn: SCHEMA, schema: JSON.stringify(goodSchema) } });
  pz.on(DescribeSolutionCommand).resolves({
    solution: { solutionArn: pipeline.personalize!.solutionArn, performAutoTraining: false },
  });
  pz.on(DescribeCampaignCommand).resolves({
    campaign: { solutionVersionArn: `${A}:solution/shop/live0001`, campaignConfig: {} },
  });
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'PersonalizeOptimizerImport',
      Arn: IMPORT_ROLE,
      Path: '/',
      RoleId: 'x',
      CreateDate: new Date(),
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
    },
  });
  iam.on(SimulatePrincipalPolicyCommand).callsFake(simulatorOver(everything));
  s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(bucketPolicy) });
  glue.on(GetTableCommand).resolves({ Table: glueTable(pipeline) });
  sts.on(GetCallerIdentityCommand).resolves({
    Arn: 'arn:aws:sts::111122223333:assumed-role/PersonalizeOptimizer-dev-Worker/i-0abc',
    Account: '111122223333',
  });
}

beforeEach(() => {
  for (const m of [pz, iam, s3, glue, sts]) m.reset();
  allGood();
});

async function results(p: PipelineConfig = pipeline, principal?: string): Promise<CheckResult[]> {
  return (await preflightPipeline(p, { principal })).results;
}

function byCheck(rs: CheckResult[], check: string): CheckResult[] {
  const found = rs.filter((r) => r.check === check);
  if (!found.length) throw new Error(`no check "${check}" in ${rs.map((r) => r.check).join(', ')}`);
  return found;
}

test('everything in order: every check ok, no problems', async () => {
  const rs = await results();
  expect(rs.map((r) => [r.check, r.status])).toEqual([
    ['interactions dataset schema', 'ok'],
    ['automatic training and deployment', 'ok'],
    ['import role trusts Personalize', 'ok'],
    ['import role can read the work prefix', 'ok'],
    ['bucket policy admits Personalize', 'ok'],
    ['Athena table personalize_optimizer.event', 'ok'],
    ["worker's permissions", 'ok'],
  ]);
  expect(pz.commandCalls(DescribeDatasetCommand)[0]!.args[0].input).toEqual({
    datasetArn: pipeline.personalize!.datasetArn,
  });
  expect(pz.commandCalls(DescribeSchemaCommand)[0]!.args[0].input).toEqual({ schemaArn: SCHEMA });
  expect(iam.commandCalls(GetRoleCommand)[0]!.args[0].input).toEqual({ RoleName: 'PersonalizeOptimizerImport' });
  expect(s3.commandCalls(GetBucketPolicyCommand)[0]!.args[0].input).toEqual({ Bucket: 'shop-data' });
  expect(glue.commandCalls(GetTableCommand)[0]!.args[0].input).toEqual({
    DatabaseName: 'personalize_optimizer',
    Name: 'event',
  });
  expect(formatReports([{ pipeline: 'shop', backend: 'aws', results: rs }]).at(-1)).toBe(
    'preflight: no problems found'
  );
});

describe('dataset schema', () => {
  test('a column the file has is missing from the schema', async () => {
    pz.on(DescribeSchemaCommand).resolves({
      schema: {
        schema: JSON.stringify({ ...goodSchema, fields: goodSchema.fields.filter((f) => f.name !== 'EVENT_VALUE') }),
      },
    });
    const [r] = byCheck(await results(), 'interactions dataset schema');
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain('the file has EVENT_VALUE, the schema does not');
    expect(r!.fix).toContain('USER_ID, ITEM_ID, EVENT_TYPE, EVENT_VALUE, TIMESTAMP');
  });

  test('a required schema field the file does not have, and a wrong type', async () => {
    pz.on(DescribeSchemaCommand).resolves({
      schema: {
        schema: JSON.stringify({
          ...goodSchema,
          fields: [
            ...goodSchema.fields.map((f) => (f.name === 'TIMESTAMP' ? { ...f, type: 'string' } : f)),
            { name: 'IMPRESSION', type: 'string' },
          ],
        }),
      },
    });
    const [r] = byCheck(await results(), 'interactions dataset schema');
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain('TIMESTAMP is string in the schema, the file gives long or int');
    expect(r!.detail).toContain('the schema requires IMPRESSION, which the file does not have');
  });

  test('an unknown dataset is a problem naming the config field', async () => {
    pz.on(DescribeDatasetCommand).rejects(new ResourceNotFoundException({ message: 'no dataset', ...meta }));
    const [r] = byCheck(await results(), 'interactions dataset schema');
    expect(r).toMatchObject({ status: 'problem', fix: 'check personalize.datasetArn in the config' });
  });

  test('not allowed to read it: not checked, naming the permission, not a problem', async () => {
    pz.on(DescribeDatasetCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })
    );
    const rs = await results();
    const [r] = byCheck(rs, 'interactions dataset schema');
    expect(r).toMatchObject({ status: 'unchecked', fix: expect.stringContaining('personalize:DescribeDataset') });
    expect(problemCount([{ pipeline: 'shop', backend: 'aws', results: rs }])).toBe(0);
  });
});

describe('automatic training and deployment', () => {
  test('performAutoTraining on while the pipeline trains', async () => {
    pz.on(DescribeSolutionCommand).resolves({ solution: { performAutoTraining: true } });
    const [r] = byCheck(await results(), 'automatic training and deployment');
    expect(r!.status).toBe('problem');
    expect(r!.fix).toContain(
      `aws personalize update-solution --solution-arn ${A}:solution/shop --no-perform-auto-training`
    );
    expect(r!.fix).toContain('personalize.autoTraining: gate');
  });

  test('a campaign syncing with $LATEST, named with the version to pin', async () => {
    pz.on(DescribeCampaignCommand).resolves({
      campaign: {
        solutionVersionArn: `${A}:solution/shop/live0001`,
        campaignConfig: { syncWithLatestSolutionVersion: true },
      },
    });
    const [r] = byCheck(await results(), 'automatic training and deployment');
    expect(r!.status).toBe('problem');
    expect(r!.fix).toBe(
      `pin the campaign to one version: aws personalize update-campaign --campaign-arn ${A}:campaign/shop --solution-version-arn ${A}:solution/shop/live0001 --campaign-config syncWithLatestSolutionVersion=false`
    );
  });

  test('autoTraining: gate needs a solution that trains itself', async () => {
    const gate = parseConfig(
      fs
        .readFileSync(EXAMPLE, 'utf8')
        .replace('      importRoleArn:', '      autoTraining: gate\n      importRoleArn:'),
      'x.yaml',
      ENV
    ).pipelines[0]!;
    expect(byCheck(await results(gate), 'automatic training and deployment')[0]).toMatchObject({
      status: 'problem',
      fix: expect.stringContaining('--perform-auto-training'),
    });
    pz.on(DescribeSolutionCommand).resolves({ solution: { performAutoTraining: true } });
    expect(byCheck(await results(gate), 'automatic training and deployment')[0]!.status).toBe('ok');
  });
});

describe('import role', () => {
  test('a trust policy without Personalize', async () => {
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'x',
        Arn: IMPORT_ROLE,
        Path: '/',
        RoleId: 'x',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          })
        ),
      },
    });
    const [r] = byCheck(await results(), 'import role trusts Personalize');
    expect(r!.status).toBe('problem');
    expect(r!.fix).toContain('"Principal":{"Service":"personalize.amazonaws.com"}');
  });

  test('a trust policy for another account', async () => {
    const other = {
      Statement: [{ ...trust.Statement[0], Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } } }],
    };
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'x',
        Arn: IMPORT_ROLE,
        Path: '/',
        RoleId: 'x',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(other)),
      },
    });
    expect(byCheck(await results(), 'import role trusts Personalize')[0]).toMatchObject({
      status: 'problem',
      fix: 'set aws:SourceAccount to 111122223333 in its trust policy',
    });
  });

  test('the role cannot read the interactions files: simulated as the import role, on a file under runs/', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand)
      .callsFake(
        simulatorOver(everything, (action, resource) => action === 's3:GetObject' && resource.includes('/work/runs/'))
      );
    const [r] = byCheck(await results(), 'import role can read the work prefix');
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain('s3:GetObject on arn:aws:s3:::shop-data/work/runs/preflight-check');
    const asImportRole = iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .filter((c) => c.args[0].input.PolicySourceArn === IMPORT_ROLE);
    expect(asImportRole.map((c) => c.args[0].input)).toEqual([
      {
        PolicySourceArn: IMPORT_ROLE,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::shop-data/work/runs/preflight-check'],
      },
      { PolicySourceArn: IMPORT_ROLE, ActionNames: ['s3:ListBucket'], ResourceArns: ['arn:aws:s3:::shop-data'] },
    ]);
  });
});

describe('bucket policy', () => {
  test('no bucket policy at all', async () => {
    s3.on(GetBucketPolicyCommand).rejects(
      Object.assign(new Error('The bucket policy does not exist'), {
        name: 'NoSuchBucketPolicy',
        $metadata: { httpStatusCode: 404 },
      })
    );
    const [r] = byCheck(await results(), 'bucket policy admits Personalize');
    expect(r!.status).toBe('problem');
    expect(r!.fix).toBe(
      'add this statement to its policy: {"Effect":"Allow","Principal":{"Service":"personalize.amazonaws.com"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::shop-data","arn:aws:s3:::shop-data/work/runs/*"]}'
    );
  });

  test('a policy admitting Personalize elsewhere only', async () => {
    const elsewhere = {
      Statement: [
        { ...bucketPolicy.Statement[1], Resource: ['arn:aws:s3:::shop-data', 'arn:aws:s3:::shop-data/imports/*'] },
      ],
    };
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(elsewhere) });
    const [r] = byCheck(await results(), 'bucket policy admits Personalize');
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain('does not give personalize.amazonaws.com s3:GetObject on work/runs/*');
  });

  test('an unconditional Deny wins over the Allow', async () => {
    const deny = {
      Statement: [
        ...bucketPolicy.Statement,
        {
          Sid: 'NoServices',
          Effect: 'Deny',
          Principal: { Service: 'personalize.amazonaws.com' },
          Action: 's3:*',
          Resource: 'arn:aws:s3:::shop-data/*',
        },
      ],
    };
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(deny) });
    expect(byCheck(await results(), 'bucket policy admits Personalize')[0]).toMatchObject({
      status: 'problem',
      detail: expect.stringContaining('NoServices'),
    });
  });
});

describe('Athena tables', () => {
  test('a missing table', async () => {
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'Table event not found', ...meta }));
    const [r] = byCheck(await results(), 'Athena table personalize_optimizer.event');
    expect(r).toMatchObject({ status: 'problem', fix: expect.stringContaining('npm run cdk -- deploy') });
  });

  test('a table without projection, elsewhere', async () => {
    const t = glueTable(pipeline);
    glue.on(GetTableCommand).resolves({
      Table: {
        ...t,
        Parameters: { EXTERNAL: 'TRUE' },
        StorageDescriptor: { ...t.StorageDescriptor, Location: 's3://other/events/' },
      },
    });
    const [r] = byCheck(await results(), 'Athena table personalize_optimizer.event');
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain("its location is s3://other/events/, the config's s3://shop-data/events/");
    expect(r!.detail).toContain("projection.enabled is missing, expected 'true'");
    expect(r!.detail).toContain("storage.location.template is missing, expected 's3://shop-data/events/${dt}/'");
  });
});

describe("worker's permissions", () => {
  test('simulated for the caller: an assumed-role session becomes its role', async () => {
    await results();
    const principals = new Set(
      iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input.PolicySourceArn)
    );
    expect(principals).toEqual(new Set([IMPORT_ROLE, WORKER]));
    const passRole = iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .find((c) => c.args[0].input.ActionNames?.includes('iam:PassRole'));
    expect(passRole!.args[0].input).toEqual({
      PolicySourceArn: WORKER,
      ActionNames: ['iam:PassRole'],
      ResourceArns: [IMPORT_ROLE],
      ContextEntries: [
        {
          ContextKeyName: 'iam:PassedToService',
          ContextKeyType: 'string',
          ContextKeyValues: ['personalize.amazonaws.com'],
        },
      ],
    });
  });

  test('a missing permission is named with what it is for', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand)
      .callsFake(simulatorOver(everything, (action) => action === 'personalize:UpdateCampaign'));
    const [r] = byCheck(await results(pipeline, WORKER), "worker's permissions");
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain(
      `personalize:UpdateCampaign on ${A}:campaign/shop (to deploy the version the gate passed)`
    );
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  test("the stack's own worker policy passes the simulation, and the gaps of a trimmed one are found", async () => {
    const stack = new PersonalizeOptimizerStack(new App(), { config });
    const [policy] = Object.entries(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter(([id]) =>
      id.startsWith('WorkerPolicy')
    );
    const statements = (policy![1].Properties as { PolicyDocument: { Statement: PolicyStatement[] } }).PolicyDocument
      .Statement;
    iam.on(SimulatePrincipalPolicyCommand).callsFake(simulatorOver(statements));
    expect(byCheck(await results(pipeline, WORKER), "worker's permissions")[0]!.status).toBe('ok');
    iam.on(SimulatePrincipalPolicyCommand).callsFake(simulatorOver(statements.filter((s) => s.Sid !== 'ShopTables')));
    const [r] = byCheck(await results(pipeline, WORKER), "worker's permissions");
    expect(r!.status).toBe('problem');
    expect(r!.detail).toContain(
      'glue:GetTable on arn:aws:glue:eu-west-1:111122223333:table/personalize_optimizer/event'
    );
  });

  test('not allowed to simulate: not checked, naming iam:SimulatePrincipalPolicy', async () => {
    iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })
      );
    const [r] = byCheck(await results(pipeline, WORKER), "worker's permissions");
    expect(r).toMatchObject({ status: 'unchecked', fix: expect.stringContaining('iam:SimulatePrincipalPolicy') });
  });
});

test('principalOf: sessions become roles; users and roles stay; anything else cannot be simulated', () => {
  expect(principalOf('arn:aws:sts::111122223333:assumed-role/Worker/i-1')).toBe(
    'arn:aws:iam::111122223333:role/Worker'
  );
  expect(principalOf('arn:aws:iam::111122223333:user/ops')).toBe('arn:aws:iam::111122223333:user/ops');
  expect(principalOf('arn:aws:iam::111122223333:root')).toBeUndefined();
});

test('policy matching: wildcards, NotAction, and a conditional Deny that does not count', () => {
  expect(wildcardMatch('s3:Get*', 's3:GetObject', true)).toBe(true);
  expect(wildcardMatch('arn:aws:s3:::b/work/*', 'arn:aws:s3:::b/other/x')).toBe(false);
  const doc = {
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'personalize.amazonaws.com' },
        NotAction: 's3:PutObject',
        Resource: '*',
      },
    ],
  };
  expect(serviceAccess(doc, 'personalize.amazonaws.com', 's3:GetObject', 'arn:aws:s3:::b/k').allowedBy).toBeDefined();
  expect(serviceAccess(doc, 'personalize.amazonaws.com', 's3:PutObject', 'arn:aws:s3:::b/k').allowedBy).toBeUndefined();
});

describe('the command', () => {
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, ENV));
  afterAll(() => {
    for (const k of Object.keys(ENV)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  });
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const write = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    const error = jest.spyOn(console, 'error').mockImplementation((s: unknown) => void lines.push(String(s)));
    process.exitCode = undefined;
    try {
      return { code: await main(['node', 'cli', '--config', EXAMPLE, ...args]), text: lines.join('') };
    } finally {
      write.mockRestore();
      error.mockRestore();
      process.exitCode = undefined;
    }
  };

  test('exit 0 when clean, 7 with a problem, each problem followed by its fix', async () => {
    expect((await run('preflight')).code).toBe(0);
    pz.on(DescribeSolutionCommand).resolves({ solution: { performAutoTraining: true } });
    const { code, text } = await run('preflight');
    expect(code).toBe(7);
    expect(text).toMatch(
      /PROBLEM automatic training and deployment: solution .* trains itself[^\n]*\n +fix: turn it off: aws personalize update-solution/
    );
    expect(text).toContain('preflight: 1 problem found');
  });

  test('schedule apply runs preflight first and changes nothing when it finds problems (exit 7)', async () => {
    pz.on(DescribeCampaignCommand).resolves({ campaign: { campaignConfig: { syncWithLatestSolutionVersion: true } } });
    const { code, text } = await run('schedule', 'apply');
    expect(code).toBe(7);
    expect(text).toContain('no schedule was changed: fix the problems above, or apply with --skip-preflight');
  });

  test('an unknown pipeline is a usage error', async () => {
    expect((await run('preflight', 'nope')).code).toBe(2);
  });
});
