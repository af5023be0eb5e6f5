/**
 * Athena adapter: runs the interactions query with a deterministic ClientRequestToken (a retried
 * start gets the same QueryExecutionId instead of a second paid query) and reports the exact
 * result object `<id>.csv`, never the folder (Personalize would import the `.metadata` files too).
 */
import { createHash } from 'node:crypto';
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import type { JobObservation } from '../../common/job-status';
import type { InteractionsQueryRequest, Warehouse } from '../ports';
import { ApplicationFailure } from '@temporalio/common';
import { awsFailure, errorName, withAwsErrors } from './errors';

export interface AthenaWarehouseOptions {
  database: string;
  workGroup?: string;
  catalog?: string;
  /**
   * warehouse.outputLocation: where query results go, in place of the run's own folder under
   * workPrefix. A workgroup that enforces its own location wins anyway (the result file is read back
   * from GetQueryExecution).
   */
  outputLocation?: string;
  /** Builds the interactions SQL for one run (activities/query/athena.ts). */
  buildSql: (req: InteractionsQueryRequest) => string;
}

const TOKEN_MIN = 32;
const TOKEN_MAX = 128;

/** Athena accepts tokens of 32–128 characters; any other token becomes its sha256 hex, deterministically. */
export function athenaToken(token: string): string {
  if (token.length >= TOKEN_MIN && token.length <= TOKEN_MAX) return token;
  return createHash('sha256').update(token).digest('hex');
}

/** The result object: OutputLocation names the `.csv` file; when it is a folder, the file is `<folder>/<id>.csv`. */
export function resultFile(outputLocation: string | undefined, queryId: string): string | undefined {
  if (!outputLocation) return undefined;
  if (!outputLocation.endsWith('/') && outputLocation.endsWith('.csv')) return outputLocation;
  return `${outputLocation.replace(/\/*$/, '/')}${queryId}.csv`;
}

/** StateChangeReason and AthenaError.ErrorMessage often repeat each other; keep both only when they differ. */
function failureReason(q: QueryExecution | undefined): string | undefined {
  const parts = [q?.Status?.StateChangeReason, q?.Status?.AthenaError?.ErrorMessage].filter(
    (s): s is string => !!s && s.trim() !== ''
  );
  return parts.length ? [...new Set(parts)].join(' – ') : undefined;
}

/** Athena's answer to a ClientRequestToken reused with other parameters (e.g. a changed QueryString). */
function isTokenReused(err: unknown): boolean {
  return (
    errorName(err) === 'InvalidRequestException' &&
    /idempotent parameters do not match/i.test((err as Error).message ?? '')
  );
}

export class AthenaWarehouse implements Warehouse {
  constructor(
    private readonly client: AthenaClient,
    private readonly opts: AthenaWarehouseOptions
  ) {}

  private get where(): string {
    return `Athena workgroup ${this.opts.workGroup ?? 'primary'} (database ${this.opts.database})`;
  }

  async startInteractionsQuery(req: InteractionsQueryRequest): Promise<{ queryId: string }> {
    const sql = this.opts.buildSql(req);
    const outputLocation = this.opts.outputLocation || req.outputPrefix;
    const token = athenaToken(req.token);
    try {
      const out = await this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: token,
          QueryExecutionContext: { Database: this.opts.database, Catalog: this.opts.catalog },
          WorkGroup: this.opts.workGroup,
          ResultConfiguration: outputLocation ? { OutputLocation: outputLocation } : undefined,
        })
      );
      return { queryId: out.QueryExecutionId! };
    } catch (err) {
      if (isTokenReused(err)) {
        throw ApplicationFailure.create({
          message:
            `athena:StartQueryExecution on ${this.where}: this run's query token ${token} was already used with a different query ` +
            `(the pipeline's config or the query changed since the run first started it), and Athena refuses to reuse a token ` +
            `for other SQL. Start the run again under new job names: run --run-date ${req.runDate} --rerun <suffix>.`,
          type: 'QueryTokenReused',
          nonRetryable: true,
          cause: err instanceof Error ? err : undefined,
        });
      }
      throw awsFailure(err, { operation: 'athena:StartQueryExecution', resource: this.where });
    }
  }

  async describeQuery(queryId: string): Promise<JobObservation & { outputUri?: string }> {
    const out = await withAwsErrors('athena:GetQueryExecution', `query ${queryId} in ${this.where}`, () =>
      this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))
    );
    const q = out.QueryExecution;
    const state = q?.Status?.State ?? 'UNKNOWN';
    const reason = failureReason(q);
    // FAILED is final (Athena's own transparent retries show as QUEUED/RUNNING, never as FAILED).
    // Retryable=true only says that submitting the query again may work: the same token would return
    // this failed execution, so that takes a new run.
    if (state === 'FAILED' && q?.Status?.AthenaError?.Retryable) {
      return {
        status: state,
        reason: `${reason ?? 'the query failed'} (Athena marks this failure retryable: start the run again with --rerun <suffix>)`,
      };
    }
    const outputUri = state === 'SUCCEEDED' ? resultFile(q?.ResultConfiguration?.OutputLocation, queryId) : undefined;
    return { status: state, reason, ...(outputUri ? { outputUri } : {}) };
  }
}
