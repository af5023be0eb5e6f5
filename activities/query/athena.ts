/**
 * The interactions query in Athena's dialect (Trino, engine v3), with the same semantics as the
 * DuckDB query (activities/query/duckdb.ts):
 *  - a recommendation r and an engagement b on the same endpoint (`client.client_id`) and the same
 *    campaign (or journey, when b has no campaign) make one interaction when
 *    r.arrival <= b.arrival <= r.arrival + attribution window;
 *  - one row per (user, item, event type, engagement event): several recommendations of the same
 *    item matching one engagement still give one row. An engagement event is identified by
 *    (endpoint, campaign/journey, type, arrival ms), so Firehose's at-least-once duplicates count once;
 *  - EVENT_VALUE from the scoring model (types not in it are not interactions); TIMESTAMP = the
 *    engagement's arrival in epoch seconds (Pinpoint gives milliseconds);
 *  - a real N-day window on arrival time ending with the run date (UTC), or all history;
 *  - NULL or empty ids never reach the output; every predicate group is parenthesised (the
 *    original's `a AND b OR c` bug).
 *
 * Table layout (athenaTableDdl): the Firehose event stream as JSON (OpenX SerDe, malformed lines
 * become NULL rows), columns event_type, event_timestamp, arrival_timestamp (bigint ms),
 * client struct<client_id>, attributes map<string,string>, and ONE partition column `dt`, a
 * partition-projected string in the Firehose folder format 'yyyy/MM/dd/HH'. We chose projection
 * over registered partitions: no MSCK/crawler to run, new hours are queryable at once, and a range
 * predicate on `dt` prunes a one-day window to ~26 hour prefixes. The range is widened by an hour
 * on each side because Firehose files records by its own arrival time (window.ts).
 * Pinpoint endpoint exports (gzip NDJSON) form the second table; a run's export is selected by
 * "$path", so one table serves every run.
 *
 * Map values are read with element_at (NULL for a missing key; Trino's subscript would fail).
 */
import type { PinpointSourceSpec, ScoringModel } from '../../common/interactions';
import type { InteractionsQueryRequest } from '../ports';
import { EARLIEST_PLAUSIBLE_MS, eventWindow, hourPartition, partitionRange, type EventWindow } from './window';
import { matchedEngagementsCte } from './attribution';

export interface AthenaTables {
  /** Qualified name of the event-stream table, e.g. `personalize_optimizer.event`. */
  events: string;
  /** Qualified name of the endpoint-export table, when the pipeline filters by it. */
  endpoints?: string;
}

/** Every function the generated SQL calls; the agreement test checks this list is complete. */
export const TRINO_FUNCTIONS_USED = ['element_at', 'coalesce', 'nullif', 'trim', 'floor', 'starts_with'] as const;

export type AthenaQueryRequest = Pick<InteractionsQueryRequest, 'runDate' | 'lookbackDays' | 'endpointExportPrefix'>;

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function scoringValues(scoring: ScoringModel): string {
  const rows = Object.entries(scoring).map(([type, value]) => {
    if (!Number.isFinite(value)) throw new RangeError(`the scoring model gives "${type}" a value that is not a number`);
    return `(${lit(type)}, CAST(${value} AS DOUBLE))`;
  });
  if (rows.length === 0) throw new RangeError('the scoring model is empty: no event type would count as an interaction');
  return `VALUES ${rows.join(', ')}`;
}

function attribute(key: string): string {
  return `nullif(trim(element_at(attributes, ${lit(key)})), '')`;
}

/** `(col >= from AND col < to)`, or just the upper bound for all history. */
function arrivalIn(col: string, fromMs: number | null, toMs: number): string {
  return fromMs === null ? `(${col} < ${toMs})` : `(${col} >= ${fromMs} AND ${col} < ${toMs})`;
}

/**
 * The query for one run. `req.endpointExportPrefix` is the S3 prefix of this run's endpoint export;
 * it filters only when the spec asks for it and `tables.endpoints` is given.
 */
export function buildAthenaInteractionsQuery(spec: PinpointSourceSpec, req: AthenaQueryRequest, tables: AthenaTables): string {
  const w = eventWindow(req.runDate, req.lookbackDays, spec.attributionWindowSeconds);
  return athenaQuery(spec, w, tables, req.endpointExportPrefix);
}

function athenaQuery(spec: PinpointSourceSpec, w: EventWindow, tables: AthenaTables, endpointExportPrefix: string | undefined): string {
  const range = partitionRange(w);
  const partitionFilter = range ? `(dt >= ${lit(hourPartition(range.fromMs))} AND dt <= ${lit(hourPartition(range.toMs - 1))})` : '(dt IS NOT NULL)';
  const endpointFilter =
    spec.useEndpointExport && endpointExportPrefix && tables.endpoints
      ? `\n    AND (client.client_id IN (SELECT id FROM ${tables.endpoints} WHERE starts_with("$path", ${lit(endpointExportPrefix)})))`
      : '';
  const windowMs = Math.round(spec.attributionWindowSeconds * 1000);
  const rec = lit(spec.recommendationEventType);
  return `WITH scoring (event_type, event_value) AS (${scoringValues(spec.scoring)}),
events AS (
  SELECT
    event_type,
    arrival_timestamp AS ts,
    client.client_id AS endpoint_id,
    coalesce(${attribute('campaign_id')}, ${attribute('journey_id')}) AS attribution,
    ${attribute('item_id')} AS item_id,
    ${attribute('personalize_user_id')} AS user_id
  FROM ${tables.events}
  WHERE ${partitionFilter}
    AND (event_type IS NOT NULL AND arrival_timestamp IS NOT NULL)
    AND (client.client_id IS NOT NULL AND client.client_id <> '')
    AND (arrival_timestamp >= ${EARLIEST_PLAUSIBLE_MS} AND arrival_timestamp <= ${w.latestPlausibleMs})${endpointFilter}
),
recs AS (
  SELECT endpoint_id, attribution, item_id, user_id, ts
  FROM events
  WHERE (event_type = ${rec})
    AND (item_id IS NOT NULL AND user_id IS NOT NULL AND attribution IS NOT NULL)
    AND ${arrivalIn('ts', w.recommendationsFromMs, w.endMs)}
),
engagements AS (
  SELECT e.endpoint_id, e.attribution, e.event_type, e.ts, s.event_value
  FROM events e
  JOIN scoring s ON s.event_type = e.event_type
  WHERE (e.event_type <> ${rec})
    AND (e.attribution IS NOT NULL)
    AND ${arrivalIn('e.ts', w.startMs, w.endMs)}
),
${matchedEngagementsCte(windowMs)}
SELECT
  user_id AS USER_ID,
  item_id AS ITEM_ID,
  event_type AS EVENT_TYPE,
  event_value AS EVENT_VALUE,
  CAST(floor(ts / 1000e0) AS BIGINT) AS "TIMESTAMP"
FROM matched
ORDER BY 5, 1, 2, 3, 4`;
}

export interface AthenaTableOptions {
  database: string;
  /** s3://bucket/events/ : the Firehose prefix holding YYYY/MM/dd/HH/ folders. */
  eventsLocation: string;
  /** s3://bucket/…/endpoints/ : the prefix under which every run's endpoint export lands. */
  endpointsLocation: string;
  /** First hour of the projection range, 'yyyy/MM/dd/HH'. */
  firstHour?: string;
  eventsTable?: string;
  endpointsTable?: string;
}

/** Glue DDL for the two tables, with partition projection over the Firehose hour prefixes. */
export function athenaTableDdl(opts: AthenaTableOptions): string[] {
  const eventsTable = opts.eventsTable ?? 'event';
  const endpointsTable = opts.endpointsTable ?? 'endpoint_export';
  const eventsLocation = opts.eventsLocation.replace(/\/?$/, '/');
  const events = `CREATE EXTERNAL TABLE IF NOT EXISTS ${opts.database}.${eventsTable} (
  event_type string,
  event_timestamp bigint,
  arrival_timestamp bigint,
  event_version string,
  application struct<app_id:string>,
  client struct<client_id:string>,
  attributes map<string,string>,
  awsaccountid string
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
LOCATION ${lit(eventsLocation)}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'projection.dt.range' = ${lit(`${opts.firstHour ?? '2020/01/01/00'},NOW`)},
  'storage.location.template' = ${lit(`${eventsLocation}\${dt}/`)}
)`;
  const endpoints = `CREATE EXTERNAL TABLE IF NOT EXISTS ${opts.database}.${endpointsTable} (
  id string,
  channeltype string,
  address string,
  endpointstatus string,
  optout string,
  effectivedate string
)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true', 'case.insensitive' = 'true')
LOCATION ${lit(opts.endpointsLocation.replace(/\/?$/, '/'))}`;
  return [events, endpoints];
}
