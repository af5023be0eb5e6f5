/**
 * SQL pieces both dialects write alike (Trino for Athena, DuckDB locally): literals, quoted
 * identifiers, the type mapping, the scoring table, the window predicate and the output columns.
 * The canonical engagement every source query yields has the columns of ENGAGEMENT_COLUMNS.
 */
import type { EventTypeMapping, InteractionsColumn, ScoringModel } from '../../common/interactions';

/** SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Quoted identifier. */
export function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Canonical engagement columns, in the order every source's relation has them. */
export const ENGAGEMENT_COLUMNS = [
  'user_id',
  'item_id',
  'event_type',
  'event_value',
  'ts',
  'recommendation_id',
  'impression',
] as const;

/** A trimmed string, NULL when empty: ids never reach the output empty. */
export const clean = (expr: string) => `nullif(trim(${expr}), '')`;

/** The source's event type in the pipeline's vocabulary (unlisted types keep their name). */
export function mappedType(expr: string, mapping: EventTypeMapping): string {
  const entries = Object.entries(mapping);
  if (entries.length === 0) return expr;
  return `CASE ${expr} ${entries.map(([from, to]) => `WHEN ${lit(from)} THEN ${lit(to)}`).join(' ')} ELSE ${expr} END`;
}

/** `(VALUES (type, value), …)`: the scoring model as a relation with columns (event_type, event_value). */
export function scoringValues(scoring: ScoringModel): string {
  const rows = Object.entries(scoring).map(([type, value]) => {
    if (!Number.isFinite(value)) throw new RangeError(`the scoring model gives "${type}" a value that is not a number`);
    return `(${lit(type)}, CAST(${value} AS DOUBLE))`;
  });
  if (rows.length === 0)
    throw new RangeError('the scoring model is empty: no event type would count as an interaction');
  return `(VALUES ${rows.join(', ')})`;
}

/** `(col >= from AND col < to)`, or just the upper bound for all history. */
export function timeIn(col: string, fromMs: number | null, toMs: number): string {
  return fromMs === null ? `(${col} < ${toMs})` : `(${col} >= ${fromMs} AND ${col} < ${toMs})`;
}

/** The output SELECT list over canonical engagements, in the pipeline's column order. */
export function outputColumns(columns: readonly InteractionsColumn[]): string {
  const expr: Record<InteractionsColumn, string> = {
    USER_ID: 'user_id AS USER_ID',
    ITEM_ID: 'item_id AS ITEM_ID',
    EVENT_TYPE: 'event_type AS EVENT_TYPE',
    EVENT_VALUE: 'event_value AS EVENT_VALUE',
    TIMESTAMP: 'CAST(floor(ts / 1000e0) AS BIGINT) AS "TIMESTAMP"',
    RECOMMENDATION_ID: 'recommendation_id AS RECOMMENDATION_ID',
    IMPRESSION: 'impression AS IMPRESSION',
  };
  return columns.map((c) => expr[c]).join(', ');
}

/**
 * Canonical engagements of one non-Pinpoint source from its parsed rows (`parsed` has raw_type,
 * engagement_key, user_id, item_id, ts, mapped_value, recommendation_id, impression and `ok`):
 * mapped, scored, in the window, each engagement once (Firehose delivers at least once).
 */
export function scoredEngagements(
  parsed: string,
  opts: { mapping: EventTypeMapping; scoring?: ScoringModel; fromMs: number | null; toMs: number }
): string {
  const typed = `SELECT p.*, ${mappedType('p.raw_type', opts.mapping)} AS event_type FROM ${parsed} p WHERE p.ok AND ${timeIn('p.ts', opts.fromMs, opts.toMs)}`;
  const scored = opts.scoring
    ? `SELECT t.*, coalesce(t.mapped_value, s.event_value) AS event_value FROM (${typed}) t JOIN ${scoringValues(opts.scoring)} AS s (event_type, event_value) ON s.event_type = t.event_type`
    : `SELECT t.*, coalesce(t.mapped_value, CAST(1 AS DOUBLE)) AS event_value FROM (${typed}) t`;
  return `SELECT ${ENGAGEMENT_COLUMNS.join(', ')} FROM (
    SELECT DISTINCT engagement_key, ${ENGAGEMENT_COLUMNS.join(', ')} FROM (${scored}) x
  ) d`;
}
