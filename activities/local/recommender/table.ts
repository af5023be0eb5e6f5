/**
 * Interactions as columns: user, item and event type are indexes into dictionaries, value and
 * timestamp are numbers. A million rows fit in a few typed arrays, parse fast from JSON, and the
 * model can index them without building objects per row.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse';
import { writeFileAtomic } from '../files';

export interface InteractionTable {
  users: string[];
  items: string[];
  eventTypes: string[];
  user: Int32Array;
  item: Int32Array;
  eventType: Int32Array;
  /** EVENT_VALUE; 1 when the file has none. Zero or negative is negative feedback. */
  value: Float64Array;
  /** Epoch seconds. */
  ts: Float64Array;
}

export interface InteractionRow {
  user: string;
  item: string;
  eventType: string;
  value: number;
  ts: number;
}

class Dictionary {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(initial: readonly string[] = []) {
    for (const v of initial) this.id(v);
  }

  id(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.index.set(value, i);
      this.values.push(value);
    }
    return i;
  }
}

/** Appends rows (deduplicating dictionary entries) and freezes them into a table. */
export class TableBuilder {
  private readonly users: Dictionary;
  private readonly items: Dictionary;
  private readonly eventTypes: Dictionary;
  private readonly cols = { user: [] as number[], item: [] as number[], eventType: [] as number[], value: [] as number[], ts: [] as number[] };

  constructor(base?: InteractionTable) {
    this.users = new Dictionary(base?.users);
    this.items = new Dictionary(base?.items);
    this.eventTypes = new Dictionary(base?.eventTypes);
  }

  get length(): number {
    return this.cols.user.length;
  }

  add(row: InteractionRow): void {
    this.cols.user.push(this.users.id(row.user));
    this.cols.item.push(this.items.id(row.item));
    this.cols.eventType.push(this.eventTypes.id(row.eventType));
    this.cols.value.push(row.value);
    this.cols.ts.push(row.ts);
  }

  /** Appends row `r` of `table` (whose dictionaries may differ from this builder's). */
  addFrom(table: InteractionTable, r: number): void {
    this.add({
      user: table.users[table.user[r]!]!,
      item: table.items[table.item[r]!]!,
      eventType: table.eventTypes[table.eventType[r]!]!,
      value: table.value[r]!,
      ts: table.ts[r]!,
    });
  }

  build(): InteractionTable {
    return {
      users: this.users.values,
      items: this.items.values,
      eventTypes: this.eventTypes.values,
      user: Int32Array.from(this.cols.user),
      item: Int32Array.from(this.cols.item),
      eventType: Int32Array.from(this.cols.eventType),
      value: Float64Array.from(this.cols.value),
      ts: Float64Array.from(this.cols.ts),
    };
  }
}

export function tableFromRows(rows: Iterable<InteractionRow>): InteractionTable {
  const b = new TableBuilder();
  for (const r of rows) b.add(r);
  return b.build();
}

export function rowCount(t: InteractionTable): number {
  return t.user.length;
}

/**
 * INCREMENTAL import: the new rows are appended; a new row replaces an old one with the same user,
 * item, event type and timestamp (an interaction has no id of its own, so these make its identity).
 */
export function mergeTables(base: InteractionTable, incoming: InteractionTable): InteractionTable {
  const key = (t: InteractionTable, r: number) => `${t.users[t.user[r]!]}\u0000${t.items[t.item[r]!]}\u0000${t.eventTypes[t.eventType[r]!]}\u0000${t.ts[r]}`;
  const replaced = new Set<string>();
  for (let r = 0; r < rowCount(incoming); r++) replaced.add(key(incoming, r));
  const b = new TableBuilder(base);
  for (let r = 0; r < rowCount(base); r++) if (!replaced.has(key(base, r))) b.addFrom(base, r);
  for (let r = 0; r < rowCount(incoming); r++) b.addFrom(incoming, r);
  return b.build();
}

export function writeTable(file: string, t: InteractionTable): void {
  const plain = { ...t, user: Array.from(t.user), item: Array.from(t.item), eventType: Array.from(t.eventType), value: Array.from(t.value), ts: Array.from(t.ts) };
  writeFileAtomic(file, JSON.stringify(plain));
}

export function readTable(file: string): InteractionTable {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<keyof InteractionTable, unknown>;
  return {
    users: p.users as string[],
    items: p.items as string[],
    eventTypes: p.eventTypes as string[],
    user: Int32Array.from(p.user as number[]),
    item: Int32Array.from(p.item as number[]),
    eventType: Int32Array.from(p.eventType as number[]),
    value: Float64Array.from(p.value as number[]),
    ts: Float64Array.from(p.ts as number[]),
  };
}

/**
 * Reads an interactions CSV (header USER_ID,ITEM_ID,EVENT_TYPE,EVENT_VALUE,TIMESTAMP; EVENT_TYPE
 * and EVENT_VALUE optional, as in Personalize's schema). A malformed row fails the whole file, as a
 * Personalize import does.
 */
export async function readInteractionsCsv(file: string): Promise<InteractionTable> {
  const b = new TableBuilder();
  const parser = fs.createReadStream(file).pipe(parse({ columns: true, skip_empty_lines: true, bom: true, trim: true }));
  let line = 1;
  for await (const r of parser as AsyncIterable<Record<string, string | undefined>>) {
    line++;
    const ts = Number(r.TIMESTAMP);
    const value = r.EVENT_VALUE === undefined || r.EVENT_VALUE === '' ? 1 : Number(r.EVENT_VALUE);
    if (!r.USER_ID || !r.ITEM_ID || r.TIMESTAMP === '' || !Number.isFinite(ts) || !Number.isFinite(value)) {
      throw new Error(`Invalid record at line ${line}: USER_ID, ITEM_ID and a numeric TIMESTAMP are required (EVENT_VALUE, when given, must be a number).`);
    }
    b.add({ user: r.USER_ID, item: r.ITEM_ID, eventType: r.EVENT_TYPE ?? '', value, ts });
  }
  return b.build();
}
