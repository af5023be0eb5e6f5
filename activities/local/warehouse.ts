/**
 * The embedded warehouse: the interactions query on DuckDB over the local event stream, run as an
 * asynchronous job polled exactly like Athena (QUEUED → RUNNING → SUCCEEDED | FAILED).
 *
 * - The job id derives from the request token, so a second start with the same token adopts the
 *   first job (Athena's ClientRequestToken); the same token with another request is refused.
 * - Job states live in one small JSON file under the data dir. The process running a job refreshes
 *   its heartbeat; a job found RUNNING whose heartbeat has gone stale, or whose process on this
 *   machine is gone (the worker died), is run again by whoever looks at it next. Re-running is
 *   safe: the result is written to a temporary file and renamed into place.
 * - Unusable source records are counted by reason and reported with the result; they never fail
 *   the query.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { InteractionsSource, InteractionsSpec } from '../../common/interactions';
import type { InteractionStats } from '../../common/types';
import type { JobObservation } from '../../common/job-status';
import type { InteractionsQueryRequest, Warehouse } from '../ports';
import {
  buildDuckDbInteractionsQuery,
  buildDuckDbStagedQuery,
  diagnoseUnreadableLinesSql,
  eventFilesForSource,
  filesWithUnreadableLinesSql,
  lit,
  malformedCountsSql,
} from '../query/duckdb';
import { preparedStatsUri } from '../interactions-file';
import { fileUriToPath, readJson, writeJsonAtomic } from './files';
import { pidAlive } from './process-alive';

export type QueryStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

interface QueryJob {
  id: string;
  request: InteractionsQueryRequest;
  status: QueryStatus;
  reason?: string;
  outputUri?: string;
  malformed?: Record<string, number>;
  rows?: number;
  filesRead?: number;
  createdAt: string;
  endedAt?: string;
  /** Which warehouse instance runs it, in which process, and when it last said so. */
  runner?: string;
  pid?: number;
  heartbeatAt?: number;
}

type JobsFile = Record<string, QueryJob>;

export type DuckDbWarehouseOptions = {
  spec: InteractionsSpec;
  /** A RUNNING job whose heartbeat is older than this is taken to be orphaned (default 30 s). */
  staleAfterMs?: number;
  /** The local data directory: relative event prefixes resolve against it; job states live in it. */
  dataDir: string;
  /** The JSON file holding the query jobs; default `<dataDir>/.warehouse/queries.json`. */
  statePath?: string;
};

const HEARTBEAT_MS = 5_000;
/** Finished jobs kept in the state file (a year of daily runs for a couple of pipelines). */
const KEEP_JOBS = 1_000;

/** The job id for a token: stable across processes, safe in a file name. */
export function queryIdFor(token: string): string {
  return `q-${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
}

function sameRequest(a: InteractionsQueryRequest, b: InteractionsQueryRequest): boolean {
  const key = (r: InteractionsQueryRequest) =>
    JSON.stringify([r.token, r.runDate, r.lookbackDays, r.startMs ?? null, r.endpointExportPrefix ?? null, r.outputPrefix]);
  return key(a) === key(b);
}

export class DuckDbWarehouse implements Warehouse {
  private readonly running = new Map<string, Promise<void>>();
  private readonly runnerId = randomUUID();
  private readonly statePath: string;
  private readonly dataDir: string;
  private readonly staleAfterMs: number;

  constructor(private readonly opts: DuckDbWarehouseOptions) {
    this.dataDir = opts.dataDir;
    this.statePath = opts.statePath ?? path.join(opts.dataDir, '.warehouse', 'queries.json');
    this.staleAfterMs = opts.staleAfterMs ?? 30_000;
  }

  async startInteractionsQuery(req: InteractionsQueryRequest): Promise<{ queryId: string }> {
    const id = queryIdFor(req.token);
    const existing = this.jobs()[id];
    if (existing) {
      if (!sameRequest(existing.request, req)) {
        throw new Error(`query token ${req.token} was already used for another request (run date ${existing.request.runDate}); use a new token`);
      }
      this.resumeIfOrphaned(existing);
      return { queryId: id };
    }
    this.update({ id, request: req, status: 'QUEUED', createdAt: new Date().toISOString() });
    this.run(id);
    return { queryId: id };
  }

  async describeQuery(queryId: string): Promise<JobObservation & { outputUri?: string; malformed?: Record<string, number> }> {
    const job = this.jobs()[queryId];
    if (!job) return { status: 'FAILED', reason: `no interactions query ${queryId} in ${this.statePath}` };
    this.resumeIfOrphaned(job);
    const obs: JobObservation & { outputUri?: string; malformed?: Record<string, number> } = { status: job.status };
    if (job.reason) obs.reason = job.reason;
    if (job.status === 'SUCCEEDED') Object.assign(obs, { outputUri: job.outputUri, malformed: job.malformed ?? {} });
    return obs;
  }

  /** Waits for the queries this instance runs (tests, graceful shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private jobs(): JobsFile {
    return readJson<JobsFile>(this.statePath) ?? {};
  }

  /** Read-modify-write of one job; synchronous, so jobs of one process never interleave. */
  private update(job: QueryJob): void {
    const all = this.jobs();
    all[job.id] = job;
    const ids = Object.keys(all);
    if (ids.length > KEEP_JOBS) {
      const finished = ids.filter((i) => all[i]!.status === 'SUCCEEDED' || all[i]!.status === 'FAILED');
      finished.sort((a, b) => all[a]!.createdAt.localeCompare(all[b]!.createdAt));
      for (const old of finished.slice(0, ids.length - KEEP_JOBS)) delete all[old];
    }
    writeJsonAtomic(this.statePath, all);
  }

  private patch(id: string, changes: Partial<QueryJob>): void {
    const job = this.jobs()[id];
    if (job) this.update({ ...job, ...changes });
  }

  /** A QUEUED or RUNNING job that no live instance runs is run again. */
  private resumeIfOrphaned(job: QueryJob): void {
    if (job.status !== 'QUEUED' && job.status !== 'RUNNING') return;
    if (this.running.has(job.id)) return;
    const fresh = job.runner !== undefined && job.heartbeatAt !== undefined && Date.now() - job.heartbeatAt < this.staleAfterMs;
    // A runner process that is gone (killed with its worker) does not wait out the staleness.
    const processGone = job.pid !== undefined && job.pid !== process.pid && !pidAlive(job.pid);
    if (!fresh || processGone) this.run(job.id);
  }

  private run(id: string): void {
    if (this.running.has(id)) return;
    const beat = () => this.patch(id, { runner: this.runnerId, pid: process.pid, heartbeatAt: Date.now() });
    beat();
    const timer = setInterval(beat, HEARTBEAT_MS);
    timer.unref();
    const work = this.execute(id).finally(() => {
      clearInterval(timer);
      this.running.delete(id);
    });
    this.running.set(id, work);
  }

  private async execute(id: string): Promise<void> {
    const job = this.jobs()[id];
    if (!job) return;
    this.patch(id, { status: 'RUNNING' });
    try {
      const result = await runInteractionsQuery(this.opts.spec, job.request, `${id}.csv`, { dataDir: this.dataDir });
      this.patch(id, { ...result, status: 'SUCCEEDED', reason: undefined, endedAt: new Date().toISOString() });
    } catch (err) {
      this.patch(id, { status: 'FAILED', reason: (err as Error).message, endedAt: new Date().toISOString() });
    }
  }
}

export interface QueryRunResult {
  outputUri: string;
  rows: number;
  malformed: Record<string, number>;
  filesRead: number;
}

/** Where the events of a source are: a file:// URI or a path (relative ones resolve against dataDir). */
export function eventsRootOf(source: Pick<InteractionsSource, 'eventsPrefix'>, dataDir?: string): string {
  const prefix = source.eventsPrefix;
  if (dataDir && !/^[a-z0-9]+:\/\//i.test(prefix) && !path.isAbsolute(prefix)) return path.resolve(dataDir, prefix);
  return fileUriToPath(prefix);
}

/** The endpoint-export files (`.gz` NDJSON) under the run's export prefix. */
export function endpointExportFiles(prefix: string): string[] {
  const dir = fileUriToPath(prefix);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && f.name.endsWith('.gz'))
    .map((f) => path.join(f.parentPath, f.name))
    .sort();
}

async function withDuckDb<T>(tempDir: string, fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', temp_directory: tempDir, preserve_insertion_order: 'false' });
  const db = await instance.connect();
  try {
    return await fn(db);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

async function scalarRows(db: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql)).getRows();
}

/**
 * Splits the `bad_json` count into invalid UTF-8 (`unreadable_line`), real bad JSON, and objects
 * that only lack every field (`missing_fields`), reading only the files that hold such lines.
 */
async function diagnoseUnreadable(tempDir: string, files: string[], unreadable: number): Promise<Record<string, number>> {
  const [create, count] = diagnoseUnreadableLinesSql(files);
  const [[invalidUtf8, notJsonObject]] = (await withDuckDb(tempDir, async (db) => {
    await db.run(create!);
    return scalarRows(db, count!);
  })) as [[bigint, bigint]];
  const utf8 = Number(invalidUtf8);
  const badJson = Math.min(Number(notJsonObject), unreadable - utf8);
  const out: Record<string, number> = {};
  if (utf8) out.unreadable_line = utf8;
  if (badJson) out.bad_json = badJson;
  if (unreadable - utf8 - badJson > 0) out.missing_fields = unreadable - utf8 - badJson;
  return out;
}

/**
 * The rules prepareInteractionsFile applies to a query result (interactions-file.ts normalizeRow),
 * in SQL, so the local result is already the file Personalize imports and its facts are counted here.
 */
function importable(columns: readonly string[]): string {
  const checks = [
    `length(USER_ID) <= 256 AND length(ITEM_ID) <= 256`,
    `lower(USER_ID) <> 'null' AND lower(ITEM_ID) <> 'null'`,
    `"TIMESTAMP" BETWEEN 0 AND 999999999999`,
  ];
  if (columns.includes('EVENT_VALUE')) checks.push('(EVENT_VALUE IS NULL OR isfinite(EVENT_VALUE))');
  return checks.map((c) => `(${c})`).join(' AND ');
}

/**
 * Runs the whole query once and writes `<outputPrefix><fileName>` with the pipeline's header, plus
 * the facts of the file next to it (interactions-file.ts preparedStatsUri). Each source's files are
 * read once: what is staged from them (duckdb.ts buildDuckDbStagedQuery) feeds both the
 * interactions and the malformed counts; the result is written unsorted.
 */
export async function runInteractionsQuery(
  spec: InteractionsSpec,
  req: InteractionsQueryRequest,
  fileName: string,
  opts: { dataDir?: string } = {}
): Promise<QueryRunResult> {
  const eventFiles = spec.sources.map((s) => eventFilesForSource(eventsRootOf(s, opts.dataDir), s, req));
  let endpoints: string[] | undefined;
  if (spec.sources.some((s) => s.kind === 'pinpoint' && s.useEndpointExport) && req.endpointExportPrefix) {
    endpoints = endpointExportFiles(req.endpointExportPrefix);
    if (endpoints.length === 0) throw new Error(`the endpoint export under ${req.endpointExportPrefix} has no .gz files`);
  }
  const outDir = fileUriToPath(req.outputPrefix);
  fs.mkdirSync(outDir, { recursive: true });
  const outPath = path.join(outDir, fileName);
  const partial = `${outPath}.${process.pid}.partial`;
  const tempDir = path.join(opts.dataDir ?? outDir, '.warehouse', 'tmp');
  const names = spec.columns.map((c) => (c === 'TIMESTAMP' ? '"TIMESTAMP"' : c)).join(', ');

  const { stats, counts, unreadableFiles } = await withDuckDb(tempDir, async (db) => {
    const staged = spec.sources.map((_, i) => `staged_${i}`);
    for (const [i, source] of spec.sources.entries()) {
      await db.run(`CREATE TEMP TABLE ${staged[i]} AS ${buildDuckDbStagedQuery(source, req, eventFiles[i]!)}`);
    }
    const select = buildDuckDbInteractionsQuery(spec, req, { events: eventFiles, endpoints }, { staged });
    await db.run(`CREATE TEMP TABLE result AS SELECT *, ${importable(spec.columns)} AS importable FROM (${select})`);
    await db.run(`COPY (SELECT ${names} FROM result WHERE importable) TO ${lit(partial)} (FORMAT csv, HEADER, DELIMITER ',')`);
    // One pass per key: users and their counts together, then items.
    const [[rows, users, usersWith2Plus]] = (await scalarRows(
      db,
      `SELECT coalesce(sum(n), 0), count(*), count(*) FILTER (WHERE n >= 2) FROM (SELECT count(*) AS n FROM result WHERE importable GROUP BY USER_ID)`
    )) as [[bigint | number, bigint, bigint]];
    const [[items, maxTimestamp, invalidRows]] = (await scalarRows(
      db,
      `SELECT count(DISTINCT ITEM_ID) FILTER (WHERE importable), max("TIMESTAMP") FILTER (WHERE importable), count(*) FILTER (WHERE NOT importable) FROM result`
    )) as [[bigint, bigint | null, bigint]];
    const stats: InteractionStats = {
      rows: Number(rows),
      users: Number(users),
      usersWith2Plus: Number(usersWith2Plus),
      items: Number(items),
      maxTimestamp: maxTimestamp === null ? null : Number(maxTimestamp),
      invalidRows: Number(invalidRows),
    };
    const counts: Record<string, number> = {};
    const unreadableFiles: string[] = [];
    for (const [i, table] of staged.entries()) {
      for (const [problem, n] of await scalarRows(db, malformedCountsSql(spec.sources[i]!, table))) counts[String(problem)] = (counts[String(problem)] ?? 0) + Number(n);
    }
    if (counts.bad_json) {
      for (const table of staged) unreadableFiles.push(...(await scalarRows(db, filesWithUnreadableLinesSql(table))).map(([f]) => String(f)));
    }
    return { stats, counts, unreadableFiles };
  }).catch((err: unknown) => {
    fs.rmSync(partial, { force: true });
    throw err;
  });
  fs.writeFileSync(fileUriToPath(preparedStatsUri(`file://${outPath}`)), JSON.stringify({ columns: spec.columns, stats }));
  fs.renameSync(partial, outPath);

  const malformed = { ...counts };
  if (unreadableFiles.length) {
    const unreadable = malformed.bad_json!;
    delete malformed.bad_json;
    for (const [reason, n] of Object.entries(await diagnoseUnreadable(tempDir, unreadableFiles, unreadable))) {
      malformed[reason] = (malformed[reason] ?? 0) + n;
    }
  }
  return { outputUri: `file://${outPath}`, rows: stats.rows, malformed, filesRead: eventFiles.reduce((n, f) => n + f.length, 0) };
}
