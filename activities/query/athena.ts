/**
 * The interactions query in Athena's dialect (Trino), with the same semantics as the DuckDB query
 * (activities/query/duckdb.ts), fixing the original's bugs: a real N-day window with partition
 * pruning, parenthesised predicates, engagements only after their recommendation and within the
 * attribution window, one row per engagement (no cross product), no NULL ids, epoch seconds.
 *
 * Tables (see athenaTableDdl):
 *  - events: the Pinpoint event stream as Firehose writes it, JSON with columns event_type,
 *    arrival_timestamp (ms), client struct<client_id>, attributes map<string,string>, and the
 *    partition-projected column `dt` = 'yyyy/MM/dd/HH' (the Firehose prefix), so a day window
 *    reads 24 prefixes instead of all history;
 *  - endpoints: Pinpoint endpoint exports (gzip NDJSON), filtered to this run's export by "$path".
 */
import type { PinpointSourceSpec, ScoringModel } from '../../common/interactions';
import type { EventWindow } from './window';

export interface AthenaTables {
  events: string;
  endpoints?: string;
}

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function dtOf(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${p(d.getUTCHours())}`;
}

function scoringValues(scoring: ScoringModel): string {
  const rows = Object.entries(scoring).map(([t, v]) => `(${lit(t)}, CAST(${Number(v)} AS DOUBLE))`);
  if (rows.length === 0) throw new RangeError('the scoring model is empty: no event type would count as an interaction');
  return `VALUES ${rows.join(', ')}`;
}

/** Trino functions the query uses; the agreement test defines DuckDB equivalents for exactly these. */
export const TRINO_FUNCTIONS_USED = ['element_at', 'floor', 'nullif', 'coalesce', 'trim', 'row_number'] as const;

export function buildAthenaInteractionsQuery(
  spec: PinpointSourceSpec,
  w: EventWindow,
  tables: AthenaTables,
  opts: { endpointExportPrefix?: string } = {}
): string {
  const partitionFilter = (fromMs: number | null) =>
    fromMs === null ? 'true' : `(dt >= ${lit(dtOf(fromMs))} AND dt <= ${lit(dtOf(w.endMs - 1))})`;
  const inWindow = (col: string, fromMs: number | null) => `(${fromMs === null ? 'true' : `${col} >= ${fromMs}`} AND ${col} < ${w.endMs})`;
  const useExport = spec.useEndpointExport && opts.endpointExportPrefix && tables.endpoints;
  const endpointFilter = useExport
    ? `\n    AND client.client_id IN (SELECT id FROM ${tables.endpoints} WHERE "$path" LIKE ${lit(`${opts.endpointExportPrefix}%`)})`
    : '';
  const windowMs = Math.round(spec.attributionWindowSeconds * 1000);
  return `WITH scoring (event_type, event_value) AS (${scoringValues(spec.scoring)}),
events AS (
  SELECT
    row_number() OVER () AS eid,
    event_type,
    arrival_timestamp AS ts,
    client.client_id AS endpoint_id,
    coalesce(nullif(element_at(attributes, 'campaign_id'), ''), nullif(element_at(attributes, 'journey_id'), '')) AS attribution,
    nullif(trim(element_at(attributes, 'item_id')), '') AS item_id,
    nullif(trim(element_at(attributes, 'personalize_user_id')), '') AS user_id
  FROM ${tables.events}
  WHERE ${partitionFilter(w.recommendationsFromMs)}
    AND event_type IS NOT NULL AND arrival_timestamp IS NOT NULL
    AND client.client_id IS NOT NULL AND client.client_id <> ''
    AND arrival_timestamp >= 946684800000 AND arrival_timestamp <= ${w.endMs + 86_400_000}${endpointFilter}
),
recs AS (
  SELECT endpoint_id, attribution, item_id, user_id, ts
  FROM events
  WHERE event_type = ${lit(spec.recommendationEventType)}
    AND item_id IS NOT NULL AND user_id IS NOT NULL AND attribution IS NOT NULL
    AND ${inWindow('ts', w.recommendationsFromMs)}
),
engagements AS (
  SELECT e.eid, e.endpoint_id, e.attribution, e.event_type, e.ts, s.event_value
  FROM events e
  JOIN scoring s ON s.event_type = e.event_type
  WHERE e.event_type <> ${lit(spec.recommendationEventType)}
    AND e.attribution IS NOT NULL
    AND ${inWindow('e.ts', w.startMs)}
),
matched AS (
  SELECT DISTINCT r.user_id, r.item_id, g.event_type, g.event_value, g.ts, g.eid
  FROM engagements g
  JOIN recs r
    ON r.endpoint_id = g.endpoint_id AND r.attribution = g.attribution
   AND r.ts <= g.ts AND g.ts <= r.ts + ${windowMs}
)
SELECT
  user_id AS USER_ID,
  item_id AS ITEM_ID,
  event_type AS EVENT_TYPE,
  event_value AS EVENT_VALUE,
  CAST(floor(ts / 1000e0) AS BIGINT) AS TIMESTAMP
FROM matched
ORDER BY TIMESTAMP, USER_ID, ITEM_ID, EVENT_TYPE, eid`;
}

/** Glue DDL for the two tables, with partition projection over the Firehose hour prefixes. */
export function athenaTableDdl(opts: { database: string; eventsLocation: string; endpointsLocation: string; firstHour?: string }): string[] {
  const events = `CREATE EXTERNAL TABLE IF NOT EXISTS ${opts.database}.event (
  event_type string,
  event_timestamp bigint,
  arrival_timestamp bigint,
  client struct<client_id:string>,
  attributes map<string,string>
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
LOCATION ${lit(opts.eventsLocation)}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'projection.dt.range' = '${opts.firstHour ?? '2020/01/01/00'},NOW',
  'storage.location.template' = '${opts.eventsLocation.replace(/\/?$/, '/')}\${dt}/'
)`;
  const endpoints = `CREATE EXTERNAL TABLE IF NOT EXISTS ${opts.database}.endpoint_export (
  id string,
  channeltype string,
  address string,
  endpointstatus string,
  optout string,
  effectivedate string
)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true', 'case.insensitive' = 'true')
LOCATION ${lit(opts.endpointsLocation)}`;
  return [events, endpoints];
}
