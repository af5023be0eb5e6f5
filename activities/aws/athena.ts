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
import { withAwsErrors } from './errors';

export interface AthenaWarehouseOptions {
  database: string;
  workGroup?: string;
  catalog?: string;
  /** Used when a request names no output prefix; a workgroup that enforces its own location wins anyway. */
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
    const outputLocation = req.outputPrefix || this.opts.outputLocation;
    const out = await withAwsErrors('athena:StartQueryExecution', this.where, () =>
      this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: athenaToken(req.token),
          QueryExecutionContext: { Database: this.opts.database, Catalog: this.opts.catalog },
          WorkGroup: this.opts.workGroup,
          ResultConfiguration: outputLocation ? { OutputLocation: outputLocation } : undefined,
        })
      )
    );
    return { queryId: out.QueryExecutionId! };
  }

  async describeQuery(queryId: string): Promise<JobObservation & { outputUri?: string }> {
    const out = await withAwsErrors('athena:GetQueryExecution', `query ${queryId} in ${this.where}`, () =>
      this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))
    );
    const q = out.QueryExecution;
    const state = q?.Status?.State ?? 'UNKNOWN';
    const reason = failureReason(q);
    // Athena retries some failures on its own (FAILED → QUEUED): report them as running so the poller waits.
    if (state === 'FAILED' && q?.Status?.AthenaError?.Retryable) {
      return { status: 'RUNNING', reason: `Athena is retrying the query after: ${reason ?? 'a transient failure'}` };
    }
    const outputUri = state === 'SUCCEEDED' ? resultFile(q?.ResultConfiguration?.OutputLocation, queryId) : undefined;
    return { status: state, reason, ...(outputUri ? { outputUri } : {}) };
  }
}
