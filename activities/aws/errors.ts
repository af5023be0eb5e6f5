/**
 * One classification of AWS errors for every adapter. Throttling, 5xx, network trouble and
 * Personalize's "busy" (ResourceInUseException) become retryable failures, so Temporal retries them
 * with the activity's backoff. Validation, not-found and access-denied become non-retryable
 * failures whose message names the operation, the resource and the likely fix: retrying them only
 * burns the stage deadline, a person has to change the config or the IAM policy.
 *
 * Operations are named by their IAM action (`personalize:CreateDatasetImportJob`,
 * `mobiletargeting:CreateExportJob`, `s3:GetObject`), so an access-denied message says exactly
 * what to grant.
 */
import { ApplicationFailure } from '@temporalio/common';

/**
 * `refused` is a client-side (4xx) error whose name is not known here: AWS looked at the request and
 * said no, so retrying it unchanged only burns the stage deadline. `unknown` is anything else
 * unrecognised (no status, no fault): retried, in case it is transient.
 */
export type AwsErrorKind =
  'throttling' | 'busy' | 'server' | 'network' | 'validation' | 'not-found' | 'access-denied' | 'refused' | 'unknown';

/** Where an error happened: the IAM action called and the ARN / URI it was called on. */
export interface AwsCallContext {
  operation: string;
  resource?: string;
  /** Extra advice for this call site, appended to non-retryable messages. */
  hint?: string;
}

/** What a failure carries in `details[0]`, for the run summary and the UI. */
export interface AwsFailureDetails {
  operation: string;
  resource?: string;
  kind: AwsErrorKind;
  awsError: string;
  httpStatusCode?: number;
  requestId?: string;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'ThrottledException',
  'RequestThrottledException',
  'SlowDown',
  // The rest of the SDK's own throttling codes (@smithy/service-error-classification).
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'TransactionInProgressException',
]);
/** Personalize answers "not now" with ResourceInUseException: a job or campaign update is still running. */
const BUSY = new Set(['ResourceInUseException']);
const VALIDATION = new Set([
  'InvalidInputException',
  'ValidationException',
  'InvalidRequestException',
  'BadRequestException',
  'InvalidNextTokenException',
  'TooManyTagsException',
  'InvalidParameterException',
  'InvalidParameterValueException',
]);
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'NotFoundException',
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'EntityNotFoundException', // Glue
  'NoSuchEntityException', // IAM
]);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'ForbiddenException',
  'AuthorizationErrorException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
]);
const SERVER = new Set([
  'InternalServerException',
  'InternalServerError',
  'InternalFailure',
  'InternalErrorException',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'AbortError',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

function asAwsError(err: unknown): AwsLikeError {
  return err !== null && typeof err === 'object' ? (err as AwsLikeError) : { message: String(err) };
}

/** The AWS error name (`ResourceNotFoundException` …), or undefined for a non-AWS error. */
export function errorName(err: unknown): string | undefined {
  return asAwsError(err).name;
}

/** Which kind of trouble an error is, from its name, its HTTP status and the SDK's own flags. */
export function awsErrorKind(err: unknown): AwsErrorKind {
  const e = asAwsError(err);
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429 || e.$retryable?.throttling) return 'throttling';
  if (BUSY.has(name)) return 'busy';
  if (VALIDATION.has(name)) return 'validation';
  if (NOT_FOUND.has(name) || status === 404) return 'not-found';
  if (DENIED.has(name) || status === 403) return 'access-denied';
  if (SERVER.has(name) || e.$fault === 'server' || (status !== undefined && status >= 500)) return 'server';
  if (NETWORK.has(name) || (e.code !== undefined && NETWORK.has(e.code))) return 'network';
  // An unknown client error is a refusal, unless the SDK itself flagged it retryable.
  const clientStatus = status !== undefined && status >= 400 && status < 500 && status !== 408;
  if (!e.$retryable && (clientStatus || (status === undefined && e.$fault === 'client'))) return 'refused';
  return 'unknown';
}

/** IAM actions that differ from the API operation's name. */
const IAM_ACTION: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:CreateMultipartUpload': 's3:PutObject',
  's3:UploadPart': 's3:PutObject',
  's3:CompleteMultipartUpload': 's3:PutObject',
};

/** Permissions a call needs besides its own action. */
const ALSO_NEEDS: Record<string, string> = {
  'personalize:CreateDatasetImportJob': 'and iam:PassRole on the import role (personalize.importRoleArn)',
  'personalize:CreateBatchInferenceJob':
    'and iam:PassRole on the batch inference role (personalize.batchInferenceRoleArn, else importRoleArn), which needs S3 read on the users file and write on the output prefix',
  'mobiletargeting:CreateExportJob': 'and iam:PassRole on the export role (source.endpointExport.roleArn)',
  'athena:StartQueryExecution':
    'plus glue:GetTable/GetPartitions on the events tables and S3 read on the events bucket and write on the output location',
};

/** The pipeline-config field that holds a Personalize ARN of this resource type. */
const CONFIG_FIELD: Record<string, string> = {
  dataset: 'datasetArn',
  solution: 'solutionArn',
  campaign: 'campaignArn',
};

/** Operations whose resource must be a solution *version* ARN. */
const NEEDS_SOLUTION_VERSION = new Set([
  'personalize:DescribeSolutionVersion',
  'personalize:GetSolutionMetrics',
  'personalize:StopSolutionVersionCreation',
]);

/** `arn:aws:personalize:region:account:solution/shop/abcd1234` → ['solution', 'shop', 'abcd1234']. */
function personalizeResourcePath(resource: string | undefined): string[] | undefined {
  const m = /^arn:[a-z\d-]+:personalize:[^:]*:[^:]*:(.+)$/.exec(resource ?? '');
  return m ? m[1]!.split('/') : undefined;
}

function notFoundFix(ctx: AwsCallContext, name: string): string {
  const path = personalizeResourcePath(ctx.resource);
  if (path) {
    const [type] = path;
    const isSolutionVersion = type === 'solution' && path.length >= 3;
    if (NEEDS_SOLUTION_VERSION.has(ctx.operation) && type === 'solution' && !isSolutionVersion) {
      return 'check solutionArn in the pipeline config; a solution ARN where a solution version ARN is expected?';
    }
    if (isSolutionVersion && !NEEDS_SOLUTION_VERSION.has(ctx.operation)) {
      return 'check solutionArn in the pipeline config; a solution version ARN where a solution ARN is expected?';
    }
    if (isSolutionVersion)
      return 'the solution version no longer exists (deleted?), or it belongs to another region or account';
    const field = CONFIG_FIELD[type!];
    if (field) return `check ${field} in the pipeline config (same region and account as the worker?)`;
    return 'the job no longer exists (deleted?), or it belongs to another region or account';
  }
  if (name === 'NoSuchBucket') return "check the bucket in workPrefix (and that it is in the worker's account)";
  if (ctx.resource?.startsWith('s3://')) return 'the object was never written or has been deleted';
  if (ctx.operation.startsWith('mobiletargeting:'))
    return 'check source.endpointExport.applicationId in the pipeline config';
  if (ctx.operation.startsWith('athena:'))
    return 'check the Athena database, tables and workgroup in the pipeline config';
  return 'check that ARN or URI in the pipeline config';
}

function validationFix(ctx: AwsCallContext): string {
  if (ctx.operation.startsWith('athena:'))
    return 'check the Athena settings and the events table schema in the pipeline config';
  return 'check that value in the pipeline config (ARN form, s3:// URI, names of 1–63 letters, digits, - and _)';
}

function deniedFix(ctx: AwsCallContext): string {
  const action = IAM_ACTION[ctx.operation] ?? ctx.operation;
  const also = ALSO_NEEDS[ctx.operation];
  return `the worker's role needs ${action} on ${ctx.resource ?? 'that resource'}${also ? ` ${also}` : ''}`;
}

/** Ends a clause with a full stop unless it already ends with punctuation. */
function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

function describeCall(ctx: AwsCallContext): string {
  return ctx.resource ? `${ctx.operation} on ${ctx.resource}` : ctx.operation;
}

/**
 * The ApplicationFailure Temporal should see for an AWS error: retryable for throttling, "busy",
 * 5xx, network and unrecognised errors without a client status; non-retryable, with the fix, for
 * the rest (an unrecognised 4xx included: retrying it would only repeat the refusal for the stage's
 * whole retry window). An
 * ApplicationFailure passes through unchanged (it was classified already).
 */
export function awsFailure(err: unknown, ctx: AwsCallContext): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = asAwsError(err);
  const kind = awsErrorKind(err);
  const type = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'AwsError');
  const said = `AWS said: ${type}: ${e.message ?? ''}`.trimEnd();
  const details: AwsFailureDetails = {
    operation: ctx.operation,
    resource: ctx.resource,
    kind,
    awsError: type,
    httpStatusCode: e.$metadata?.httpStatusCode,
    requestId: e.$metadata?.requestId,
  };
  const cause = err instanceof Error ? err : undefined;
  const hint = ctx.hint ? ` ${sentence(ctx.hint)}` : '';

  let message: string;
  switch (kind) {
    case 'validation':
      message = `${describeCall(ctx)} was refused as invalid input; ${sentence(validationFix(ctx))}${hint} ${said}`;
      break;
    case 'not-found':
      message = `${describeCall(ctx)}: not found; ${sentence(notFoundFix(ctx, type))}${hint} ${said}`;
      break;
    case 'access-denied':
      message = `${describeCall(ctx)} was denied: ${sentence(deniedFix(ctx))}${hint} ${said}`;
      break;
    case 'refused': {
      const http = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
      message = `${describeCall(ctx)} was refused${http} with an error that is not retried: the request or the account's setup has to change first.${hint} ${said}`;
      break;
    }
    case 'busy':
      return ApplicationFailure.create({
        message: `${describeCall(ctx)}: busy (a job or update is still running), will retry. ${said}`,
        type,
        details: [details],
        cause,
      });
    default:
      return ApplicationFailure.create({
        message: `${describeCall(ctx)}: ${kind}, will retry. ${said}`,
        type,
        details: [details],
        cause,
      });
  }
  return ApplicationFailure.create({ message, type, nonRetryable: true, details: [details], cause });
}

/**
 * Classifies an AWS error. With a call context it returns the ApplicationFailure to throw; with
 * the error alone it returns its kind (for callers that retry in-process, like event delivery).
 */
export function classifyAwsError(err: unknown): AwsErrorKind;
export function classifyAwsError(err: unknown, context: AwsCallContext): ApplicationFailure;
export function classifyAwsError(err: unknown, context?: AwsCallContext): AwsErrorKind | ApplicationFailure {
  return context ? awsFailure(err, context) : awsErrorKind(err);
}

/** Runs one AWS call, turning whatever it throws into the classified ApplicationFailure. */
export async function withAwsErrors<T>(
  operation: string,
  resource: string | undefined,
  fn: () => Promise<T>,
  hint?: string
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsFailure(err, { operation, resource, hint });
  }
}
