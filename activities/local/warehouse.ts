/**
 * The embedded warehouse: the interactions query on DuckDB over the local event stream, run as an
 * asynchronous job polled exactly like Athena (QUEUED → RUNNING → SUCCEEDED | FAILED). The job id
 * derives from the request token, so a second start adopts the first; its status is persisted, so a
 * worker restart neither loses nor duplicates it (a RUNNING job with no live query is run again).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { InteractionsSource } from '../../common/interactions';
import type { JobObservation } from '../../common/job-status';
import type { InteractionsQueryRequest, Warehouse } from '../ports';
import {
  eventsInteractionsSql,
  lit,
  loadLinesSql,
  MALFORMED_SQL,
  parseEventsSql,
  parsePinpointSql,
  pinpointInteractionsSql,
  REJECTED_LINES_SQL,
} from '../query/duckdb';
import { eventWindow, hourPartitions } from '../query/window';
import { fileUriToPath, writeJsonAtomic } from './files';

interface QueryJob {
  id: string;
  token: string;
  request: InteractionsQueryRequest;
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  reason?: string;
  outputUri?: string;
  malformed?: Record<string, number>;
  rows?: number;
  filesRead?: number;
  startedAt: string;
  endedAt?: string;
}

/** Event files under `<root>/YYYY/MM/DD/HH/` for the given partitions (missing hours are skipped). */
export function eventFilesIn(root: string, partitions: string[] | null): string[] {
  const files: string[] = [];
  const addDir = (dir: string) => {
    for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
      if (f.isFile() && !f.name.startsWith('.')) files.push(path.join(dir, f.name));
    }
  };
  if (partitions) {
    for (const p of partitions) {
      const dir = path.join(root, p);
      if (fs.existsSync(dir)) addDir(dir);
    }
    return files;
  }
  // All history: walk the four date levels.
  const walk = (dir: string, depth: number) => {
    if (!fs.existsSync(dir)) return;
    if (depth === 4) return addDir(dir);
    for (const d of fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
      walk(path.join(dir, d), depth + 1);
    }
  };
  walk(root, 0);
  return files;
}

export interface DuckDbWarehouseOptions {
  spec: InteractionsSource;
  /** Where query job states live. */
  stateDir: string;
}

export class DuckDbWarehouse implements Warehouse {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly opts: DuckDbWarehouseOptions) {}

  private jobFile(id: string): string {
    return path.join(this.opts.stateDir, 'queries', `${id}.json`);
  }

  private read(id: string): QueryJob | null {
    try {
      return JSON.parse(fs.readFileSync(this.jobFile(id), 'utf8')) as QueryJob;
    } catch {
      return null;
    }
  }

  private save(job: QueryJob): void {
    writeJsonAtomic(this.jobFile(job.id), job);
  }

  async startInteractionsQuery(req: InteractionsQueryRequest): Promise<{ queryId: string }> {
    const id = `q-${createHash('sha256').update(req.token).digest('hex').slice(0, 16)}`;
    const existing = this.read(id);
    if (existing) {
      if (existing.status === 'RUNNING' || existing.status === 'QUEUED') this.ensureRunning(existing);
      return { queryId: id };
    }
    const job: QueryJob = { id, token: req.token, request: req, status: 'QUEUED', startedAt: new Date().toISOString() };
    this.save(job);
    this.ensureRunning(job);
    return { queryId: id };
  }

  async describeQuery(queryId: string): Promise<JobObservation & { outputUri?: string; malformed?: Record<string, number> }> {
    const job = this.read(queryId);
    if (!job) return { status: 'FAILED', reason: `no query ${queryId}` };
    if (job.status === 'RUNNING' || job.status === 'QUEUED') this.ensureRunning(job);
    return { status: job.status, reason: job.reason, outputUri: job.outputUri, malformed: job.malformed };
  }

  /** Runs the job unless this process already is; after a restart, a RUNNING job is simply run again. */
  private ensureRunning(job: QueryJob): void {
    if (this.running.has(job.id)) return;
    const run = this.execute(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
  }

  /** For tests and shutdown: wait for queries this process runs. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async execute(job: QueryJob): Promise<void> {
    job.status = 'RUNNING';
    this.save(job);
    try {
      const result = await runInteractionsQuery(this.opts.spec, job.request, `${job.id}.csv`);
      Object.assign(job, result, { status: 'SUCCEEDED', endedAt: new Date().toISOString() });
    } catch (err) {
      Object.assign(job, { status: 'FAILED', reason: (err as Error).message, endedAt: new Date().toISOString() });
    }
    this.save(job);
  }
}

export interface QueryRunResult {
  outputUri: string;
  rows: number;
  malformed: Record<string, number>;
  filesRead: number;
}

/** Runs the whole query once and writes `<outputPrefix><fileName>` with the interactions header. */
export async function runInteractionsQuery(spec: InteractionsSource, req: InteractionsQueryRequest, fileName: string): Promise<QueryRunResult> {
  const attribution = spec.kind === 'pinpoint' ? spec.attributionWindowSeconds : 0;
  const w = eventWindow(req.runDate, req.lookbackDays, attribution);
  const eventsRoot = fileUriToPath(spec.eventsPrefix);
  const partitions = w.recommendationsFromMs === null ? null : hourPartitions(Math.min(w.recommendationsFromMs, w.startMs ?? Infinity), w.endMs);
  const files = eventFilesIn(eventsRoot, partitions);
  const outDir = fileUriToPath(req.outputPrefix);
  fs.mkdirSync(outDir, { recursive: true });
  const outPath = path.join(outDir, fileName);

  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  try {
    await db.run(loadLinesSql(files));
    let select: string;
    if (spec.kind === 'pinpoint') {
      await db.run(parsePinpointSql(w));
      let endpointFiles: string[] | undefined;
      if (spec.useEndpointExport && req.endpointExportPrefix) {
        const dir = fileUriToPath(req.endpointExportPrefix);
        endpointFiles = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.gz')).map((f) => path.join(dir, f)) : [];
        if (endpointFiles.length === 0) throw new Error(`the endpoint export under ${req.endpointExportPrefix} has no .gz files`);
      }
      select = pinpointInteractionsSql({ spec, window: w, endpointFiles });
    } else {
      await db.run(parseEventsSql(spec, w));
      select = eventsInteractionsSql(spec, w);
    }
    await db.run(`COPY (${select}) TO ${lit(outPath)} (HEADER, DELIMITER ',')`);
    const malformed: Record<string, number> = {};
    for (const [problem, n] of (await db.runAndReadAll(MALFORMED_SQL)).getRows()) malformed[String(problem)] = Number(n);
    if (files.length) {
      const rejected = Number((await db.runAndReadAll(REJECTED_LINES_SQL)).getRows()[0]?.[0] ?? 0);
      if (rejected) malformed.unreadable_line = rejected;
    }
    const rows = Number((await db.runAndReadAll(`SELECT count(*) FROM read_csv(${lit(outPath)}, header = true)`)).getRows()[0]?.[0] ?? 0);
    return { outputUri: `file://${outPath}`, rows, malformed, filesRead: files.length };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
