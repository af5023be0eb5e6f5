/**
 * Holds out the run's newest interactions: the interactions file is split at the holdout's start
 * into the file the run imports and trains on and the holdout file the gate scores on. Rereading the
 * same source gives the same two files, so a retried split changes nothing.
 *
 * Nothing is held out when there is nothing newer than the cut-off, or when the rest would be below
 * Personalize's training minimums: the run then imports everything and the gate says why it has no
 * holdout.
 */
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { Readable } from 'node:stream';
import { holdoutCutoffMs, type HoldoutSettings, type HoldoutSplitFacts } from '../../common/holdout';
import type { InteractionStats } from '../../common/types';
import { MIN_INTERACTIONS, MIN_USERS_WITH_TWO_INTERACTIONS } from '../../workflows/plan';
import type { ObjectStore } from '../ports';

export interface HoldOutRequest {
  /** The run's interactions file (header first, as prepareInteractions writes it). */
  sourceUri: string;
  trainingUri: string;
  holdoutUri: string;
  holdout: Pick<HoldoutSettings, 'days' | 'fraction'>;
  /** End of the run's window (epoch ms): `days` count back from here. */
  windowEndMs: number;
}

class Facts {
  private readonly perUser = new Map<string, number>();
  private readonly items = new Set<string>();
  rows = 0;
  maxTimestamp: number | null = null;

  add(user: string, item: string, ts: number): void {
    this.rows++;
    this.perUser.set(user, (this.perUser.get(user) ?? 0) + 1);
    this.items.add(item);
    if (this.maxTimestamp === null || ts > this.maxTimestamp) this.maxTimestamp = ts;
  }

  get users(): number {
    return this.perUser.size;
  }

  stats(): InteractionStats {
    let usersWith2Plus = 0;
    for (const n of this.perUser.values()) if (n >= 2) usersWith2Plus++;
    return { rows: this.rows, users: this.perUser.size, usersWith2Plus, items: this.items.size, maxTimestamp: this.maxTimestamp, invalidRows: 0 };
  }
}

interface Columns {
  header: string[];
  user: number;
  item: number;
  ts: number;
}

async function* rowsOf(store: ObjectStore, uri: string): AsyncGenerator<{ columns: Columns; fields: string[] }> {
  const input = (await store.openRead(uri)) as Readable;
  const parser = input.pipe(parse({ relax_column_count: true, skip_empty_lines: true, bom: true }));
  let columns: Columns | undefined;
  for await (const fields of parser as AsyncIterable<string[]>) {
    if (!columns) {
      const header = fields.map((f) => f.trim().toUpperCase());
      columns = { header: fields, user: header.indexOf('USER_ID'), item: header.indexOf('ITEM_ID'), ts: header.indexOf('TIMESTAMP') };
      if (columns.user < 0 || columns.item < 0 || columns.ts < 0) throw new Error(`${uri} lacks USER_ID, ITEM_ID or TIMESTAMP: its header is "${fields.join(',')}"`);
      continue;
    }
    yield { columns, fields };
  }
}

export async function holdOutRecent(store: ObjectStore, req: HoldOutRequest): Promise<HoldoutSplitFacts> {
  // First pass: the time span (for a fraction), and what each side would hold.
  let minS = Infinity;
  let maxS = -Infinity;
  for await (const { columns, fields } of rowsOf(store, req.sourceUri)) {
    const t = Number(fields[columns.ts]);
    if (t < minS) minS = t;
    if (t > maxS) maxS = t;
  }
  const span = Number.isFinite(minS) ? { minMs: minS * 1000, maxMs: maxS * 1000 } : null;
  const cutoffMs = holdoutCutoffMs(req.holdout, req.windowEndMs, span);
  const all = new Facts();
  const training = new Facts();
  const heldOut = new Facts();
  for await (const { columns, fields } of rowsOf(store, req.sourceUri)) {
    const [u, i, t] = [fields[columns.user]!, fields[columns.item]!, Number(fields[columns.ts])];
    all.add(u, i, t);
    if (cutoffMs !== null && t * 1000 >= cutoffMs) heldOut.add(u, i, t);
    else training.add(u, i, t);
  }
  const everything = (note: string): HoldoutSplitFacts => ({
    cutoffMs: null,
    trainingUri: req.sourceUri,
    training: all.stats(),
    heldOut: { rows: 0, users: 0 },
    note,
  });
  const at = cutoffMs === null ? '' : ` from ${new Date(cutoffMs).toISOString()}`;
  if (cutoffMs === null || heldOut.rows === 0) return everything(`nothing to hold out: no interactions${at}`);
  const t = training.stats();
  if (t.rows < MIN_INTERACTIONS || t.usersWith2Plus < MIN_USERS_WITH_TWO_INTERACTIONS) {
    return everything(
      `nothing held out: without the ${heldOut.rows} interactions${at}, ${t.rows} interactions (${t.usersWith2Plus} users with 2+) would be left, below Personalize's training minimums`
    );
  }

  // Second pass: write both files.
  const trainOut = stringify({ quoted_match: /[",\n\r]/ });
  const holdOut = stringify({ quoted_match: /[",\n\r]/ });
  const writing = Promise.all([store.write(req.trainingUri, trainOut), store.write(req.holdoutUri, holdOut)]);
  try {
    let headerWritten = false;
    for await (const { columns, fields } of rowsOf(store, req.sourceUri)) {
      if (!headerWritten) {
        trainOut.write(columns.header);
        holdOut.write(columns.header);
        headerWritten = true;
      }
      const out = Number(fields[columns.ts]) * 1000 >= cutoffMs ? holdOut : trainOut;
      if (!out.write(fields)) await new Promise((r) => out.once('drain', r));
    }
  } catch (err) {
    trainOut.destroy(err as Error);
    holdOut.destroy(err as Error);
    await writing.catch(() => undefined);
    throw err;
  }
  trainOut.end();
  holdOut.end();
  await writing;
  return { cutoffMs, trainingUri: req.trainingUri, holdoutUri: req.holdoutUri, training: t, heldOut: { rows: heldOut.rows, users: heldOut.users } };
}
