/**
 * PersonalizeOptimizerStack: everything one environment's config file needs on AWS, built from that
 * file. For its AWS pipelines it creates
 *  - the buckets named in their URIs (SSE-S3, TLS only, public access blocked, work files expiring,
 *    a bucket policy letting Personalize read the interactions files);
 *  - one Firehose delivery stream per event source (newline-delimited, `YYYY/MM/DD/HH/`, gzip);
 *  - the Glue database and tables (partition projection) and the Athena workgroup;
 *  - the roles: worker, Personalize import (trusting Personalize for this account only), Firehose,
 *    and the one Pinpoint's event stream uses to write to Firehose;
 *  - the SNS topic of the notifications;
 *  - optionally the worker and the event gateway as Fargate services.
 * Personalize's dataset group, datasets, solution and campaign are not created: CloudFormation has
 * no campaign resource, and they hold the models; the config names them by ARN.
 */
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Tags,
  aws_athena as athena,
  aws_glue as glue,
  aws_iam as iam,
  aws_s3 as s3,
  aws_sns as sns,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config, PipelineConfig } from '../../common/config';
import { DeploySchema, type DeploySettings } from '../../common/deploy-config';
import { EventDeliveryStream } from './constructs/event-delivery-stream';
import { GlueTable } from './constructs/glue-table';
import { REPO_ROOT, Services } from './constructs/services';
import {
  bucketArn,
  eventPlaces,
  importRoleGrants,
  objectsArn,
  pipelineScope,
  queryResultsPlace,
  runsPlace,
  s3Place,
  sidOf,
  workerGrants,
  type AwsScope,
  type Grant,
} from './permissions';
import { deliveryStreamsFor, tablesForPipeline } from './tables';

export interface PersonalizeOptimizerStackProps {
  config: Config;
  /** The environment variables the config file references, with the values it was loaded with. */
  configEnvironment?: Record<string, string>;
  /** Path of the config file inside the repository (the worker image reads it from there). */
  configPath?: string;
  /** Docker build context (default: the repository root). */
  repoRoot?: string;
}

export function stackName(deploy: DeploySettings): string {
  return `PersonalizeOptimizer-${deploy.environment}`;
}

/** Work files at least this large expire (query results, interactions files); run records are far smaller. */
const WORK_FILE_MIN_BYTES = 64 * 1024;

/** Variables whose values are secrets by their name: never written into a template as plain text. */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|WEBHOOK/i;

function statement(g: Grant): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: g.sid, actions: g.actions, resources: g.resources, conditions: g.conditions });
}

function roleName(arn: string): { roleName: string; path?: string } {
  const m = /:role\/(?:(.*)\/)?([^/]+)$/.exec(arn);
  if (!m) throw new Error(`not an IAM role ARN: ${arn}`);
  return { roleName: m[2]!, path: m[1] ? `/${m[1]}/` : undefined };
}

export class PersonalizeOptimizerStack extends Stack {
  readonly deploy: DeploySettings;
  readonly workerRole: iam.Role;
  readonly buckets = new Map<string, s3.IBucket>();
  private readonly tableLocations = new Map<string, string>();

  /** deploy.availabilityZones spares the lookup (and its credentials) that a VPC otherwise needs. */
  override get availabilityZones(): string[] {
    return this.deploy?.availabilityZones ?? super.availabilityZones;
  }

  constructor(scope: Construct, props: PersonalizeOptimizerStackProps) {
    const deploy = props.config.deploy ?? DeploySchema.parse({});
    const pipelines = props.config.pipelines.filter((p) => p.backend === 'aws');
    if (pipelines.length === 0) throw new Error('the config has no pipeline with backend: aws; nothing to deploy');
    const scopes = pipelines.map(pipelineScope);
    const env = scopes[0]!;
    for (const [i, s] of scopes.entries()) {
      if (s.account !== env.account || s.region !== env.region) {
        throw new Error(
          `pipeline ${pipelines[i]!.name} is in ${s.account}/${s.region}, the first in ${env.account}/${env.region}: one stack per account and region`
        );
      }
    }
    super(scope, stackName(deploy), {
      env: { account: env.account, region: env.region },
      description: `personalize-optimizer (${deploy.environment}): buckets, Firehose, Glue/Athena, IAM roles, SNS${deploy.worker.enabled ? ', worker on Fargate' : ''}`,
    });
    this.deploy = deploy;
    Tags.of(this).add('application', 'personalize-optimizer');
    Tags.of(this).add('environment', deploy.environment);

    this.createBuckets(pipelines, env);
    this.workerRole = this.createWorkerRole(pipelines, env);
    this.createImportRoles(pipelines, env);
    for (const p of pipelines) this.createPipeline(p, env);

    if (deploy.worker.enabled || deploy.gateway.enabled) {
      new Services(this, 'Services', {
        deploy,
        workerRole: this.workerRole,
        environment: this.taskEnvironment(props),
        repoRoot: props.repoRoot ?? REPO_ROOT,
      });
    }
    new CfnOutput(this, 'WorkerRoleArn', {
      value: this.workerRole.roleArn,
      description: 'preflight --principal <this>',
    });
  }

  /** Every bucket the pipelines name, created with the settings below unless it exists already. */
  private createBuckets(pipelines: PipelineConfig[], env: AwsScope): void {
    const names = new Set<string>();
    for (const p of pipelines) {
      names.add(s3Place(p.workPrefix).bucket);
      names.add(queryResultsPlace(p).bucket);
      for (const e of eventPlaces(p)) names.add(e.bucket);
    }
    for (const name of names) {
      if (this.deploy.existingBuckets.includes(name)) {
        this.buckets.set(name, s3.Bucket.fromBucketName(this, `Existing-${name}`, name));
        continue;
      }
      const work = pipelines.filter((p) => runsPlace(p).bucket === name);
      const results = pipelines.filter(
        (p) => p.warehouse.kind === 'athena' && p.warehouse.outputLocation && queryResultsPlace(p).bucket === name
      );
      const expire = Duration.days(this.deploy.workFilesExpireDays);
      const bucket = new s3.Bucket(this, `Bucket-${name}`, {
        bucketName: name,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removalPolicy: this.deploy.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        lifecycleRules: [
          { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
          // A run's large files (query results, interactions file) expire; its small record and the
          // last-trained watermark in the same folder stay.
          ...work.map((p) => ({
            id: `${sidOf(p.name)}WorkFiles`,
            prefix: runsPlace(p).prefix,
            objectSizeGreaterThan: WORK_FILE_MIN_BYTES,
            expiration: expire,
          })),
          ...results.map((p) => ({
            id: `${sidOf(p.name)}QueryResults`,
            prefix: queryResultsPlace(p).prefix,
            expiration: expire,
          })),
        ],
      });
      // CloudFormation types ObjectSizeGreaterThan as a string (a long); CDK renders its number as is.
      work.forEach((_p, i) =>
        (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
          `LifecycleConfiguration.Rules.${i + 1}.ObjectSizeGreaterThan`,
          String(WORK_FILE_MIN_BYTES)
        )
      );
      // Personalize reads the interactions files with the import role, and the bucket must admit it too.
      for (const p of work) {
        bucket.addToResourcePolicy(
          new iam.PolicyStatement({
            sid: `PersonalizeReads${sidOf(p.name)}`,
            principals: [new iam.ServicePrincipal('personalize.amazonaws.com')],
            actions: ['s3:GetObject', 's3:ListBucket'],
            resources: [bucketArn(env, name), objectsArn(env, runsPlace(p))],
          })
        );
      }
      this.buckets.set(name, bucket);
    }
  }

  private createWorkerRole(pipelines: PipelineConfig[], env: AwsScope): iam.Role {
    const onFargate = this.deploy.worker.enabled;
    const role = new iam.Role(this, 'WorkerRole', {
      roleName: `PersonalizeOptimizer-${this.deploy.environment}-Worker`,
      description: 'The personalize-optimizer worker: Athena queries, Personalize jobs, work files',
      assumedBy: onFargate
        ? new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
            conditions: { StringEquals: { 'aws:SourceAccount': env.account } },
          })
        : new iam.ArnPrincipal(`arn:${env.partition}:iam::${env.account}:root`),
    });
    new iam.Policy(this, 'WorkerPolicy', {
      roles: [role],
      statements: pipelines.flatMap(workerGrants).map(statement),
    });
    return role;
  }

  private createPipeline(p: PipelineConfig, env: AwsScope): void {
    const id = sidOf(p.name);

    if (p.warehouse.kind === 'athena') {
      const wh = p.warehouse;
      const db = this.glueDatabase(wh.database, env);
      for (const def of tablesForPipeline(p)) {
        const key = `${wh.database}.${def.name}`;
        const other = this.tableLocations.get(key);
        if (other !== undefined) {
          if (other !== def.location)
            throw new Error(`table ${key} is defined twice with different locations (${other}, ${def.location})`);
          continue;
        }
        this.tableLocations.set(key, def.location);
        const t = new GlueTable(this, `${id}Table-${def.name}`, {
          catalogId: env.account,
          databaseName: wh.database,
          definition: def,
        });
        t.node.addDependency(db);
      }
      if (wh.workGroup !== 'primary' && !this.node.tryFindChild(`WorkGroup-${wh.workGroup}`)) {
        new athena.CfnWorkGroup(this, `WorkGroup-${wh.workGroup}`, {
          name: wh.workGroup,
          description: 'personalize-optimizer interactions queries',
          recursiveDeleteOption: false,
          workGroupConfiguration: {
            engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
            // Not enforced: each run names its own result folder (or warehouse.outputLocation).
            enforceWorkGroupConfiguration: false,
            publishCloudWatchMetricsEnabled: true,
            resultConfiguration: {
              outputLocation: `s3://${queryResultsPlace(p).bucket}/${queryResultsPlace(p).prefix}`,
              encryptionConfiguration: { encryptionOption: 'SSE_S3' },
            },
          },
        });
      }
    }

    for (const spec of deliveryStreamsFor(p, this.deploy.environment)) {
      const stream = new EventDeliveryStream(this, `${id}Events-${spec.name}`, {
        spec,
        bucket: this.buckets.get(spec.events.bucket)!,
        scope: env,
        bufferSeconds: this.deploy.firehose.bufferSeconds,
        bufferMiB: this.deploy.firehose.bufferMiB,
      });
      new CfnOutput(this, `DeliveryStream${sidOf(spec.name)}`, {
        value: spec.name,
        description: `Firehose stream of pipeline ${p.name}`,
      });
      if (spec.kind === 'pinpoint') {
        // Pinpoint's event stream (aws pinpoint put-event-stream) writes to Firehose with this role.
        const pinpoint = new iam.Role(this, `PinpointStreamRole-${spec.name}`, {
          description: `Pinpoint writes the event stream of pipeline ${p.name} to Firehose`,
          assumedBy: new iam.ServicePrincipal('pinpoint.amazonaws.com', {
            conditions: { StringEquals: { 'aws:SourceAccount': env.account } },
          }),
        });
        new iam.Policy(this, `PinpointStreamPolicy-${spec.name}`, {
          roles: [pinpoint],
          statements: [
            new iam.PolicyStatement({
              sid: 'PutEvents',
              actions: ['firehose:PutRecordBatch', 'firehose:DescribeDeliveryStream'],
              resources: [stream.stream.attrArn],
            }),
          ],
        });
        new CfnOutput(this, `PinpointStreamRoleArn${sidOf(spec.name)}`, { value: pinpoint.roleArn });
      }
    }

    if (p.notifications.snsTopicArn && !this.node.tryFindChild(`Topic-${p.notifications.snsTopicArn}`)) {
      const topicName = p.notifications.snsTopicArn.split(':').pop()!;
      new sns.Topic(this, `Topic-${p.notifications.snsTopicArn}`, { topicName, enforceSSL: true });
    }
  }

  /**
   * The import roles Personalize assumes, named as the config names them (pipelines may share one),
   * trusting Personalize only for this account: the confused-deputy conditions Personalize documents.
   */
  private createImportRoles(pipelines: PipelineConfig[], env: AwsScope): void {
    const byArn = new Map<string, PipelineConfig[]>();
    for (const p of pipelines)
      byArn.set(p.personalize!.importRoleArn, [...(byArn.get(p.personalize!.importRoleArn) ?? []), p]);
    for (const [arn, users] of byArn) {
      const { roleName: name, path } = roleName(arn);
      const role = new iam.Role(this, `ImportRole-${name}`, {
        roleName: name,
        path,
        description: `Personalize reads the interactions files of ${users.map((p) => p.name).join(', ')}`,
        assumedBy: new iam.ServicePrincipal('personalize.amazonaws.com', {
          conditions: {
            StringEquals: { 'aws:SourceAccount': env.account },
            ArnLike: { 'aws:SourceArn': `arn:${env.partition}:personalize:${env.region}:${env.account}:*` },
          },
        }),
      });
      new iam.Policy(this, `ImportPolicy-${name}`, {
        roles: [role],
        statements: users.flatMap((p) =>
          importRoleGrants(p).map((g) => statement({ ...g, sid: `${sidOf(p.name)}${g.sid}` }))
        ),
      });
      new CfnOutput(this, `ImportRoleArn${sidOf(name)}`, { value: role.roleArn });
    }
  }

  private glueDatabase(name: string, env: AwsScope): glue.CfnDatabase {
    const existing = this.node.tryFindChild(`Database-${name}`) as glue.CfnDatabase | undefined;
    return (
      existing ??
      new glue.CfnDatabase(this, `Database-${name}`, {
        catalogId: env.account,
        databaseInput: { name, description: 'personalize-optimizer event tables' },
      })
    );
  }

  /** The tasks' environment: the config's path in the image, its variables, the region. */
  private taskEnvironment(props: PersonalizeOptimizerStackProps): Record<string, string> {
    const environment: Record<string, string> = {
      PERSONALIZE_OPTIMIZER_CONFIG: `/app/${props.configPath ?? 'config/config.yaml'}`,
      AWS_REGION: this.region,
    };
    for (const [name, value] of Object.entries(props.configEnvironment ?? {})) {
      if (this.deploy.worker.secretEnv[name]) continue;
      if (SECRET_NAME.test(name)) {
        throw new Error(
          `the config reads \${${name}}, which looks like a secret: give it with deploy.worker.secretEnv.${name}: <Secrets Manager ARN>, never as plain text in the template`
        );
      }
      environment[name] = value;
    }
    if (props.config.temporal.address === undefined && !environment.TEMPORAL_ADDRESS) {
      throw new Error(
        'the worker on Fargate needs temporal.address in the config (e.g. <namespace>.<account>.tmprl.cloud:7233)'
      );
    }
    return environment;
  }
}
