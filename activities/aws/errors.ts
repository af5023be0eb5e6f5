/**
 * One classification of AWS errors for every adapter: throttling, 5xx and "busy" are retried by
 * Temporal with backoff; validation, not-found and access-denied are non-retryable failures whose
 * message names the operation, the resource and the likely fix.
 */
import { ApplicationFailure } from '@temporalio/common';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'LimitExceededException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);
/** Personalize says "not now" with ResourceInUseException: a job or update is still running. */
const BUSY = new Set(['ResourceInUseException']);
const VALIDATION = new Set(['InvalidInputException', 'ValidationException', 'InvalidRequestException', 'BadRequestException', 'InvalidNextTokenException', 'TooManyTagsException']);
const NOT_FOUND = new Set(['ResourceNotFoundException', 'NotFoundException', 'NoSuchKey', 'NoSuchBucket']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'ForbiddenException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException']);

export type ErrorClass = 'throttling' | 'busy' | 'server' | 'network' | 'validation' | 'not-found' | 'access-denied' | 'unknown';

interface AwsLikeError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

export function classifyAwsError(err: unknown): ErrorClass {
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING.has(name) || status === 429) return 'throttling';
  if (BUSY.has(name)) return 'busy';
  if (VALIDATION.has(name)) return 'validation';
  if (NOT_FOUND.has(name) || status === 404) return 'not-found';
  if (DENIED.has(name) || status === 403) return 'access-denied';
  if (name === 'InternalServerException' || name === 'InternalFailure' || name === 'ServiceUnavailable' || e.$fault === 'server' || (status !== undefined && status >= 500)) return 'server';
  if (['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'TimeoutError', 'AbortError'].includes(name)) return 'network';
  return 'unknown';
}

const FIX: Record<string, (op: string, resource: string) => string> = {
  validation: (op, r) => `AWS refused ${op} on ${r} as invalid input; check that value in the pipeline config (ARN form, S3 URI, names of 1–63 characters)`,
  'not-found': (op, r) => `${op}: ${r} does not exist; check the ARN or URI in the pipeline config (a solution ARN where a solution version ARN is expected?)`,
  'access-denied': (op, r) => `${op} on ${r} was denied; the worker's role needs permission for it (see the IAM policy in the README)`,
};

/** Turns an AWS SDK error into the ApplicationFailure Temporal should see. */
export function toActivityFailure(err: unknown, operation: string, resource: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = (err ?? {}) as AwsLikeError;
  const kind = classifyAwsError(err);
  const type = e.name ?? 'Error';
  const detail = e.message ?? String(err);
  const fix = FIX[kind];
  if (fix) return ApplicationFailure.nonRetryable(`${fix(operation, resource)}. AWS said: ${type}: ${detail}`, type);
  // Throttling, busy, 5xx, network and anything unknown: retried with the activity's backoff.
  return ApplicationFailure.retryable(`${operation} on ${resource}: ${type}: ${detail}`, type);
}

/** Runs one AWS call, classifying whatever it throws. */
export async function withAwsErrors<T>(operation: string, resource: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActivityFailure(err, operation, resource);
  }
}

export function errorName(err: unknown): string | undefined {
  return (err as AwsLikeError | undefined)?.name;
}
