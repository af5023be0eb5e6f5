/**
 * One Firehose delivery stream per event source, writing what the tables and the interactions
 * query expect: one JSON record per line (Firehose concatenates records with no delimiter unless
 * told to, and the line-based SerDe then reads NULL rows), under `<prefix>YYYY/MM/DD/HH/` in UTC,
 * gzip-compressed, with failed records under an error prefix outside the table's location.
 */
import { aws_iam as iam, aws_kinesisfirehose as firehose, aws_logs as logs, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { bucketArn, objectsArn, type AwsScope } from '../permissions';
import type { DeliveryStreamSpec } from '../tables';

export interface EventDeliveryStreamProps {
  spec: DeliveryStreamSpec;
  bucket: s3.IBucket;
  scope: AwsScope;
  bufferSeconds: number;
  bufferMiB: number;
}

/** The prefix Firehose writes to: the events folder, then the UTC hour folders the tables project. */
export function hourlyPrefix(prefix: string): string {
  return `${prefix}!{timestamp:yyyy/MM/dd/HH}/`;
}

export class EventDeliveryStream extends Construct {
  readonly stream: firehose.CfnDeliveryStream;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EventDeliveryStreamProps) {
    super(scope, id);
    const { spec } = props;
    const logGroup = new logs.LogGroup(this, 'Errors', { retention: logs.RetentionDays.ONE_MONTH });
    const logStream = new logs.LogStream(this, 'S3Delivery', { logGroup });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': props.scope.account } },
      }),
      description: `Firehose ${spec.name}: writes the event files`,
    });
    const policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteEventFiles',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [objectsArn(props.scope, spec.events), objectsArn(props.scope, spec.errors)],
        }),
        new iam.PolicyStatement({
          sid: 'Bucket',
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucketArn(props.scope, spec.events.bucket)],
        }),
        new iam.PolicyStatement({
          sid: 'LogDeliveryErrors',
          actions: ['logs:PutLogEvents'],
          // The group's ARN ends in `:*`: its streams, this one among them.
          resources: [logGroup.logGroupArn],
        }),
      ],
    });

    this.stream = new firehose.CfnDeliveryStream(this, 'Stream', {
      deliveryStreamName: spec.name,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: props.bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: hourlyPrefix(spec.events.prefix),
        errorOutputPrefix: `${spec.errors.prefix}!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`,
        compressionFormat: 'GZIP',
        bufferingHints: { intervalInSeconds: props.bufferSeconds, sizeInMBs: props.bufferMiB },
        processingConfiguration: {
          enabled: true,
          // Firehose's own newline delimiter: one record per line, no transform Lambda.
          processors: [{ type: 'AppendDelimiterToRecord' }],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    // Firehose checks its role's permissions when the stream is created.
    this.stream.node.addDependency(policy);
  }
}
