/**
 * The `deploy` block of the config file: what the AWS CDK app (infra/aws) needs beyond the
 * pipelines themselves. The worker ignores it; `npm run cdk -- deploy` reads the same file.
 */
import { z } from 'zod';

const secretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, {
  message: 'expected a Secrets Manager secret ARN: arn:aws:secretsmanager:<region>:<account>:secret:<name>',
});

const Worker = z.strictObject({
  /** Run the worker as an ECS Fargate service. */
  enabled: z.boolean().default(false),
  /** A prebuilt image (e.g. in ECR); by default the image is built from the project's Dockerfile. */
  imageUri: z.string().min(1).optional(),
  cpu: z.number().int().min(256).default(512),
  memory: z.number().int().min(512).default(1024),
  desiredCount: z.number().int().min(0).default(1),
  /**
   * Secret whose JSON keys are the Temporal connection variables (TEMPORAL_API_KEY for Temporal
   * Cloud API keys, or TEMPORAL_TLS_CLIENT_CERT_DATA and TEMPORAL_TLS_CLIENT_KEY_DATA for mTLS).
   */
  temporalSecretArn: secretArn.optional(),
  temporalSecretKeys: z
    .array(z.string().regex(/^TEMPORAL_[A-Z_]+$/))
    .min(1)
    .default(['TEMPORAL_API_KEY']),
  /** Environment variables the config file references that must come from Secrets Manager (name → secret ARN). */
  secretEnv: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), secretArn).default({}),
});

const Gateway = z.strictObject({
  /** Run the event gateway as an ECS Fargate service behind an HTTPS load balancer. */
  enabled: z.boolean().default(false),
  /** ACM certificate for the load balancer's HTTPS listener (write keys travel in the Authorization header). */
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/, { message: 'expected an ACM certificate ARN' })
    .optional(),
  desiredCount: z.number().int().min(0).default(1),
});

export const DeploySchema = z
  .strictObject({
    /** One stack per environment: `PersonalizeOptimizer-<environment>`. */
    environment: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,30}$/, { message: 'letters, digits and dashes, starting with a letter' })
      .default('default'),
    /** Keep the buckets (and their data) when the stack is deleted. */
    retainData: z.boolean().default(true),
    /** Days after which a run's large work files (query results, interactions files) expire. */
    workFilesExpireDays: z.number().int().min(1).max(3650).default(30),
    /**
     * Availability zones of the services' VPC (two, e.g. [eu-west-1a, eu-west-1b]). Without them
     * the first synthesis with a service enabled looks them up, which needs AWS credentials once
     * (the answer is cached in cdk.context.json).
     */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/))
      .length(2)
      .optional(),
    /** Buckets that exist already: used and granted, but neither created nor given a bucket policy. */
    existingBuckets: z.array(z.string().min(3)).default([]),
    firehose: z
      .strictObject({
        bufferSeconds: z.number().int().min(0).max(900).default(300),
        bufferMiB: z.number().int().min(1).max(128).default(64),
      })
      .prefault({}),
    worker: Worker.prefault({}),
    gateway: Gateway.prefault({}),
  })
  .superRefine((d, ctx) => {
    if (d.gateway.enabled && !d.gateway.certificateArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['gateway', 'certificateArn'],
        message: 'the gateway takes write keys over the internet: give it an ACM certificate for HTTPS',
      });
    }
  });

export type DeploySettings = z.infer<typeof DeploySchema>;
