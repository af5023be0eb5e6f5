/**
 * The worker (and, optionally, the event gateway) as ECS Fargate services, from the project's
 * Dockerfile or a prebuilt image. Temporal credentials come from Secrets Manager; the config file
 * is the one in the image, with the environment variables it references set on the task.
 *
 * The VPC has public subnets only and no NAT gateway (NAT costs about 32 USD a month per AZ): the
 * tasks get public IPs for their outbound calls (Temporal, AWS APIs) and accept no inbound traffic,
 * except the gateway's, which only its load balancer reaches.
 */
import * as path from 'node:path';
import {
  Duration,
  aws_certificatemanager as acm,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_ecs_patterns as patterns,
  aws_elasticloadbalancingv2 as elbv2,
  aws_iam as iam,
  aws_logs as logs,
  aws_secretsmanager as sm,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { DeploySettings } from '../../../common/deploy-config';

export interface ServicesProps {
  deploy: DeploySettings;
  /** The worker's role, given to its tasks. */
  workerRole: iam.Role;
  /** Plain environment of every task (connection, config path, the config's variables). */
  environment: Record<string, string>;
  /** Repository root: the Docker build context. */
  repoRoot: string;
}

const WORKER_HEALTH_PORT = 8080;
const GATEWAY_PORT = 8088;

export class Services extends Construct {
  readonly cluster: ecs.Cluster;
  readonly worker?: ecs.FargateService;
  readonly gateway?: patterns.ApplicationLoadBalancedFargateService;

  constructor(scope: Construct, id: string, props: ServicesProps) {
    super(scope, id);
    const { deploy } = props;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ...(deploy.availabilityZones ? { availabilityZones: deploy.availabilityZones } : { maxAzs: 2 }),
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    const image = deploy.worker.imageUri
      ? ecs.ContainerImage.fromRegistry(deploy.worker.imageUri)
      : ecs.ContainerImage.fromAsset(props.repoRoot, {
          file: 'Dockerfile',
          exclude: ['cdk.out', 'node_modules', '.git', '.data'],
        });
    const secrets = this.secrets(deploy);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });

    if (deploy.worker.enabled) {
      const task = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
        cpu: deploy.worker.cpu,
        memoryLimitMiB: deploy.worker.memory,
        taskRole: props.workerRole,
      });
      task.addContainer('worker', {
        image,
        environment: props.environment,
        secrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'worker' }),
        // The worker gives running activities 60 s to finish on SIGTERM; Fargate allows up to 120 s.
        stopTimeout: Duration.seconds(90),
        healthCheck: {
          command: [
            'CMD',
            'node',
            '-e',
            `fetch('http://127.0.0.1:${WORKER_HEALTH_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
          ],
          interval: Duration.seconds(15),
          timeout: Duration.seconds(5),
          startPeriod: Duration.seconds(60),
          retries: 3,
        },
      });
      this.worker = new ecs.FargateService(this, 'Worker', {
        cluster: this.cluster,
        taskDefinition: task,
        desiredCount: deploy.worker.desiredCount,
        assignPublicIp: true,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        circuitBreaker: { rollback: true },
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
      });
    }

    if (deploy.gateway.enabled) {
      const gatewayRole = new iam.Role(this, 'GatewayRole', {
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
        description: 'The event gateway: hands accepted events to Temporal (no AWS data access)',
      });
      this.gateway = new patterns.ApplicationLoadBalancedFargateService(this, 'Gateway', {
        cluster: this.cluster,
        desiredCount: deploy.gateway.desiredCount,
        assignPublicIp: true,
        taskSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        cpu: 256,
        memoryLimitMiB: 512,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        redirectHTTP: true,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', deploy.gateway.certificateArn!),
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        circuitBreaker: { rollback: true },
        minHealthyPercent: 100,
        taskImageOptions: {
          image,
          containerPort: GATEWAY_PORT,
          command: ['node', '--import', 'tsx', 'client/gateway/main.ts'],
          environment: { ...props.environment, GATEWAY_HOST: '0.0.0.0', GATEWAY_PORT: String(GATEWAY_PORT) },
          secrets,
          taskRole: gatewayRole,
          logDriver: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'gateway' }),
        },
      });
      this.gateway.targetGroup.configureHealthCheck({ path: '/healthz', healthyHttpCodes: '200' });
    }
  }

  private secrets(deploy: DeploySettings): Record<string, ecs.Secret> {
    const out: Record<string, ecs.Secret> = {};
    if (deploy.worker.temporalSecretArn) {
      const secret = sm.Secret.fromSecretCompleteArn(this, 'TemporalSecret', deploy.worker.temporalSecretArn);
      for (const key of deploy.worker.temporalSecretKeys) out[key] = ecs.Secret.fromSecretsManager(secret, key);
    }
    for (const [name, arn] of Object.entries(deploy.worker.secretEnv)) {
      out[name] = ecs.Secret.fromSecretsManager(sm.Secret.fromSecretCompleteArn(this, `Secret${name}`, arn));
    }
    return out;
  }
}

/** The repository root, from this file (infra/aws/constructs/). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
