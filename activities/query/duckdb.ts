/**
 * The interactions query in DuckDB's dialect, over local files in the formats AWS writes. Same
 * semantics as the Athena query (activities/query/athena.ts):
 *  - a recommendation r and an engagement b on the same endpoint and campaign (or journey) make one
 *    interaction when r.arrival <= b.arrival <= r.arrival + attribution window;
 *  - one row per (user, item, event type, engagement event): no cross-product duplicates;
 *  - EVENT_VALUE from the scoring model; types not in it are not interactions;
 *  - TIMESTAMP = the engagement's arrival in epoch seconds (Pinpoint gives milliseconds);
 *  - a real N-day window ending with the run date, or all history;
 *  - NULL or empty ids are impossible; malformed records are counted by reason, never fatal.
 * Lines are read as text first so every unreadable record can be counted.
 */
import type { EventsSourceSpec, PinpointSourceSpec, ScoringModel } from '../../common/interactions';
import type { EventWindow } from './window';

/** SQL string literal. */
export function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function list(files: string[]): string {
  return `[${files.map(lit).join(', ')}]`;
}

function scoringValues(scoring: ScoringModel): string {
  const rows = Object.entries(scoring).map(([t, v]) => `(${lit(t)}, ${Number(v)}::DOUBLE)`);
  return rows.length ? `VALUES ${rows.join(', ')}` : `SELECT NULL::VARCHAR, NULL::DOUBLE WHERE false`;
}

/** Loads the raw lines of the selected files into `lines(eid, line)`; invalid UTF-8 lands in reject_errors. */
export function loadLinesSql(files: string[]): string {
  if (files.length === 0) return `CREATE OR REPLACE TEMP TABLE lines AS SELECT 0::BIGINT AS eid, ''::VARCHAR AS line WHERE false`;
  return `CREATE OR REPLACE TEMP TABLE lines AS
SELECT row_number() OVER () AS eid, line
FROM read_csv(${list(files)}, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x1f', quote = '', escape = '',
              auto_detect = false, store_rejects = true, null_padding = false, strict_mode = false)
WHERE line IS NOT NULL AND trim(line) <> ''`;
}

/** Parses Pinpoint records; `problem` names why a record is unusable (NULL when it is fine). */
export function parsePinpointSql(w: EventWindow): string {
  const future = w.endMs + 86_400_000;
  // One JSON parse per line: every field is extracted in a single call.
  return `CREATE OR REPLACE TEMP TABLE ev AS
WITH j AS (
  SELECT eid, f IS NOT NULL AS ok, f
  FROM (SELECT eid, TRY(json_extract_string(line, ['$.event_type', '$.arrival_timestamp', '$.client.client_id',
      '$.attributes.campaign_id', '$.attributes.journey_id', '$.attributes.item_id', '$.attributes.personalize_user_id'])) AS f
    FROM lines)
),
p AS (
  SELECT eid, ok,
    f[1] AS event_type,
    TRY_CAST(f[2] AS BIGINT) AS ts,
    f[3] AS endpoint_id,
    coalesce(nullif(f[4], ''), nullif(f[5], '')) AS attribution,
    nullif(trim(f[6]), '') AS item_id,
    nullif(trim(f[7]), '') AS user_id
  FROM j
)
SELECT *,
  CASE
    WHEN NOT ok THEN 'bad_json'
    WHEN event_type IS NULL OR endpoint_id IS NULL OR endpoint_id = '' THEN 'missing_fields'
    WHEN ts IS NULL THEN 'bad_timestamp'
    WHEN ts < 946684800000 OR ts > ${future} THEN 'absurd_timestamp'
  END AS problem
FROM p`;
}

export interface PinpointQueryParts {
  spec: PinpointSourceSpec;
  window: EventWindow;
  /** Endpoint export files (gzip NDJSON with `Id`), when the existence filter is on. */
  endpointFiles?: string[];
}

/** The interactions rows; run after loadLinesSql and parsePinpointSql. */
export function pinpointInteractionsSql({ spec, window: w, endpointFiles }: PinpointQueryParts): string {
  const inWindow = (col: string, from: number | null) => `${from === null ? 'true' : `${col} >= ${from}`} AND ${col} < ${w.endMs}`;
  const endpointFilter = endpointFiles
    ? `AND endpoint_id IN (SELECT CAST(Id AS VARCHAR) FROM read_json(${list(endpointFiles)}, format = 'newline_delimited', columns = {'Id': 'VARCHAR'}, ignore_errors = true))`
    : '';
  const windowMs = Math.round(spec.attributionWindowSeconds * 1000);
  return `WITH scoring(event_type, event_value) AS (${scoringValues(spec.scoring)}),
good AS (SELECT * FROM ev WHERE problem IS NULL ${endpointFilter}),
recs AS (
  SELECT endpoint_id, attribution, item_id, user_id, ts
  FROM good
  WHERE event_type = ${lit(spec.recommendationEventType)}
    AND item_id IS NOT NULL AND user_id IS NOT NULL AND attribution IS NOT NULL
    AND ${inWindow('ts', w.recommendationsFromMs)}
),
engagements AS (
  SELECT g.eid, g.endpoint_id, g.attribution, g.event_type, g.ts, s.event_value
  FROM good g JOIN scoring s ON s.event_type = g.event_type
  WHERE g.event_type <> ${lit(spec.recommendationEventType)} AND g.attribution IS NOT NULL
    AND ${inWindow('g.ts', w.startMs)}
),
matched AS (
  SELECT DISTINCT r.user_id, r.item_id, e.event_type, e.event_value, e.ts, e.eid
  FROM engagements e
  JOIN recs r ON r.endpoint_id = e.endpoint_id AND r.attribution = e.attribution
   AND r.ts <= e.ts AND e.ts <= r.ts + ${windowMs}
)
SELECT user_id AS USER_ID, item_id AS ITEM_ID, event_type AS EVENT_TYPE, event_value AS EVENT_VALUE, (ts // 1000)::BIGINT AS TIMESTAMP
FROM matched
ORDER BY TIMESTAMP, USER_ID, ITEM_ID, EVENT_TYPE, eid`;
}

/** Dotted path → JSON path ('properties.product_id' → '$.properties.product_id'). */
function jsonPath(p: string): string {
  return lit(`$.${p.split('.').map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `"${k}"`)).join('.')}`);
}

/** Generic JSON events (RudderStack/Segment `track`) through the field mapping. */
export function parseEventsSql(spec: EventsSourceSpec, w: EventWindow): string {
  const m = spec.mapping;
  const future = w.endMs + 86_400_000;
  // TIMESTAMP may be ISO-8601 or epoch seconds/milliseconds.
  const tsExpr = `CASE
      WHEN regexp_full_match(raw_ts, '\\d{13}') THEN raw_ts::BIGINT
      WHEN regexp_full_match(raw_ts, '\\d{9,11}') THEN raw_ts::BIGINT * 1000
      ELSE (epoch_ms(TRY_CAST(raw_ts AS TIMESTAMPTZ)))::BIGINT END`;
  return `CREATE OR REPLACE TEMP TABLE ev AS
WITH j AS (SELECT eid, line, json_valid(line) AS ok FROM lines),
p AS (
  SELECT eid, ok,
    CASE WHEN ok THEN nullif(trim(json_extract_string(line, ${jsonPath(m.USER_ID)})), '') END AS user_id,
    CASE WHEN ok THEN nullif(trim(json_extract_string(line, ${jsonPath(m.ITEM_ID)})), '') END AS item_id,
    CASE WHEN ok THEN nullif(json_extract_string(line, ${jsonPath(m.EVENT_TYPE)}), '') END AS event_type,
    CASE WHEN ok THEN json_extract_string(line, ${jsonPath(m.TIMESTAMP)}) END AS raw_ts,
    ${m.EVENT_VALUE ? `CASE WHEN ok THEN TRY_CAST(json_extract_string(line, ${jsonPath(m.EVENT_VALUE)}) AS DOUBLE) END` : 'NULL::DOUBLE'} AS mapped_value
  FROM j
),
t AS (SELECT *, TRY(${tsExpr}) AS ts FROM p)
SELECT *,
  CASE
    WHEN NOT ok THEN 'bad_json'
    WHEN event_type IS NULL THEN 'missing_fields'
    WHEN user_id IS NULL THEN 'missing_user_id'
    WHEN item_id IS NULL THEN 'missing_item_id'
    WHEN ts IS NULL THEN 'bad_timestamp'
    WHEN ts < 946684800000 OR ts > ${future} THEN 'absurd_timestamp'
  END AS problem
FROM t`;
}

export function eventsInteractionsSql(spec: EventsSourceSpec, w: EventWindow): string {
  const scoring = spec.scoring;
  const value = scoring ? 'coalesce(g.mapped_value, s.event_value)' : 'coalesce(g.mapped_value, 1.0)';
  const join = scoring ? `JOIN (${scoringValues(scoring)}) s(event_type, event_value) ON s.event_type = g.event_type` : '';
  return `SELECT g.user_id AS USER_ID, g.item_id AS ITEM_ID, g.event_type AS EVENT_TYPE, ${value} AS EVENT_VALUE, (g.ts // 1000)::BIGINT AS TIMESTAMP
FROM ev g ${join}
WHERE g.problem IS NULL AND ${w.startMs === null ? 'true' : `g.ts >= ${w.startMs}`} AND g.ts < ${w.endMs}
ORDER BY TIMESTAMP, USER_ID, ITEM_ID, EVENT_TYPE, g.eid`;
}

/** Counts of unusable records by reason (plus invalid UTF-8 from DuckDB's reject table). */
export const MALFORMED_SQL = `SELECT problem, count(*)::BIGINT AS n FROM ev WHERE problem IS NOT NULL GROUP BY problem`;
export const REJECTED_LINES_SQL = `SELECT count(*)::BIGINT AS n FROM reject_errors`;
