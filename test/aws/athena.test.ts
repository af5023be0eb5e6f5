import { createHash } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  TooManyRequestsException,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { AthenaWarehouse, athenaToken, resultFile } from '../../activities/aws/athena';
import type { InteractionsQueryRequest } from '../../activities/ports';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../common/config';
import { mapQueryState } from '../../common/job-status';
import { buildAwsPorts } from '../../worker/aws-backend';
import { failure } from '../helpers/failures';

const meta = { $metadata: {} };
const athena = mockClient(AthenaClient);
const built: InteractionsQueryRequest[] = [];
const warehouse = new AthenaWarehouse(new AthenaClient({ region: 'us-east-1' }), {
  database: 'pinpoint',
  workGroup: 'retrain',
  catalog: 'AwsDataCatalog',
  buildSql: (r) => (built.push(r), `SELECT '${r.runDate}'`),
});
const req: InteractionsQueryRequest = {
  token: 'personalize-optimizer.shop-2026-11-23.interactions',
  runDate: '2026-11-23',
  lookbackDays: 30,
  outputPrefix: 's3://b/work/runs/2026-11-23/query/',
};

beforeEach(() => {
  athena.reset();
  built.length = 0;
});


describe('StartQueryExecution', () => {
  test('sends the built SQL, the token, database, catalog, workgroup and output prefix', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    expect(await warehouse.startInteractionsQuery(req)).toEqual({ queryId: 'q-1' });
    expect(built).toEqual([req]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: "SELECT '2026-11-23'",
      ClientRequestToken: req.token,
      QueryExecutionContext: { Database: 'pinpoint', Catalog: 'AwsDataCatalog' },
      WorkGroup: 'retrain',
      ResultConfiguration: { OutputLocation: req.outputPrefix },
    });
  });

  test('a short token becomes its sha256 hex, the same on every retry', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    await warehouse.startInteractionsQuery({ ...req, token: 'shop-2026-11-23' });
    await warehouse.startInteractionsQuery({ ...req, token: 'shop-2026-11-23' });
    const tokens = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens).toEqual([
      createHash('sha256').update('shop-2026-11-23').digest('hex'),
      createHash('sha256').update('shop-2026-11-23').digest('hex'),
    ]);
  });

  test('tokens of 32–128 characters pass as they are; others are hashed to 64', () => {
    expect(athenaToken('x'.repeat(32))).toBe('x'.repeat(32));
    expect(athenaToken('x'.repeat(128))).toBe('x'.repeat(128));
    expect(athenaToken('x'.repeat(31))).toHaveLength(64);
    expect(athenaToken('x'.repeat(129))).toHaveLength(64);
    expect(athenaToken('a')).not.toBe(athenaToken('b'));
  });

  test('audit: warehouse.outputLocation is honoured: results go there, not to the run folder', async () => {
    const w = new AthenaWarehouse(new AthenaClient({ region: 'us-east-1' }), {
      database: 'd',
      outputLocation: 's3://b/athena/',
      buildSql: () => 'SELECT 1',
    });
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    await w.startInteractionsQuery(req);
    await w.startInteractionsQuery({ ...req, outputPrefix: '' });
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.ResultConfiguration)).toEqual([
      { OutputLocation: 's3://b/athena/' },
      { OutputLocation: 's3://b/athena/' },
    ]);
  });

  test('audit: warehouse.outputLocation reaches the adapter the worker builds from the config', async () => {
    const config = parseConfig(
      readFileSync(path.join(__dirname, '../../config/aws.example.yaml'), 'utf8'),
      'aws.example.yaml',
      { DATA_BUCKET: 'shop-data', AWS_ACCOUNT_ID: '123456789012', AWS_REGION: 'eu-west-1' }
    );
    const ports = buildAwsPorts(config.pipelines[0]!);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    await ports.warehouse.startInteractionsQuery(req);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.ResultConfiguration).toEqual({
      OutputLocation: 's3://shop-data/athena-results/',
    });
  });

  test('audit: a token reused with different SQL gets a hint naming the token and --rerun, not the table schema', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'Idempotent parameters do not match', ...meta }));
    const f = await failure(warehouse.startInteractionsQuery(req));
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('QueryTokenReused');
    expect(f.message).toContain(`query token ${req.token} was already used with a different query`);
    expect(f.message).toContain('run --run-date 2026-11-23 --rerun <suffix>');
    expect(f.message).not.toMatch(/table schema/);
  });

  test('throttling is retryable; a bad query is not, and says what Athena said', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new TooManyRequestsException({ message: 'CONCURRENT_QUERY_LIMIT_EXCEEDED', ...meta }));
    const t = await failure(warehouse.startInteractionsQuery(req));
    expect(t.nonRetryable).toBe(false);
    expect(t.type).toBe('TooManyRequestsException');
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'line 1:8: Column x cannot be resolved', ...meta }));
    const v = await failure(warehouse.startInteractionsQuery(req));
    expect(v.nonRetryable).toBe(true);
    expect(v.message).toContain('athena:StartQueryExecution on Athena workgroup retrain (database pinpoint)');
    expect(v.message).toContain('Column x cannot be resolved');
  });

  test('access denied names the permissions the query needs', async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(
        Object.assign(new Error('not authorized'), {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 400 },
        })
      );
    const f = await failure(warehouse.startInteractionsQuery(req));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/needs athena:StartQueryExecution on Athena workgroup retrain .* plus glue:GetTable/);
  });
});

describe('GetQueryExecution', () => {
  test('asks for the query by id', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    await warehouse.describeQuery('q-1');
    expect(athena.commandCalls(GetQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryExecutionId: 'q-1' });
  });

  test.each([
    ['s3://b/q/q-1.csv', 's3://b/q/q-1.csv'],
    ['s3://b/q/', 's3://b/q/q-1.csv'],
    ['s3://b/q', 's3://b/q/q-1.csv'],
  ])('OutputLocation %s → result file %s', async (OutputLocation, file) => {
    expect(resultFile(OutputLocation, 'q-1')).toBe(file);
    athena
      .on(GetQueryExecutionCommand)
      .resolves({
        QueryExecution: {
          QueryExecutionId: 'q-1',
          Status: { State: 'SUCCEEDED' },
          ResultConfiguration: { OutputLocation },
        },
      });
    expect(await warehouse.describeQuery('q-1')).toEqual({ status: 'SUCCEEDED', outputUri: file });
  });

  test.each([
    ['QUEUED', 'pending'],
    ['RUNNING', 'pending'],
    ['SUCCEEDED', 'succeeded'],
    ['FAILED', 'failed'],
    ['CANCELLED', 'failed'],
  ])('state %s → %s', async (State, state) => {
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: State as QueryExecutionState, StateChangeReason: 'why' } } });
    const obs = await warehouse.describeQuery('q');
    expect(obs.status).toBe(State);
    expect(mapQueryState(obs).state).toBe(state);
  });

  test('a final failure reports both reasons once each', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: 'HIVE_BAD_DATA: bad json',
          AthenaError: { Retryable: false, ErrorMessage: 'HIVE_BAD_DATA: bad json' },
        },
      },
    });
    const obs = await warehouse.describeQuery('q');
    expect(obs).toEqual({ status: 'FAILED', reason: 'HIVE_BAD_DATA: bad json' });
    expect(mapQueryState(obs)).toEqual({ state: 'failed', status: 'FAILED', reason: 'HIVE_BAD_DATA: bad json' });
  });

  test('audit: Athena FAILED with AthenaError.Retryable=true is terminal (not RUNNING until the 1 h deadline)', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: 'Query exhausted resources',
          AthenaError: { Retryable: true, ErrorMessage: 'slow down' },
        },
      },
    });
    const obs = await warehouse.describeQuery('q');
    expect(obs.status).toBe('FAILED');
    expect(obs.reason).toContain('Query exhausted resources – slow down');
    expect(obs.reason).toContain('--rerun');
    expect(mapQueryState(obs).state).toBe('failed');
  });

  test('an unknown query id is not found, non-retryable', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'QueryExecution q was not found', ...meta }));
    const f = await failure(warehouse.describeQuery('q'));
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toContain('query q in Athena workgroup retrain');
  });
});
