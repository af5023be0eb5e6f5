/**
 * Reads a query's result file, checks its columns (a user's own SQL may replace the built query),
 * and writes the file Personalize imports: the pipeline's header (by default
 * `USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP`) unquoted, one clean row per interaction.
 * Computes the facts the run decides on in the same pass.
 *
 * The embedded warehouse applies the same rules in SQL and leaves the facts next to its result
 * (preparedStatsUri); such a result is copied byte for byte instead of being parsed again.
 */
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { INTERACTIONS_COLUMNS, REQUIRED_INTERACTIONS_COLUMNS, type InteractionsColumn } from '../common/interactions';
import type { InteractionStats } from '../common/types';
import type { ObjectStore } from './ports';

const MAX_ID_LENGTH = 256;

/** The facts file the embedded warehouse writes next to a result it has already normalized. */
export function preparedStatsUri(resultUri: string): string {
  return `${resultUri}.stats.json`;
}

type Indexes = Partial<Record<InteractionsColumn, number>>;

/** Maps the result's header to the wanted columns; Athena lower-cases and quotes names, so match loosely. */
export function columnIndexes(
  header: string[],
  columns: readonly InteractionsColumn[] = INTERACTIONS_COLUMNS
): Indexes | { missing: string[] } {
  const normalized = header.map((h) => h.trim().replace(/^"|"$/g, '').toUpperCase());
  const missing: string[] = [];
  const idx: Indexes = {};
  for (const col of columns) {
    const i = normalized.indexOf(col);
    if (i < 0 && REQUIRED_INTERACTIONS_COLUMNS.includes(col)) missing.push(col);
    idx[col] = i;
  }
  return missing.length ? { missing } : idx;
}

export type RowVerdict = { ok: true; row: string[] } | { ok: false; reason: string };

/** One result row → an importable row (in `columns` order), or why not. */
export function normalizeRow(
  fields: string[],
  idx: Indexes,
  columns: readonly InteractionsColumn[] = INTERACTIONS_COLUMNS
): RowVerdict {
  const get = (col: InteractionsColumn) => ((idx[col] ?? -1) >= 0 ? (fields[idx[col]!] ?? '').trim() : '');
  const user = get('USER_ID');
  const item = get('ITEM_ID');
  if (!user || user.toLowerCase() === 'null') return { ok: false, reason: 'empty USER_ID' };
  if (!item || item.toLowerCase() === 'null') return { ok: false, reason: 'empty ITEM_ID' };
  if (user.length > MAX_ID_LENGTH || item.length > MAX_ID_LENGTH)
    return { ok: false, reason: 'id longer than 256 characters' };
  const ts = get('TIMESTAMP');
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'TIMESTAMP is not epoch seconds' };
  const value = get('EVENT_VALUE');
  if (value !== '' && !Number.isFinite(Number(value))) return { ok: false, reason: 'EVENT_VALUE is not a number' };
  return { ok: true, row: columns.map((c) => get(c)) };
}

/** A result the embedded warehouse already normalized for exactly these columns: copied, its facts reused. */
async function preparedFacts(
  store: ObjectStore,
  sourceUri: string,
  columns: readonly InteractionsColumn[]
): Promise<InteractionStats | null> {
  if (!sourceUri.startsWith('file://')) return null;
  const text = await store.getText(preparedStatsUri(sourceUri));
  if (!text) return null;
  const facts = JSON.parse(text) as { columns: string[]; stats: InteractionStats };
  if (!Array.isArray(facts.columns)) return null;
  return facts.columns.join(',') === columns.join(',') ? facts.stats : null;
}

export interface PrepareOptions {
  /** The interactions file's columns, in header order (the dataset schema's fields). */
  columns?: readonly InteractionsColumn[];
  /** Called as rows are read (every 1,000), e.g. to heartbeat the activity with its progress. */
  onProgress?: (rowsRead: number) => void;
}

/** Stream `sourceUri` → `targetUri` with the pipeline's columns, returning the run's interaction facts. */
export async function prepareInteractionsFile(
  store: ObjectStore,
  sourceUri: string,
  targetUri: string,
  opts: PrepareOptions = {}
): Promise<InteractionStats> {
  const columns = opts.columns ?? INTERACTIONS_COLUMNS;
  const prepared = await preparedFacts(store, sourceUri, columns);
  if (prepared) {
    if (store.copy) await store.copy(sourceUri, targetUri);
    else await store.write(targetUri, await store.openRead(sourceUri));
    return prepared;
  }
  const input = await store.openRead(sourceUri);
  const parser = (input as Readable).pipe(parse({ relax_column_count: true, skip_empty_lines: true, bom: true }));
  const out = stringify({ quoted_match: /[",\n\r]/ });
  const writing = store.write(targetUri, out);
  out.write(columns.slice());

  const perUser = new Map<string, number>();
  const items = new Set<string>();
  const userAt = columns.indexOf('USER_ID');
  const itemAt = columns.indexOf('ITEM_ID');
  const tsAt = columns.indexOf('TIMESTAMP');
  let idx: Indexes | undefined;
  let rows = 0;
  let invalidRows = 0;
  let maxTimestamp: number | null = null;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (!idx) {
        const found = columnIndexes(fields, columns);
        if ('missing' in found) {
          throw ApplicationFailure.nonRetryable(
            `the interactions query result ${sourceUri} lacks column(s) ${found.missing.join(', ')}; its header is "${fields.join(',')}" but Personalize needs ${columns.join(',')}. Fix the query's SELECT list.`,
            'InvalidInteractionsColumns'
          );
        }
        idx = found;
        continue;
      }
      if ((rows + invalidRows) % 1000 === 999) opts.onProgress?.(rows + invalidRows + 1);
      const verdict = normalizeRow(fields, idx, columns);
      if (!verdict.ok) {
        invalidRows++;
        continue;
      }
      const user = verdict.row[userAt]!;
      rows++;
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
      items.add(verdict.row[itemAt]!);
      const t = Number(verdict.row[tsAt]);
      if (maxTimestamp === null || t > maxTimestamp) maxTimestamp = t;
      if (!out.write(verdict.row)) await new Promise((r) => out.once('drain', r));
    }
  } catch (err) {
    out.destroy(err as Error);
    await writing.catch(() => undefined);
    throw err;
  }
  if (!idx) {
    throw ApplicationFailure.nonRetryable(
      `the interactions query result ${sourceUri} is empty: not even a header`,
      'InvalidInteractionsColumns'
    );
  }
  out.end();
  await writing;
  let usersWith2Plus = 0;
  for (const n of perUser.values()) if (n >= 2) usersWith2Plus++;
  return { rows, users: perUser.size, usersWith2Plus, items: items.size, maxTimestamp, invalidRows };
}

export function readableFrom(text: string): Readable {
  return Readable.from([text]);
}
