/**
 * Reads a query's result file, checks its columns (a user's own SQL may replace the built query),
 * and writes the file Personalize imports: header `USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP`
 * unquoted, one clean row per interaction. Computes the facts the run decides on in the same pass.
 */
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { INTERACTIONS_COLUMNS, INTERACTIONS_HEADER } from '../common/interactions';
import type { InteractionStats } from '../common/types';
import type { ObjectStore } from './ports';

const MAX_ID_LENGTH = 256;

/** Maps the result's header to our columns; Athena lower-cases and quotes names, so match loosely. */
export function columnIndexes(header: string[]): Record<(typeof INTERACTIONS_COLUMNS)[number], number> | { missing: string[] } {
  const normalized = header.map((h) => h.trim().replace(/^"|"$/g, '').toUpperCase());
  const missing: string[] = [];
  const idx = {} as Record<(typeof INTERACTIONS_COLUMNS)[number], number>;
  for (const col of INTERACTIONS_COLUMNS) {
    const i = normalized.indexOf(col);
    if (i < 0 && col !== 'EVENT_VALUE' && col !== 'EVENT_TYPE') missing.push(col);
    idx[col] = i;
  }
  return missing.length ? { missing } : idx;
}

export type RowVerdict = { ok: true; row: [string, string, string, string, string] } | { ok: false; reason: string };

/** One result row → an importable row, or why not. */
export function normalizeRow(fields: string[], idx: Record<(typeof INTERACTIONS_COLUMNS)[number], number>): RowVerdict {
  const get = (col: (typeof INTERACTIONS_COLUMNS)[number]) => (idx[col] >= 0 ? (fields[idx[col]] ?? '').trim() : '');
  const user = get('USER_ID');
  const item = get('ITEM_ID');
  if (!user || user.toLowerCase() === 'null') return { ok: false, reason: 'empty USER_ID' };
  if (!item || item.toLowerCase() === 'null') return { ok: false, reason: 'empty ITEM_ID' };
  if (user.length > MAX_ID_LENGTH || item.length > MAX_ID_LENGTH) return { ok: false, reason: 'id longer than 256 characters' };
  const ts = get('TIMESTAMP');
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'TIMESTAMP is not epoch seconds' };
  const value = get('EVENT_VALUE');
  if (value !== '' && !Number.isFinite(Number(value))) return { ok: false, reason: 'EVENT_VALUE is not a number' };
  return { ok: true, row: [user, item, get('EVENT_TYPE'), value, ts] };
}

export interface PrepareOptions {
  /** Called as rows are read (every 1,000), e.g. to heartbeat the activity with its progress. */
  onProgress?: (rowsRead: number) => void;
}

/** Stream `sourceUri` → `targetUri`, returning the run's interaction facts. */
export async function prepareInteractionsFile(store: ObjectStore, sourceUri: string, targetUri: string, opts: PrepareOptions = {}): Promise<InteractionStats> {
  const input = await store.openRead(sourceUri);
  const parser = (input as Readable).pipe(parse({ relax_column_count: true, skip_empty_lines: true, bom: true }));
  const out = stringify({ quoted_match: /[",\n\r]/ });
  const writing = store.write(targetUri, out);
  out.write(INTERACTIONS_COLUMNS.slice());

  const perUser = new Map<string, number>();
  const items = new Set<string>();
  let idx: Record<(typeof INTERACTIONS_COLUMNS)[number], number> | undefined;
  let rows = 0;
  let invalidRows = 0;
  let maxTimestamp: number | null = null;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (!idx) {
        const found = columnIndexes(fields);
        if ('missing' in found) {
          throw ApplicationFailure.nonRetryable(
            `the interactions query result ${sourceUri} lacks column(s) ${found.missing.join(', ')}; its header is "${fields.join(',')}" but Personalize needs ${INTERACTIONS_HEADER}. Fix the query's SELECT list.`,
            'InvalidInteractionsColumns'
          );
        }
        idx = found;
        continue;
      }
      if ((rows + invalidRows) % 1000 === 999) opts.onProgress?.(rows + invalidRows + 1);
      const verdict = normalizeRow(fields, idx);
      if (!verdict.ok) {
        invalidRows++;
        continue;
      }
      const [user, item, , , ts] = verdict.row;
      rows++;
      perUser.set(user, (perUser.get(user) ?? 0) + 1);
      items.add(item);
      const t = Number(ts);
      if (maxTimestamp === null || t > maxTimestamp) maxTimestamp = t;
      if (!out.write(verdict.row)) await new Promise((r) => out.once('drain', r));
    }
  } catch (err) {
    out.destroy(err as Error);
    await writing.catch(() => undefined);
    throw err;
  }
  if (!idx) {
    throw ApplicationFailure.nonRetryable(`the interactions query result ${sourceUri} is empty: not even a header`, 'InvalidInteractionsColumns');
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
