/**
 * The interactions query in DuckDB's dialect, over local files in the formats AWS writes. Same
 * semantics as the Athena query (activities/query/athena.ts, whose header states them); the only
 * difference is where rows come from: `read_json` over the files the window can touch
 * (eventFilesForWindow), instead of a partition-projected Glue table.
 *
 * Reading: `read_json(…, ignore_errors = true)` with an explicit schema turns every unreadable line
 * (bad JSON, invalid UTF-8, not an object) into a row of NULLs and every wrongly typed field into a
 * NULL, so one vectorised pass yields both the events and, in the `problem` column, why a record is
 * unusable. Measured on 1M Pinpoint records this is ~2.5× faster than reading lines as text and
 * extracting fields with json_extract (0.48 s vs 1.24 s for the scan).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventsSourceSpec, FieldMapping, InteractionsSource, PinpointSourceSpec, ScoringModel } from '../../common/interactions';
import type { InteractionsQueryRequest } from '../ports';
import { EARLIEST_PLAUSIBLE_MS, eventWindow, hourPartitions, partitionRange, type EventWindow } from './window';
import { matchedEngagementsCte } from './attribution';

export type DuckDbQueryRequest = Pick<InteractionsQueryRequest, 'runDate' | 'lookbackDays'>;

export interface DuckDbInputFiles {
  /** Event-stream files (plain or .gz NDJSON), usually from eventFilesForWindow. */
  events: string[];
  /** Endpoint-export files (.gz NDJSON with `Id`): the existence filter, when the spec uses it. */
  endpoints?: string[];
}

/** SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function sqlList(items: string[]): string {
  return `[${items.map(lit).join(', ')}]`;
}

function scoringValues(scoring: ScoringModel): string {
  const rows = Object.entries(scoring).map(([type, value]) => {
    if (!Number.isFinite(value)) throw new RangeError(`the scoring model gives "${type}" a value that is not a number`);
    return `(${lit(type)}, ${value}::DOUBLE)`;
  });
  if (rows.length === 0) throw new RangeError('the scoring model is empty: no event type would count as an interaction');
  return `VALUES ${rows.join(', ')}`;
}

function windowOf(spec: InteractionsSource, req: DuckDbQueryRequest): EventWindow {
  return eventWindow(req.runDate, req.lookbackDays, spec.kind === 'pinpoint' ? spec.attributionWindowSeconds : 0);
}

// ---------------------------------------------------------------------------------------------
// Which files to read

/**
 * Hour folders (`YYYY/MM/DD/HH`) that can hold events of the run's window, recommendations
 * `windowSeconds` before it included, widened by Firehose's filing slack; null = all history.
 */
export function eventPartitionsForWindow(runDate: string, lookbackDays: number | null, windowSeconds: number): string[] | null {
  const range = partitionRange(eventWindow(runDate, lookbackDays, windowSeconds));
  return range ? hourPartitions(range.fromMs, range.toMs) : null;
}

function filesIn(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && !f.name.startsWith('.') && !f.name.endsWith('.tmp'))
    .map((f) => path.join(dir, f.name))
    .sort();
}

function subdirs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Event files under `root` (the directory the events prefix names, holding `YYYY/MM/DD/HH/`) whose
 * hour folder can hold events of the window; plain and `.gz` alike. Sorted, so queries are stable.
 */
export function eventFilesForWindow(root: string, runDate: string, lookbackDays: number | null, windowSeconds: number): string[] {
  const partitions = eventPartitionsForWindow(runDate, lookbackDays, windowSeconds);
  if (!fs.existsSync(root)) return [];
  if (partitions) return partitions.flatMap((p) => (fs.existsSync(path.join(root, p)) ? filesIn(path.join(root, p)) : []));
  const walk = (dir: string, depth: number): string[] =>
    depth === 4 ? filesIn(dir) : subdirs(dir).flatMap((d) => walk(path.join(dir, d), depth + 1));
  return walk(root, 0);
}

// ---------------------------------------------------------------------------------------------
// Parsing: one row per record, with `problem` naming why it is unusable (NULL when it is fine)

/** A relation with no rows but the columns of the parsed events (no files to read). */
function emptyRelation(columns: Record<string, string>): string {
  return `SELECT ${Object.entries(columns)
    .map(([name, type]) => `NULL::${type} AS ${ident(name)}`)
    .join(', ')} WHERE false`;
}

const PINPOINT_COLUMNS = {
  event_type: 'VARCHAR',
  arrival_timestamp: 'BIGINT',
  client: 'STRUCT(client_id VARCHAR)',
  attributes: 'STRUCT(campaign_id VARCHAR, journey_id VARCHAR, item_id VARCHAR, personalize_user_id VARCHAR)',
};

function readJson(files: string[], columns: Record<string, string>): string {
  const schema = Object.entries(columns)
    .map(([name, type]) => `${lit(name)}: ${lit(type)}`)
    .join(', ');
  return `read_json(${sqlList(files)}, format = 'newline_delimited', ignore_errors = true, filename = '__file', columns = {${schema}})`;
}

const clean = (expr: string) => `nullif(trim(${expr}), '')`;

/** Parsed Pinpoint records: event_type, ts (arrival ms), endpoint_id, attribution, item_id, user_id, file, problem. */
export function pinpointEventsSql(spec: PinpointSourceSpec, w: EventWindow, files: string[]): string {
  const source = files.length
    ? readJson(files, PINPOINT_COLUMNS)
    : `(${emptyRelation({ ...PINPOINT_COLUMNS, __file: 'VARCHAR' })})`;
  return `SELECT event_type, ts, endpoint_id, attribution, item_id, user_id,
  CASE WHEN problem = 'bad_json' THEN __file END AS file,
  problem
FROM (
  SELECT *,
    CASE
      WHEN event_type IS NULL AND ts IS NULL AND client IS NULL AND attributes IS NULL THEN 'bad_json'
      WHEN event_type IS NULL OR endpoint_id IS NULL THEN 'missing_fields'
      WHEN ts IS NULL THEN 'bad_timestamp'
      WHEN ts < ${EARLIEST_PLAUSIBLE_MS} OR ts > ${w.latestPlausibleMs} THEN 'absurd_timestamp'
      WHEN event_type = ${lit(spec.recommendationEventType)} AND (item_id IS NULL OR user_id IS NULL OR attribution IS NULL)
        THEN 'recommendation_without_ids'
    END AS problem
  FROM (
    SELECT event_type, arrival_timestamp AS ts, client, attributes, __file,
      ${clean('client.client_id')} AS endpoint_id,
      coalesce(${clean('attributes.campaign_id')}, ${clean('attributes.journey_id')}) AS attribution,
      ${clean('attributes.item_id')} AS item_id,
      ${clean('attributes.personalize_user_id')} AS user_id
    FROM ${source}
  )
)`;
}

/** Nested read_json column types for the dotted paths of a field mapping. */
export function mappingColumns(paths: string[]): Record<string, string> {
  interface Node {
    [key: string]: Node;
  }
  for (const p of paths) {
    if (p.split('.').some((k) => k === '')) throw new RangeError(`field path "${p}" has an empty segment`);
    const parent = paths.find((q) => q.startsWith(`${p}.`));
    if (parent) throw new RangeError(`field path "${p}" is a value, but "${parent}" reads it as an object`);
  }
  const root: Node = {};
  for (const p of paths) {
    let node = root;
    for (const k of p.split('.')) node = node[k] ??= {};
  }
  const typeOf = (n: Node): string =>
    Object.keys(n).length === 0
      ? 'VARCHAR'
      : `STRUCT(${Object.entries(n)
          .map(([k, child]) => `${ident(k)} ${typeOf(child)}`)
          .join(', ')})`;
  return Object.fromEntries(Object.entries(root).map(([k, n]) => [k, typeOf(n)]));
}

function fieldAt(p: string): string {
  const [first, ...rest] = p.split('.');
  return rest.reduce((expr, k) => `struct_extract(${expr}, ${lit(k)})`, ident(first!));
}

/** ISO-8601 (with or without offset; without = UTC) or epoch seconds / milliseconds → epoch ms. */
function epochMsOf(raw: string): string {
  return `CASE
        WHEN regexp_full_match(${raw}, '\\s*-?\\d+(\\.\\d+)?\\s*') THEN
          CASE WHEN abs(TRY_CAST(${raw} AS DOUBLE)) >= 1e11 THEN CAST(floor(TRY_CAST(${raw} AS DOUBLE)) AS BIGINT)
               ELSE CAST(floor(TRY_CAST(${raw} AS DOUBLE) * 1000) AS BIGINT) END
        WHEN regexp_matches(${raw}, '(Z|[+-]\\d\\d(:?\\d\\d)?)\\s*$') THEN epoch_ms(TRY_CAST(${raw} AS TIMESTAMPTZ))
        ELSE epoch_ms(TRY_CAST(${raw} AS TIMESTAMP))
      END`;
}

/** Parsed generic events: user_id, item_id, event_type, ts (ms), mapped_value, file, problem. */
export function genericEventsSql(mapping: FieldMapping, w: EventWindow, files: string[]): string {
  const paths = [mapping.USER_ID, mapping.ITEM_ID, mapping.EVENT_TYPE, mapping.TIMESTAMP, ...(mapping.EVENT_VALUE ? [mapping.EVENT_VALUE] : [])];
  const columns = mappingColumns(paths);
  const source = files.length ? readJson(files, columns) : `(${emptyRelation({ ...columns, __file: 'VARCHAR' })})`;
  const allNull = Object.keys(columns)
    .map((c) => `${ident(c)} IS NULL`)
    .join(' AND ');
  return `SELECT user_id, item_id, event_type, ts, mapped_value,
  CASE WHEN problem = 'bad_json' THEN __file END AS file,
  problem
FROM (
  SELECT *,
    CASE
      WHEN ${allNull} THEN 'bad_json'
      WHEN event_type IS NULL THEN 'missing_fields'
      WHEN user_id IS NULL THEN 'missing_user_id'
      WHEN item_id IS NULL THEN 'missing_item_id'
      WHEN ts IS NULL THEN 'bad_timestamp'
      WHEN ts < ${EARLIEST_PLAUSIBLE_MS} OR ts > ${w.latestPlausibleMs} THEN 'absurd_timestamp'
    END AS problem
  FROM (
    SELECT *, TRY(${epochMsOf('raw_ts')}) AS ts
    FROM (
      SELECT *,
        ${clean(fieldAt(mapping.USER_ID))} AS user_id,
        ${clean(fieldAt(mapping.ITEM_ID))} AS item_id,
        ${clean(fieldAt(mapping.EVENT_TYPE))} AS event_type,
        trim(${fieldAt(mapping.TIMESTAMP)}) AS raw_ts,
        ${mapping.EVENT_VALUE ? `TRY_CAST(${fieldAt(mapping.EVENT_VALUE)} AS DOUBLE)` : 'NULL::DOUBLE'} AS mapped_value
      FROM ${source}
    )
  )
)`;
}

/** The parsed records of a source, with their `problem`: what the warehouse materialises once. */
export function buildDuckDbEventsQuery(spec: InteractionsSource, req: DuckDbQueryRequest, eventFiles: string[]): string {
  const w = windowOf(spec, req);
  return spec.kind === 'pinpoint' ? pinpointEventsSql(spec, w, eventFiles) : genericEventsSql(spec.mapping, w, eventFiles);
}

// ---------------------------------------------------------------------------------------------
// The interactions

function arrivalIn(col: string, fromMs: number | null, toMs: number): string {
  return fromMs === null ? `(${col} < ${toMs})` : `(${col} >= ${fromMs} AND ${col} < ${toMs})`;
}

function pinpointInteractions(spec: PinpointSourceSpec, w: EventWindow, events: string, endpointFiles: string[] | undefined): string {
  const endpointFilter = endpointFiles
    ? `\n    AND endpoint_id IN (SELECT Id FROM ${
        endpointFiles.length ? readJson(endpointFiles, { Id: 'VARCHAR' }) : `(${emptyRelation({ Id: 'VARCHAR' })})`
      })`
    : '';
  const windowMs = Math.round(spec.attributionWindowSeconds * 1000);
  const rec = lit(spec.recommendationEventType);
  return `WITH scoring (event_type, event_value) AS (${scoringValues(spec.scoring)}),
events AS (
  SELECT event_type, ts, endpoint_id, attribution, item_id, user_id
  FROM ${events}
  WHERE problem IS NULL${endpointFilter}
),
recs AS (
  SELECT endpoint_id, attribution, item_id, user_id, ts
  FROM events
  WHERE (event_type = ${rec}) AND ${arrivalIn('ts', w.recommendationsFromMs, w.endMs)}
),
engagements AS (
  SELECT e.endpoint_id, e.attribution, e.event_type, e.ts, s.event_value
  FROM events e
  JOIN scoring s ON s.event_type = e.event_type
  WHERE (e.event_type <> ${rec}) AND (e.attribution IS NOT NULL) AND ${arrivalIn('e.ts', w.startMs, w.endMs)}
),
${matchedEngagementsCte(windowMs)}
SELECT user_id AS USER_ID, item_id AS ITEM_ID, event_type AS EVENT_TYPE, event_value AS EVENT_VALUE,
  CAST(floor(ts / 1000e0) AS BIGINT) AS "TIMESTAMP"
FROM matched
ORDER BY 5, 1, 2, 3, 4`;
}

function genericInteractions(spec: EventsSourceSpec, w: EventWindow, events: string): string {
  const scored = spec.scoring !== undefined;
  const join = scored ? `\n  JOIN (${scoringValues(spec.scoring!)}) AS s (event_type, event_value) ON s.event_type = g.event_type` : '';
  const value = scored ? 'coalesce(g.mapped_value, s.event_value)' : 'coalesce(g.mapped_value, 1.0::DOUBLE)';
  return `SELECT g.user_id AS USER_ID, g.item_id AS ITEM_ID, g.event_type AS EVENT_TYPE, ${value} AS EVENT_VALUE,
  CAST(floor(g.ts / 1000e0) AS BIGINT) AS "TIMESTAMP"
FROM ${events} AS g${join}
WHERE g.problem IS NULL AND ${arrivalIn('g.ts', w.startMs, w.endMs)}
ORDER BY 5, 1, 2, 3, 4`;
}

/**
 * The interactions of one run as one SELECT (wrap it in COPY … TO). Reads `files.events` itself,
 * or, with `opts.parsedEvents`, a relation that already holds buildDuckDbEventsQuery's rows.
 */
export function buildDuckDbInteractionsQuery(
  spec: InteractionsSource,
  req: DuckDbQueryRequest,
  files: DuckDbInputFiles,
  opts: { parsedEvents?: string } = {}
): string {
  const w = windowOf(spec, req);
  const events = opts.parsedEvents ?? `(${buildDuckDbEventsQuery(spec, req, files.events)})`;
  if (spec.kind === 'events') return genericInteractions(spec, w, events);
  return pinpointInteractions(spec, w, events, spec.useEndpointExport ? files.endpoints : undefined);
}

/** Unusable records by reason, from the parsed events. */
export function malformedCountsSql(parsedEvents: string): string {
  return `SELECT problem, count(*)::BIGINT AS n FROM ${parsedEvents} WHERE problem IS NOT NULL GROUP BY problem ORDER BY problem`;
}

/** Files holding unreadable lines (a handful, usually none): the diagnosis below reads only them. */
export function filesWithUnreadableLinesSql(parsedEvents: string): string {
  return `SELECT DISTINCT file FROM ${parsedEvents} WHERE problem = 'bad_json' AND file IS NOT NULL ORDER BY file`;
}

/**
 * Splits the unreadable lines of the given files: invalid UTF-8 (DuckDB refuses the line), not
 * JSON or not an object (bad_json), and objects that merely lack every field (missing_fields).
 * Run on its own connection: it writes DuckDB's reject tables.
 */
export function diagnoseUnreadableLinesSql(files: string[]): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE diagnosed_lines AS
SELECT line FROM read_csv(${sqlList(files)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f', quote = '',
  escape = '', auto_detect = false, store_rejects = true, strict_mode = false, null_padding = false)
WHERE line IS NOT NULL AND trim(line) <> ''`,
    `SELECT
  (SELECT count(*) FROM reject_errors)::BIGINT AS invalid_utf8,
  count(*) FILTER (WHERE CASE WHEN json_valid(line) THEN json_type(line) <> 'OBJECT' ELSE true END)::BIGINT AS not_json_object
FROM diagnosed_lines`,
  ];
}
