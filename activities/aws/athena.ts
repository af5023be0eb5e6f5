/**
 * Athena adapter: runs the interactions query with a deterministic ClientRequestToken (a retried
 * start gets the same QueryExecutionId) and reports the exact result object `<id>.csv`.
 */
import { createHash } from 'node:crypto';
import { GetQueryExecutionCommand, StartQueryExecutionCommand, type AthenaClient } from '@aws-sdk/client-athena';
import type { JobObservation } from '../../common/job-status';
import type { InteractionsQueryRequest, Warehouse } from '../ports';
import { withAwsErrors } from './errors';

export interface AthenaWarehouseOptions {
  database: string;
  workGroup?: string;
  catalog?: string;
  buildSql: (req: InteractionsQueryRequest) => string;
}

/** Athena wants 32–128 characters; longer or shorter tokens are hashed, deterministically. */
export function athenaToken(token: string): string {
  if (token.length >= 32 && token.length <= 128) return token;
  return createHash('sha256').update(token).digest('hex');
}

/** The result object: OutputLocation is the file; if a workgroup reports a folder, append `<id>.csv`. */
export function resultFile(outputLocation: string | undefined, queryId: string): string | undefined {
  if (!outputLocation) return undefined;
  if (outputLocation.endsWith('.csv')) return outputLocation;
  return `${outputLocation.replace(/\/?$/, '/')}${queryId}.csv`;
}

export class AthenaWarehouse implements Warehouse {
  constructor(
    private readonly client: AthenaClient,
    private readonly opts: AthenaWarehouseOptions
  ) {}

  async startInteractionsQuery(req: InteractionsQueryRequest): Promise<{ queryId: string }> {
    const sql = this.opts.buildSql(req);
    const out = await withAwsErrors('StartQueryExecution', `workgroup ${this.opts.workGroup ?? 'primary'}`, () =>
      this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: athenaToken(req.token),
          QueryExecutionContext: { Database: this.opts.database, Catalog: this.opts.catalog },
          WorkGroup: this.opts.workGroup,
          ResultConfiguration: { OutputLocation: req.outputPrefix },
        })
      )
    );
    return { queryId: out.QueryExecutionId! };
  }

  async describeQuery(queryId: string): Promise<JobObservation & { outputUri?: string }> {
    const out = await withAwsErrors('GetQueryExecution', queryId, () => this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })));
    const q = out.QueryExecution;
    const state = q?.Status?.State ?? 'UNKNOWN';
    const error = q?.Status?.AthenaError;
    const reason = error?.ErrorMessage ?? q?.Status?.StateChangeReason;
    // Athena retries some failures itself (FAILED → QUEUED): keep waiting on those.
    if (state === 'FAILED' && error?.Retryable) return { status: 'RUNNING', reason: `Athena is retrying: ${reason}` };
    return { status: state, reason, outputUri: state === 'SUCCEEDED' ? resultFile(q?.ResultConfiguration?.OutputLocation, queryId) : undefined };
  }
}
