/**
 * The CDK stack, synthesized from config files like a user's: resources and their properties,
 * every IAM statement exact, encryption, Firehose's newline delimiter, the tables' projection.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseConfig, type Config } from '../../common/config';
import { buildApp, referencedEnvironment } from '../../infra/aws/app';
import { UNSCOPABLE_ACTIONS } from '../../infra/aws/permissions';
import { PersonalizeOptimizerStack } from '../../infra/aws/stack';

const EXAMPLE = path.join(__dirname, '../../config/aws.example.yaml');
const ENV = {
  DATA_BUCKET: 'shop-data',
  AWS_ACCOUNT_ID: '111122223333',
  AWS_REGION: 'eu-west-1',
  DEPLOY_ENVIRONMENT: 'prod',
};
const A = 'arn:aws:personalize:eu-west-1:111122223333';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:temporal-cloud-AbCdEf';

/** The example config with `edit` applied to its YAML text. */
function config(edit: (yaml: string) => string = (y) => y, env: Record<string, string> = ENV): Config {
  return parseConfig(edit(fs.readFileSync(EXAMPLE, 'utf8')), 'aws.example.yaml', env);
}

function synth(c: Config, extra: Partial<ConstructorParameters<typeof PersonalizeOptimizerStack>[1]> = {}): Template {
  const stack = new PersonalizeOptimizerStack(new App(), {
    config: c,
    configPath: 'config/aws.example.yaml',
    ...extra,
  });
  return Template.fromStack(stack);
}

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Principal?: unknown;
};

function statementsOf(
  t: Template,
  type: string,
  pick: (props: Record<string, unknown>) => { Statement: Statement[] } | undefined
): Statement[] {
  return Object.values(t.findResources(type)).flatMap(
    (r) => pick(r.Properties as Record<string, unknown>)?.Statement ?? []
  );
}

function allPolicyStatements(t: Template): Statement[] {
  return [
    ...statementsOf(t, 'AWS::IAM::Policy', (p) => p.PolicyDocument as { Statement: Statement[] }),
    ...statementsOf(t, 'AWS::S3::BucketPolicy', (p) => p.PolicyDocument as { Statement: Statement[] }),
  ];
}

function policyNamed(t: Template, logicalIdPrefix: string): Statement[] {
  const [entry] = Object.entries(t.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith(logicalIdPrefix));
  if (!entry) throw new Error(`no policy ${logicalIdPrefix}*`);
  return (entry[1].Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement;
}

const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : [x]);

describe('stack from config/aws.example.yaml', () => {
  const t = synth(config());

  test('one stack per environment, in the account and region of the pipelines', () => {
    const stack = new PersonalizeOptimizerStack(new App(), { config: config() });
    expect(stack.stackName).toBe('PersonalizeOptimizer-prod');
    expect(stack.account).toBe('111122223333');
    expect(stack.region).toBe('eu-west-1');
  });

  test('the bucket: named by the config, SSE-S3, public access blocked, owner-enforced, kept on delete', () => {
    t.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: 'shop-data',
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    });
  });

  test('lifecycle: large work files and the Athena results expire, the run records stay', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'AbortIncompleteUploads',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          },
          {
            Id: 'ShopWorkFiles',
            Prefix: 'work/runs/',
            ObjectSizeGreaterThan: '65536',
            ExpirationInDays: 30,
            Status: 'Enabled',
          },
          { Id: 'ShopQueryResults', Prefix: 'athena-results/', ExpirationInDays: 30, Status: 'Enabled' },
        ],
      },
    });
  });

  test('bucket policy: TLS only, and Personalize may read the interactions files (nothing else)', () => {
    const statements = statementsOf(t, 'AWS::S3::BucketPolicy', (p) => p.PolicyDocument as { Statement: Statement[] });
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })
    );
    expect(statements).toContainEqual({
      Sid: 'PersonalizeReadsShop',
      Effect: 'Allow',
      Principal: { Service: 'personalize.amazonaws.com' },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::shop-data', 'arn:aws:s3:::shop-data/work/runs/*'],
    });
  });

  test('Firehose: newline delimiter, YYYY/MM/DD/HH/ prefix, error prefix outside the table, gzip, encrypted', () => {
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamName: 'personalize-optimizer-prod-shop',
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'events/!{timestamp:yyyy/MM/dd/HH}/',
        ErrorOutputPrefix:
          'firehose-errors/personalize-optimizer-prod-shop/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
        CompressionFormat: 'GZIP',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
  });

  test('Glue: the database and the events table with partition projection over the Firehose hours', () => {
    t.hasResourceProperties('AWS::Glue::Database', {
      CatalogId: '111122223333',
      DatabaseInput: { Name: 'personalize_optimizer', Description: Match.anyValue() },
    });
    t.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'personalize_optimizer',
      TableInput: Match.objectLike({
        Name: 'event',
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        Parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy/MM/dd/HH',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'HOURS',
          'projection.dt.range': '2020/01/01/00,NOW',
          'storage.location.template': 's3://shop-data/events/${dt}/',
        },
        StorageDescriptor: Match.objectLike({
          Location: 's3://shop-data/events/',
          SerdeInfo: {
            SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            Parameters: { 'ignore.malformed.json': 'true' },
          },
        }),
      }),
    });
  });

  test('Athena workgroup: engine v3, results encrypted, not enforced (each run names its folder)', () => {
    t.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'personalize-optimizer',
      WorkGroupConfiguration: {
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        EnforceWorkGroupConfiguration: false,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: {
          OutputLocation: 's3://shop-data/athena-results/',
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });

  test('worker policy: every statement exact, scoped to the pipeline', () => {
    expect(policyNamed(t, 'WorkerPolicy')).toEqual([
      {
        Sid: 'ShopImport',
        Effect: 'Allow',
        Action: ['personalize:CreateDatasetImportJob', 'personalize:DescribeDatasetImportJob'],
        Resource: [`${A}:dataset/shop/INTERACTIONS`, `${A}:dataset-import-job/shop-*`],
      },
      {
        Sid: 'ShopTrain',
        Effect: 'Allow',
        Action: [
          'personalize:DescribeSolution',
          'personalize:CreateSolutionVersion',
          'personalize:DescribeSolutionVersion',
          'personalize:StopSolutionVersionCreation',
          'personalize:GetSolutionMetrics',
        ],
        Resource: [`${A}:solution/shop`, `${A}:solution/shop/*`],
      },
      {
        Sid: 'ShopDeploy',
        Effect: 'Allow',
        Action: ['personalize:DescribeCampaign', 'personalize:UpdateCampaign'],
        Resource: `${A}:campaign/shop`,
      },
      {
        Sid: 'ShopFindJobs',
        Effect: 'Allow',
        Action: ['personalize:ListDatasetImportJobs', 'personalize:ListSolutionVersions'],
        Resource: '*',
      },
      {
        Sid: 'ShopPassImportRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::111122223333:role/PersonalizeOptimizerImport',
        Condition: { StringEquals: { 'iam:PassedToService': 'personalize.amazonaws.com' } },
      },
      {
        Sid: 'ShopQuery',
        Effect: 'Allow',
        Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
        Resource: 'arn:aws:athena:eu-west-1:111122223333:workgroup/personalize-optimizer',
      },
      {
        Sid: 'ShopTables',
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        Resource: [
          'arn:aws:glue:eu-west-1:111122223333:catalog',
          'arn:aws:glue:eu-west-1:111122223333:database/personalize_optimizer',
          'arn:aws:glue:eu-west-1:111122223333:table/personalize_optimizer/event',
        ],
      },
      { Sid: 'ShopReadEvents', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shop-data/events/*' },
      {
        Sid: 'ShopWorkFiles',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: ['arn:aws:s3:::shop-data/work/*', 'arn:aws:s3:::shop-data/athena-results/*'],
      },
      {
        Sid: 'ShopBuckets',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation'],
        Resource: 'arn:aws:s3:::shop-data',
      },
    ]);
  });

  test('import role: named as the config names it, trusting Personalize for this account only, reading the runs folder', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'PersonalizeOptimizerImport',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'personalize.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111122223333' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:personalize:eu-west-1:111122223333:*' },
            },
          },
        ],
      },
    });
    expect(policyNamed(t, 'ImportPolicy')).toEqual([
      {
        Sid: 'ShopReadInteractions',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::shop-data/work/runs/*',
      },
      { Sid: 'ShopListWorkBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::shop-data' },
    ]);
  });

  test('Firehose role: writes only the events and error prefixes; Pinpoint may only put to that stream', () => {
    const firehose = policyNamed(t, 'ShopEvents');
    expect(firehose.slice(0, 2)).toEqual([
      {
        Sid: 'WriteEventFiles',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: [
          'arn:aws:s3:::shop-data/events/*',
          'arn:aws:s3:::shop-data/firehose-errors/personalize-optimizer-prod-shop/*',
        ],
      },
      {
        Sid: 'Bucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        Resource: 'arn:aws:s3:::shop-data',
      },
    ]);
    expect(firehose[2]).toMatchObject({
      Sid: 'LogDeliveryErrors',
      Action: 'logs:PutLogEvents',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/Errors/), 'Arn'] },
    });
    expect(policyNamed(t, 'PinpointStreamPolicy')).toEqual([
      {
        Sid: 'PutEvents',
        Effect: 'Allow',
        Action: ['firehose:PutRecordBatch', 'firehose:DescribeDeliveryStream'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/Stream/), 'Arn'] },
      },
    ]);
  });

  test('with a realtime section, the worker and gateway role reads and writes the event log prefix, and lists only it', () => {
    const c = config((y) => y.replace(/\n {4}workPrefix: /, `\n    realtime:\n      writeKeys: [key-0123456789]\n      trackingId: tracker-1\n      logPrefix: s3://shop-data/realtime/shop/\n    workPrefix: `));
    const statements = allPolicyStatements(synth(c));
    expect(statements).toContainEqual({ Sid: 'ShopEventLog', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::shop-data/realtime/shop/*' });
    expect(statements).toContainEqual({ Sid: 'ShopListEventLog', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::shop-data', Condition: { StringLike: { 's3:prefix': ['realtime/shop/*'] } } });
  });

  test('no statement anywhere allows every action, and `*` resources only for actions IAM cannot scope', () => {
    for (const s of allPolicyStatements(t)) {
      for (const action of list(s.Action) as string[]) {
        if (s.Effect === 'Deny') continue;
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
        if (list(s.Resource).includes('*')) expect(UNSCOPABLE_ACTIONS.has(action)).toBe(true);
      }
    }
  });

  test('the worker role is assumable inside the account when the worker does not run on Fargate', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'PersonalizeOptimizer-prod-Worker',
      AssumeRolePolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::111122223333:root' } },
        ],
        Version: '2012-10-17',
      },
    });
    t.resourceCountIs('AWS::ECS::Service', 0);
  });
});

describe('stack variants', () => {
  test('notifications: the SNS topic the config names, TLS only, and sns:Publish on it', () => {
    const t = synth(
      config((y) =>
        y.replace(
          '# snsTopicArn: arn:aws:sns:us-east-1:123456789012:personalize-optimizer',
          'snsTopicArn: arn:aws:sns:eu-west-1:111122223333:shop-runs'
        )
      )
    );
    t.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'shop-runs' });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
    expect(policyNamed(t, 'WorkerPolicy')).toContainEqual({
      Sid: 'ShopNotify',
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: 'arn:aws:sns:eu-west-1:111122223333:shop-runs',
    });
  });

  test('an existing bucket is used and granted, but neither created nor given a policy', () => {
    const t = synth(
      config((y) => y.replace('  retainData: true', '  retainData: true\n  existingBuckets: [shop-data]'))
    );
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::S3::BucketPolicy', 0);
    t.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
  });

  test('the worker on Fargate: the Dockerfile image, the worker role, Temporal credentials from Secrets Manager', () => {
    const c = config((y) =>
      y
        .replace(
          'taskQueue: personalize-optimizer',
          'taskQueue: personalize-optimizer\n  address: shop.a1b2c.tmprl.cloud:7233\n  namespace: shop.a1b2c'
        )
        .replace(
          '    enabled: false                           # true: the worker runs on ECS Fargate',
          `    enabled: true\n    temporalSecretArn: ${SECRET}`
        )
    );
    const t = synth(c, { configEnvironment: { DATA_BUCKET: 'shop-data', AWS_ACCOUNT_ID: '111122223333' } });
    t.resourceCountIs('AWS::ECS::Service', 1);
    t.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
      DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }),
    });
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    const [task] = Object.values(t.findResources('AWS::ECS::TaskDefinition'));
    const props = task!.Properties as {
      TaskRoleArn: unknown;
      ContainerDefinitions: {
        Image: unknown;
        Environment: { Name: string; Value: string }[];
        Secrets: { Name: string; ValueFrom: unknown }[];
        StopTimeout: number;
      }[];
    };
    expect(props.TaskRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^WorkerRole/), 'Arn'] });
    const [container] = props.ContainerDefinitions;
    expect(JSON.stringify(container!.Image)).toContain('cdk-hnb659fds-container-assets');
    expect(container!.StopTimeout).toBe(90);
    expect(Object.fromEntries(container!.Environment.map((e) => [e.Name, e.Value]))).toEqual({
      PERSONALIZE_OPTIMIZER_CONFIG: '/app/config/aws.example.yaml',
      AWS_REGION: 'eu-west-1',
      DATA_BUCKET: 'shop-data',
      AWS_ACCOUNT_ID: '111122223333',
    });
    expect(container!.Secrets).toEqual([{ Name: 'TEMPORAL_API_KEY', ValueFrom: `${SECRET}:TEMPORAL_API_KEY::` }]);
    // Fargate tasks, and only they, may assume the worker role.
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'PersonalizeOptimizer-prod-Worker',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          },
        ],
        Version: '2012-10-17',
      },
    });
    for (const s of allPolicyStatements(t)) {
      // ECR's GetAuthorizationToken takes no resource ARN either (the execution role pulls the image).
      if (list(s.Resource).includes('*'))
        for (const a of list(s.Action) as string[])
          expect(UNSCOPABLE_ACTIONS.has(a) || a === 'ecr:GetAuthorizationToken').toBe(true);
    }
  });

  test('deploy.availabilityZones: the VPC uses them, so synthesis needs no lookup', () => {
    const c = config((y) =>
      y
        .replace(
          'taskQueue: personalize-optimizer',
          'taskQueue: personalize-optimizer\n  address: shop.a1b2c.tmprl.cloud:7233'
        )
        .replace(
          '    enabled: false                           # true: the worker runs on ECS Fargate',
          '    enabled: true'
        )
        .replace('  # availabilityZones: [us-east-1a, us-east-1b]', '  availabilityZones: [eu-west-1b, eu-west-1c]')
        .replace(
          '    # imageUri: 123456789012',
          '    imageUri: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/po:1.0\n    # x: 1'
        )
    );
    const app = new App();
    const stack = new PersonalizeOptimizerStack(app, { config: c });
    const subnets = Object.values(Template.fromStack(stack).findResources('AWS::EC2::Subnet')).map(
      (r) => (r.Properties as { AvailabilityZone: string }).AvailabilityZone
    );
    expect(subnets).toEqual(['eu-west-1b', 'eu-west-1c']);
    // A lookup the CLI would have to make with credentials shows up as missing context.
    expect(app.synth().manifest.missing ?? []).toEqual([]);
  });

  test('a variable that looks like a secret is never put into the template as plain text', () => {
    const c = config((y) =>
      y
        .replace(
          'taskQueue: personalize-optimizer',
          'taskQueue: personalize-optimizer\n  address: shop.a1b2c.tmprl.cloud:7233'
        )
        .replace(
          '    enabled: false                           # true: the worker runs on ECS Fargate',
          '    enabled: true'
        )
    );
    expect(() => synth(c, { configEnvironment: { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x' } })).toThrow(
      /deploy\.worker\.secretEnv\.SLACK_WEBHOOK_URL/
    );
  });

  test('the gateway needs a certificate: the config is refused without one', () => {
    expect(() =>
      config((y) =>
        y.replace(
          '    enabled: false                           # true: the event gateway on Fargate behind HTTPS',
          '    enabled: true'
        )
      )
    ).toThrow(/deploy\.gateway\.certificateArn: the gateway takes write keys over the internet/);
  });

  test('the gateway behind an HTTPS load balancer with the given certificate', () => {
    const c = config((y) =>
      y
        .replace(
          'taskQueue: personalize-optimizer',
          'taskQueue: personalize-optimizer\n  address: shop.a1b2c.tmprl.cloud:7233'
        )
        .replace(
          '    enabled: false                           # true: the event gateway on Fargate behind HTTPS',
          '    enabled: true\n    certificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/abc'
        )
        .replace(
          '    # imageUri: 123456789012',
          '    imageUri: 111122223333.dkr.ecr.eu-west-1.amazonaws.com/po:1.0\n    # x: 1'
        )
    );
    const t = synth(c);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc' }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz' });
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/po:1.0',
          Command: ['node', '--import', 'tsx', 'client/gateway/main.ts'],
          PortMappings: [Match.objectLike({ ContainerPort: 8088 })],
          Environment: Match.arrayWith([{ Name: 'GATEWAY_HOST', Value: '0.0.0.0' }]),
        }),
      ],
    });
    t.resourceCountIs('AWS::ECS::Service', 1);
  });

  test('a config without AWS pipelines has nothing to deploy', () => {
    const local = parseConfig(
      fs.readFileSync(path.join(__dirname, '../../config/local.yaml'), 'utf8'),
      'local.yaml',
      {}
    );
    expect(() => synth(local)).toThrow(/no pipeline with backend: aws/);
  });
});

describe('the app', () => {
  test('synthesizes one template per config file, offline, with no credentials', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'));
    try {
      const staging = path.join(outdir, 'staging.yaml');
      fs.writeFileSync(staging, fs.readFileSync(EXAMPLE, 'utf8').replace('${DEPLOY_ENVIRONMENT:-dev}', 'staging'));
      const assembly = buildApp([EXAMPLE, staging], new App({ outdir })).synth();
      expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
        'PersonalizeOptimizer-dev',
        'PersonalizeOptimizer-staging',
      ]);
      expect(fs.existsSync(path.join(outdir, 'PersonalizeOptimizer-dev.template.json'))).toBe(true);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('the worker task gets exactly the variables the config file references and that are set', () => {
    expect(
      referencedEnvironment('a: ${DATA_BUCKET}\nb: ${UNSET:-x}\n# c: ${IN_COMMENT}\nd: ${AWS_REGION:-us-east-1}', {
        DATA_BUCKET: 'b',
        AWS_REGION: 'eu-west-1',
        OTHER: 'o',
      })
    ).toEqual({
      DATA_BUCKET: 'b',
      AWS_REGION: 'eu-west-1',
    });
  });
});
