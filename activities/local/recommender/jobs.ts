/**
 * The heavy work of the local recommender's jobs: reading and merging imports, training and
 * evaluating. Each function reads only its persisted inputs and writes its outputs atomically, so
 * running it again after a crash gives the same result. They run on a worker thread (thread.ts).
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../files';
import { BASELINE_PREFIX } from './baseline';
import { serializeModel, type Blend } from './model';
import { TableBuilder, mergeTables, readInteractionsCsv, readTable, rowCount, writeTable, type InteractionTable } from './table';
import { fitAndEvaluate } from './tune';

/** Personalize's minimum number of records in one dataset import job. */
export const MIN_IMPORT_RECORDS = 1000;
/** Personalize's minimum number of interactions to create a solution version. */
export const MIN_TRAINING_INTERACTIONS = 1000;

export interface ImportTask {
  kind: 'import';
  csvFile: string;
  importMode: 'FULL' | 'INCREMENTAL';
  /** The dataset's bulk data an INCREMENTAL import adds to. */
  baseTableFile: string | null;
  outputTableFile: string;
}

/** The first `bytes` of an event log file: what had been recorded when the training was asked for. */
export interface EventLogSlice {
  file: string;
  bytes: number;
}

export interface TrainingTask {
  kind: 'train';
  tableFile: string | null;
  events: EventLogSlice[];
  modelFile: string;
}

export type JobTask = ImportTask | TrainingTask;

export interface ImportOutcome {
  records: number;
  datasetRows: number;
}

export interface TrainingOutcome {
  metrics: Record<string, number>;
  trainedOn: number;
  evaluatedUsers: number;
  /** The blends chosen on validation data: for a next session, and while a session goes on. */
  blends: { next: Blend; session: Blend };
}

export async function runImport(task: ImportTask): Promise<ImportOutcome> {
  const incoming = await readInteractionsCsv(task.csvFile);
  const records = rowCount(incoming);
  if (records < MIN_IMPORT_RECORDS) {
    throw new Error(`Input data must contain at least ${MIN_IMPORT_RECORDS} interactions records; ${task.csvFile} has ${records}.`);
  }
  let table = incoming;
  if (task.importMode === 'INCREMENTAL') {
    if (!task.baseTableFile) throw new Error('An INCREMENTAL import needs an earlier bulk import into the dataset.');
    table = mergeTables(readTable(task.baseTableFile), incoming);
  }
  writeTable(task.outputTableFile, table);
  return { records, datasetRows: rowCount(table) };
}

/** Each record of the slices, in order; a torn line from a crash (never acknowledged) is passed over. */
function eachSliceRecord(slices: EventLogSlice[], visit: (e: Record<string, unknown>) => void): void {
  for (const { file, bytes } of slices) {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(bytes);
    try {
      fs.readSync(fd, buf, 0, bytes, 0);
    } finally {
      fs.closeSync(fd);
    }
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      visit(e);
    }
  }
}

/** A PutEvents record that names a user, an item and a valid time becomes an interaction; others cannot. */
function eventInteraction(e: Record<string, unknown>): { user: string; item: string; eventType: string; value: number; ts: number } | null {
  if (typeof e.userId !== 'string' || typeof e.itemId !== 'string') return null;
  const sentAt = typeof e.sentAt === 'number' ? e.sentAt : Date.parse(String(e.sentAt));
  if (!Number.isFinite(sentAt)) return null;
  return {
    user: e.userId,
    item: e.itemId,
    eventType: typeof e.eventType === 'string' ? e.eventType : '',
    value: typeof e.eventValue === 'number' ? e.eventValue : 1,
    ts: Math.floor(sentAt / 1000),
  };
}

/** Events recorded one by one (PutEvents) that name a user and an item become interactions. */
export function readEventSlices(slices: EventLogSlice[], into: TableBuilder): void {
  eachSliceRecord(slices, (e) => {
    if (e.kind !== 'event') return;
    const x = eventInteraction(e);
    if (x) into.add(x);
  });
}

/** What a training on these slices includes: the same reading as readEventSlices, counted. */
export interface SliceCounts {
  events: number;
  unusable: number;
  items: number;
  users: number;
}

export function countEventSlices(slices: EventLogSlice[]): SliceCounts {
  const n: SliceCounts = { events: 0, unusable: 0, items: 0, users: 0 };
  eachSliceRecord(slices, (e) => {
    if (e.kind === 'event') n[eventInteraction(e) ? 'events' : 'unusable']++;
    else if (e.kind === 'item') n.items++;
    else if (e.kind === 'user') n.users++;
  });
  return n;
}

export function trainingTable(task: TrainingTask): InteractionTable {
  const bulk = task.tableFile ? readTable(task.tableFile) : undefined;
  if (task.events.length === 0 && bulk) return bulk;
  const b = new TableBuilder(bulk);
  if (bulk) for (let r = 0; r < rowCount(bulk); r++) b.addFrom(bulk, r);
  readEventSlices(task.events, b);
  return b.build();
}

/**
 * Measures the model on a holdout (blends chosen on its input part, never on the holdout), then
 * fits everything with those blends for the model that is served.
 */
export async function runTraining(task: TrainingTask): Promise<TrainingOutcome> {
  const table = trainingTable(task);
  const rows = rowCount(table);
  if (rows < MIN_TRAINING_INTERACTIONS) {
    throw new Error(`There are not enough interactions to train: ${rows}; at least ${MIN_TRAINING_INTERACTIONS} are required.`);
  }
  const { model, holdout, blends } = fitAndEvaluate(table);
  writeFileAtomic(task.modelFile, serializeModel(model));
  const metrics: Record<string, number> = { ...holdout.model };
  for (const [k, v] of Object.entries(holdout.popularity)) metrics[`${BASELINE_PREFIX}${k}`] = v;
  return { metrics, trainedOn: rows, evaluatedUsers: holdout.users, blends: { next: blends.next.blend, session: blends.session.blend } };
}

export async function runTask(task: JobTask): Promise<ImportOutcome | TrainingOutcome> {
  return task.kind === 'import' ? runImport(task) : runTraining(task);
}
