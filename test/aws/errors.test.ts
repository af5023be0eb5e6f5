import { ApplicationFailure } from '@temporalio/common';
import { awsErrorKind, classifyAwsError, withAwsErrors, type AwsFailureDetails } from '../../activities/aws/errors';

function awsError(name: string, httpStatusCode?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode, requestId: 'req-1' },
    ...extra,
  });
}

const SOLUTION = 'arn:aws:personalize:us-east-1:123456789012:solution/shop';
const VERSION = `${SOLUTION}/abcd1234`;

describe('awsErrorKind', () => {
  test.each([
    ['ThrottlingException', 400, 'throttling'],
    ['TooManyRequestsException', 400, 'throttling'],
    ['LimitExceededException', 400, 'throttling'],
    ['RequestLimitExceeded', 503, 'throttling'],
    ['SomethingNew', 429, 'throttling'],
    ['ResourceInUseException', 400, 'busy'],
    ['InternalServerException', 500, 'server'],
    ['ServiceUnavailable', 503, 'server'],
    ['SomethingNew', 502, 'server'],
    ['InvalidInputException', 400, 'validation'],
    ['ValidationException', 400, 'validation'],
    ['InvalidRequestException', 400, 'validation'],
    ['BadRequestException', 400, 'validation'],
    ['ResourceNotFoundException', 400, 'not-found'],
    ['NotFoundException', 404, 'not-found'],
    ['NoSuchKey', 404, 'not-found'],
    ['AccessDeniedException', 400, 'access-denied'],
    ['ForbiddenException', 403, 'access-denied'],
    ['SomethingNew', 403, 'access-denied'],
    ['TimeoutError', undefined, 'network'],
    ['SomethingNew', 400, 'refused'],
    ['SomethingNew', 409, 'refused'],
    ['SomethingNew', undefined, 'unknown'],
    ['PriorRequestNotComplete', 400, 'throttling'],
    ['RequestTimeout', 408, 'network'],
  ])('%s (HTTP %s) is %s', (name, status, kind) => {
    expect(awsErrorKind(awsError(name, status))).toBe(kind);
  });

  test('a Node socket error is a network error', () => {
    expect(awsErrorKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('network');
  });

  test('the SDK throttling flag counts even under an unknown name', () => {
    expect(awsErrorKind(awsError('SomethingNew', 400, { $retryable: { throttling: true } }))).toBe('throttling');
  });

  test('an unknown error the SDK flags retryable stays retryable, whatever its status', () => {
    expect(awsErrorKind(awsError('SomethingNew', 400, { $retryable: {} }))).toBe('unknown');
  });

  test('classifyAwsError without a context answers the kind', () => {
    expect(classifyAwsError(awsError('ThrottlingException', 400))).toBe('throttling');
  });
});

describe('classifyAwsError with a context', () => {
  test.each([
    'ThrottlingException',
    'TooManyRequestsException',
    'LimitExceededException',
    'RequestLimitExceeded',
    'InternalServerException',
    'ResourceInUseException',
  ])('%s is retryable, typed by the AWS name', (name) => {
    const f = classifyAwsError(awsError(name, 400), {
      operation: 'personalize:CreateSolutionVersion',
      resource: SOLUTION,
    });
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(name);
    expect(f.message).toContain(`personalize:CreateSolutionVersion on ${SOLUTION}`);
  });

  test('audit: unknown client-side 4xx errors are not retried (for the 30 minutes of the retry window)', () => {
    const byStatus = classifyAwsError(awsError('BrandNewException', 400, { $fault: 'client' }), {
      operation: 'personalize:CreateSolutionVersion',
      resource: SOLUTION,
    });
    expect(byStatus.nonRetryable).toBe(true);
    expect(byStatus.message).toContain(`personalize:CreateSolutionVersion on ${SOLUTION} was refused (HTTP 400)`);
    expect(byStatus.message).toContain('BrandNewException happened');
    const byFault = classifyAwsError(
      Object.assign(new Error('no'), { name: 'OtherNew', $fault: 'client', $metadata: {} }),
      {
        operation: 'athena:StartQueryExecution',
      }
    );
    expect(byFault.nonRetryable).toBe(true);
    // Without a client status or fault it may be transient: still retried.
    expect(
      classifyAwsError(new Error('socket weirdness'), { operation: 'athena:StartQueryExecution' }).nonRetryable
    ).toBe(false);
  });

  test('HTTP 429 and 5xx are retryable whatever the name', () => {
    for (const status of [429, 500, 503]) {
      expect(classifyAwsError(awsError('Oops', status), { operation: 'athena:GetQueryExecution' }).nonRetryable).toBe(
        false
      );
    }
  });

  test.each([
    ['InvalidInputException', 400],
    ['ValidationException', 400],
    ['InvalidRequestException', 400],
    ['BadRequestException', 400],
    ['ResourceNotFoundException', 400],
    ['NotFoundException', 404],
    ['AccessDeniedException', 400],
    ['ForbiddenException', 403],
    ['Whatever', 403],
  ])('%s is non-retryable and names operation and resource', (name, status) => {
    const f = classifyAwsError(awsError(name, status), {
      operation: 'personalize:DescribeCampaign',
      resource: 'arn:aws:personalize:us-east-1:123456789012:campaign/shop',
    });
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain(
      'personalize:DescribeCampaign on arn:aws:personalize:us-east-1:123456789012:campaign/shop'
    );
    expect(f.message).toContain(`${name} happened`);
  });

  test('not-found on a solution ARN where a version is expected says so', () => {
    const f = classifyAwsError(awsError('ResourceNotFoundException', 400), {
      operation: 'personalize:DescribeSolutionVersion',
      resource: SOLUTION,
    });
    expect(f.message).toMatch(
      /check solutionArn in the pipeline config; a solution ARN where a solution version ARN is expected\?/
    );
  });

  test('not-found on a version ARN where a solution is expected says so', () => {
    const f = classifyAwsError(awsError('ResourceNotFoundException', 400), {
      operation: 'personalize:CreateSolutionVersion',
      resource: VERSION,
    });
    expect(f.message).toMatch(/a solution version ARN where a solution ARN is expected\?/);
  });

  test('not-found on a campaign or dataset names the config field', () => {
    const campaign = classifyAwsError(awsError('ResourceNotFoundException', 400), {
      operation: 'personalize:DescribeCampaign',
      resource: 'arn:aws:personalize:us-east-1:123456789012:campaign/shop',
    });
    expect(campaign.message).toMatch(/check campaignArn in the pipeline config/);
    const dataset = classifyAwsError(awsError('ResourceNotFoundException', 400), {
      operation: 'personalize:CreateDatasetImportJob',
      resource: 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS',
    });
    expect(dataset.message).toMatch(/check datasetArn in the pipeline config/);
  });

  test('access denied names the IAM action to grant, on the resource', () => {
    const dataset = 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS';
    const f = classifyAwsError(awsError('AccessDeniedException', 400), {
      operation: 'personalize:CreateDatasetImportJob',
      resource: dataset,
    });
    expect(f.message).toContain(
      `the worker's role needs personalize:CreateDatasetImportJob on ${dataset} and iam:PassRole on the import role`
    );
    const head = classifyAwsError(awsError('Forbidden', 403), { operation: 's3:HeadObject', resource: 's3://b/k.csv' });
    expect(head.message).toContain("the worker's role needs s3:GetObject on s3://b/k.csv");
  });

  test('details carry the operation, resource, kind and request id', () => {
    const f = classifyAwsError(awsError('ResourceNotFoundException', 400), {
      operation: 'personalize:DescribeCampaign',
      resource: 'x',
    });
    expect(f.details?.[0]).toEqual<AwsFailureDetails>({
      operation: 'personalize:DescribeCampaign',
      resource: 'x',
      kind: 'not-found',
      awsError: 'ResourceNotFoundException',
      httpStatusCode: 400,
      requestId: 'req-1',
    });
  });

  test('an ApplicationFailure passes through unchanged', () => {
    const original = ApplicationFailure.nonRetryable('already classified', 'Mine');
    expect(classifyAwsError(original, { operation: 'x' })).toBe(original);
  });
});

describe('withAwsErrors', () => {
  test('returns the value of a successful call', async () => {
    await expect(withAwsErrors('s3:GetObject', 's3://b/k', async () => 42)).resolves.toBe(42);
  });

  test('throws the classified failure, with the call-site hint', async () => {
    const err = await withAwsErrors(
      's3:PutObject',
      's3://b/k',
      () => Promise.reject(awsError('AccessDenied', 403)),
      'The bucket policy may deny it too'
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain('The bucket policy may deny it too.');
  });
});
