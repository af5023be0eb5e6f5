/**
 * The items and users datasets of the local recommender: metadata read from the CSV files
 * Personalize imports (header row, ITEM_ID / USER_ID plus metadata columns, multiple values joined
 * by '|'). The items catalog gives recommendations their metadata (GetRecommendations'
 * `metadataColumns`) and lets items nobody interacted with yet be recommended: the cold-start
 * fallback puts a new item right after its category's best-ranked item in a user's list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';

export type MetadataKind = 'ITEMS' | 'USERS';

export interface MetadataTable {
  kind: MetadataKind;
  columns: string[];
  rows: Record<string, string>[];
}

const ID_COLUMN: Record<MetadataKind, string> = { ITEMS: 'ITEM_ID', USERS: 'USER_ID' };
/** Columns read as an item's category, first match wins (Personalize's domain schemas use these names). */
const CATEGORY_COLUMNS = ['CATEGORY_L1', 'CATEGORY', 'CATEGORIES', 'GENRES', 'GENRE'];

/** The kind of a dataset from its ARN (`…:dataset/<group>/ITEMS`), or null for the interactions dataset. */
export function metadataKindOf(datasetArn: string): MetadataKind | null {
  const m = /\/(ITEMS|USERS)$/.exec(datasetArn);
  return m ? (m[1] as MetadataKind) : null;
}

/** One file, or every .csv file directly in a folder (as Personalize reads a folder), in name order. */
export function readMetadataCsv(kind: MetadataKind, location: string): MetadataTable {
  const files = fs.statSync(location).isDirectory()
    ? fs
        .readdirSync(location)
        .filter((f) => f.endsWith('.csv'))
        .sort()
        .map((f) => path.join(location, f))
    : [location];
  if (files.length === 0) throw new Error(`${location} holds no .csv file`);
  const id = ID_COLUMN[kind];
  const rows: Record<string, string>[] = [];
  let columns: string[] | undefined;
  for (const file of files) {
    const records = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
    const header = records[0] ? Object.keys(records[0]) : [];
    if (records.length && !header.includes(id)) throw new Error(`${file} has no ${id} column (header: ${header.join(', ')})`);
    columns ??= header;
    for (const r of records) if (r[id]) rows.push(r);
  }
  if (rows.length === 0) throw new Error(`${location} has no ${kind.toLowerCase()} records`);
  return { kind, columns: columns ?? [], rows };
}

export class ItemCatalog {
  private readonly byId = new Map<string, Record<string, string>>();
  private readonly categoryColumn?: string;

  constructor(table: MetadataTable) {
    for (const r of table.rows) this.byId.set(r.ITEM_ID!, r);
    this.categoryColumn = CATEGORY_COLUMNS.find((c) => table.columns.includes(c));
  }

  get size(): number {
    return this.byId.size;
  }

  metadataOf(itemId: string, columns: string[]): Record<string, string> {
    const row = this.byId.get(itemId);
    const out: Record<string, string> = {};
    for (const c of columns) if (row?.[c] !== undefined) out[c] = row[c]!;
    return out;
  }

  categoryOf(itemId: string): string | undefined {
    if (!this.categoryColumn) return undefined;
    return this.byId.get(itemId)?.[this.categoryColumn]?.split('|')[0]?.trim() || undefined;
  }

  /**
   * Items of the catalog the model has never seen (no interactions), newest first when the
   * catalog has CREATION_TIMESTAMP, by category.
   */
  newItemsByCategory(known: (itemId: string) => boolean): Map<string, string[]> {
    const fresh = [...this.byId.values()].filter((r) => !known(r.ITEM_ID!));
    fresh.sort((a, b) => Number(b.CREATION_TIMESTAMP ?? 0) - Number(a.CREATION_TIMESTAMP ?? 0));
    const out = new Map<string, string[]>();
    for (const r of fresh) {
      const c = this.categoryOf(r.ITEM_ID!);
      if (c !== undefined) (out.get(c) ?? out.set(c, []).get(c)!).push(r.ITEM_ID!);
    }
    return out;
  }
}

/**
 * The cold-start fallback: up to `slots` new items, each placed right after the best-ranked item of
 * its category (with that item's score), the list cut back to its length. Items already listed or
 * excluded are not added.
 */
export function withNewItems(
  list: { itemId: string; score: number }[],
  catalog: ItemCatalog,
  fresh: Map<string, string[]>,
  slots: number,
  exclude: (itemId: string) => boolean = () => false
): { itemId: string; score: number }[] {
  const n = list.length;
  const out = [...list];
  const used = new Set(list.map((x) => x.itemId));
  let added = 0;
  for (let k = 0; k < out.length && added < slots; k++) {
    const c = catalog.categoryOf(out[k]!.itemId);
    const candidate = c === undefined ? undefined : fresh.get(c)?.find((id) => !used.has(id) && !exclude(id));
    if (!candidate) continue;
    out.splice(k + 1, 0, { itemId: candidate, score: out[k]!.score });
    used.add(candidate);
    added++;
    k++;
  }
  return out.slice(0, n);
}
