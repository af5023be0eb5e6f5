/**
 * The interactions query in Athena's dialect (Trino, engine v3), with the same semantics as the
 * DuckDB query (activities/query/duckdb.ts); the test suite runs this exact text on a real Trino
 * over Firehose-layout files and compares the rows with DuckDB's.
 *
 * Every source of the pipeline yields canonical engagements (sql.ts ENGAGEMENT_COLUMNS); their
 * UNION ALL, projected onto the pipeline's columns, is the result:
 *  - pinpoint: a recommendation r and an engagement b on the same endpoint (`client.client_id`) and
 *    the same campaign (or journey, when b has no campaign) make one interaction when
 *    r.arrival <= b.arrival <= r.arrival + attribution window; one row per (user, item, event type,
 *    engagement event); TIMESTAMP = b's arrival (Pinpoint gives milliseconds);
 *  - ses: ids from `mail.tags` (first value of each tag), the time of the event's own object
 *    (`open.timestamp`, `click.timestamp` …, else `mail.timestamp`); one engagement per
 *    (message, event type, time);
 *  - sms: ids from `context`, `eventTimestamp` (ms); one engagement per (message, event type);
 *  - events: the field mapping; records whose `type` is present and not `track` are not
 *    engagements; one engagement per `messageId` (or per identical record without one);
 *  - EVENT_TYPE in the pipeline's vocabulary (the source's type mapping), EVENT_VALUE from the
 *    scoring model (types not in it are not interactions), TIMESTAMP in epoch seconds;
 *  - a real window on event time: [start, end of run date) in UTC, the start being lookbackDays
 *    back, the request's startMs (import watermark), or none (all history);
 *  - NULL or empty ids never reach the output; every predicate group is parenthesised (the
 *    original's `a AND b OR c` bug).
 *
 * Tables (glue-tables.ts): JSON lines through the OpenX SerDe, one projected partition column
 * `dt` in the Firehose folder format; the `dt` range is widened by Firehose's filing slack and the
 * source's late arrivals (window.ts). Map values are read with element_at (NULL for a missing key;
 * the subscript would fail). No ORDER BY: Personalize does not need sorted files.
 */
import type {
  EventsSourceSpec,
  InteractionsSource,
  InteractionsSpec,
  PinpointSourceSpec,
  SesSourceSpec,
  SmsSourceSpec,
} from '../../common/interactions';
import { lookBehindSeconds } from '../../common/interactions';
import type { InteractionsQueryRequest } from '../ports';
import { matchedEngagementsCte } from './attribution';
import { eventsSourcePaths, PARTITION_COLUMN } from './glue-tables';
import {
  clean,
  ENGAGEMENT_COLUMNS,
  ident,
  lit,
  mappedType,
  outputColumns,
  scoredEngagements,
  scoringValues,
  timeIn,
} from './sql';
import { EARLIEST_PLAUSIBLE_MS, eventWindow, hourPartition, partitionRange, type EventWindow } from './window';

export interface AthenaTables {
  /** Qualified name of the endpoint-export table, when a Pinpoint source filters by it. */
  endpoints?: string;
}

/** Every function the generated SQL calls (checked by the tests against what the SQL contains). */
export const TRINO_FUNCTIONS_USED = [
  'element_at',
  'coalesce',
  'nullif',
  'trim',
  'floor',
  'starts_with',
  'abs',
  'round',
  'regexp_like',
  'to_unixtime',
  'from_iso8601_timestamp',
  'try',
  'array_join',
  'concat_ws',
] as const;

export type AthenaQueryRequest = Pick<
  InteractionsQueryRequest,
  'runDate' | 'lookbackDays' | 'endpointExportPrefix' | 'startMs'
>;

function windowFor(source: InteractionsSource, req: AthenaQueryRequest): EventWindow {
  return eventWindow(req.runDate, req.lookbackDays, lookBehindSeconds(source), req.startMs);
}

function partitionFilter(source: InteractionsSource, w: EventWindow): string {
  const range = partitionRange(w, source.lateArrivalSeconds);
  const dt = ident(PARTITION_COLUMN);
  return range
    ? `(${dt} >= ${lit(hourPartition(range.fromMs))} AND ${dt} <= ${lit(hourPartition(range.toMs - 1))})`
    : `(${dt} IS NOT NULL)`;
}

/** A dotted path as a Trino dereference of lower-case fields: properties.product_id → "properties"."product_id". */
function pathExpr(path: string): string {
  return path
    .toLowerCase()
    .split('.')
    .map((k) => ident(k))
    .join('.');
}

/** ISO-8601 (with or without offset; without = the session's zone, UTC on Athena) → epoch ms. */
function isoMs(expr: string): string {
  return `CAST(round(to_unixtime(try(from_iso8601_timestamp(${expr}))) * 1000) AS BIGINT)`;
}

/** ISO-8601, or epoch seconds / milliseconds as digits → epoch ms (the DuckDB side reads alike). */
function flexibleMs(raw: string): string {
  return `CASE
        WHEN regexp_like(${raw}, '^\\s*-?\\d+(\\.\\d+)?\\s*$') THEN
          CASE WHEN abs(TRY_CAST(${raw} AS DOUBLE)) >= 1e11 THEN CAST(floor(TRY_CAST(${raw} AS DOUBLE)) AS BIGINT)
               ELSE CAST(floor(TRY_CAST(${raw} AS DOUBLE) * 1000) AS BIGINT) END
        ELSE ${isoMs(`trim(${raw})`)}
      END`;
}

const plausible = (w: EventWindow) => `(ts >= ${EARLIEST_PLAUSIBLE_MS} AND ts <= ${w.latestPlausibleMs})`;

function pinpointCtes(
  p: string,
  spec: PinpointSourceSpec,
  w: EventWindow,
  tables: AthenaTables,
  endpointExportPrefix: string | undefined
): string[] {
  const endpointFilter =
    spec.useEndpointExport && endpointExportPrefix && tables.endpoints
      ? `\n    AND (client.client_id IN (SELECT id FROM ${tables.endpoints} WHERE starts_with("$path", ${lit(endpointExportPrefix)})))`
      : '';
  const attribute = (key: string) => clean(`element_at(attributes, ${lit(key)})`);
  const rec = lit(spec.recommendationEventType);
  return [
    `${p}events AS (
  SELECT
    event_type,
    arrival_timestamp AS ts,
    client.client_id AS endpoint_id,
    coalesce(${attribute('campaign_id')}, ${attribute('journey_id')}) AS attribution,
    ${attribute('item_id')} AS item_id,
    ${attribute('personalize_user_id')} AS user_id
  FROM ${spec.table}
  WHERE ${partitionFilter(spec, w)}
    AND (event_type IS NOT NULL AND arrival_timestamp IS NOT NULL)
    AND (client.client_id IS NOT NULL AND client.client_id <> '')
    AND (arrival_timestamp >= ${EARLIEST_PLAUSIBLE_MS} AND arrival_timestamp <= ${w.latestPlausibleMs})${endpointFilter}
)`,
    `${p}recs AS (
  SELECT endpoint_id, attribution, item_id, user_id, ts
  FROM ${p}events
  WHERE (event_type = ${rec})
    AND (item_id IS NOT NULL AND user_id IS NOT NULL AND attribution IS NOT NULL)
    AND ${timeIn('ts', w.recommendationsFromMs, w.endMs)}
)`,
    `${p}engagements AS (
  SELECT e.endpoint_id, e.attribution, e.event_type, e.ts, s.event_value
  FROM (SELECT endpoint_id, attribution, ts, ${mappedType('event_type', spec.eventTypes)} AS event_type FROM ${p}events WHERE (event_type <> ${rec})) e
  JOIN ${scoringValues(spec.scoring)} AS s (event_type, event_value) ON s.event_type = e.event_type
  WHERE (e.attribution IS NOT NULL)
    AND ${timeIn('e.ts', w.startMs, w.endMs)}
)`,
    matchedEngagementsCte(Math.round(spec.attributionWindowSeconds * 1000), p),
    `${p}out AS (
  SELECT user_id, item_id, event_type, event_value, ts, CAST(NULL AS VARCHAR) AS recommendation_id, CAST(NULL AS VARCHAR) AS impression
  FROM ${p}matched
)`,
  ];
}

function sesParsed(spec: SesSourceSpec, w: EventWindow): string {
  const tag = (name: string) => clean(`element_at(element_at("mail"."tags", ${lit(name)}), 1)`);
  const times = ['open', 'click', 'delivery', 'bounce', 'complaint', 'deliverydelay', 'subscription', 'mail'].map(
    (o) => `${ident(o)}."timestamp"`
  );
  return `SELECT *, (raw_type IS NOT NULL AND user_id IS NOT NULL AND item_id IS NOT NULL AND ts IS NOT NULL AND ${plausible(w)}) AS ok
  FROM (
    SELECT
      "eventtype" AS raw_type,
      concat_ws('|', "mail"."messageid", "eventtype", CAST(${isoMs(`coalesce(${times.join(', ')})`)} AS VARCHAR)) AS engagement_key,
      ${tag(spec.tags.userId)} AS user_id,
      ${tag(spec.tags.itemId)} AS item_id,
      ${isoMs(`coalesce(${times.join(', ')})`)} AS ts,
      CAST(NULL AS DOUBLE) AS mapped_value,
      ${tag(spec.tags.recommendationId)} AS recommendation_id,
      CAST(NULL AS VARCHAR) AS impression
    FROM ${spec.table}
    WHERE ${partitionFilter(spec, w)}
  ) r`;
}

function smsParsed(spec: SmsSourceSpec, w: EventWindow): string {
  const ctx = (key: string) => clean(`element_at("context", ${lit(key)})`);
  return `SELECT *, (raw_type IS NOT NULL AND user_id IS NOT NULL AND item_id IS NOT NULL AND ts IS NOT NULL AND ${plausible(w)}) AS ok
  FROM (
    SELECT
      "eventtype" AS raw_type,
      concat_ws('|', "messageid", "eventtype") AS engagement_key,
      ${ctx(spec.context.userId)} AS user_id,
      ${ctx(spec.context.itemId)} AS item_id,
      "eventtimestamp" AS ts,
      CAST(NULL AS DOUBLE) AS mapped_value,
      ${ctx(spec.context.recommendationId)} AS recommendation_id,
      CAST(NULL AS VARCHAR) AS impression
    FROM ${spec.table}
    WHERE ${partitionFilter(spec, w)}
  ) r`;
}

function eventsParsed(spec: EventsSourceSpec, w: EventWindow): string {
  eventsSourcePaths(spec); // refuses paths a Glue column cannot hold
  const m = spec.mapping;
  const opt = (p: string | undefined, expr: (e: string) => string, type: string) =>
    p ? expr(pathExpr(p)) : `CAST(NULL AS ${type})`;
  return `SELECT *, (raw_type IS NOT NULL AND user_id IS NOT NULL AND item_id IS NOT NULL AND ts IS NOT NULL AND ${plausible(w)}) AS ok
  FROM (
    SELECT
      ${clean(pathExpr(m.EVENT_TYPE))} AS raw_type,
      coalesce("messageid", '') AS engagement_key,
      ${clean(pathExpr(m.USER_ID))} AS user_id,
      ${clean(pathExpr(m.ITEM_ID))} AS item_id,
      ${flexibleMs(pathExpr(m.TIMESTAMP))} AS ts,
      ${opt(m.EVENT_VALUE, (e) => `TRY_CAST(${e} AS DOUBLE)`, 'DOUBLE')} AS mapped_value,
      ${opt(m.RECOMMENDATION_ID, clean, 'VARCHAR')} AS recommendation_id,
      ${opt(m.IMPRESSION, (e) => `nullif(array_join(${e}, '|'), '')`, 'VARCHAR')} AS impression
    FROM ${spec.table}
    WHERE ${partitionFilter(spec, w)}
      AND ("type" IS NULL OR "type" = 'track')
  ) r`;
}

function sourceCtes(i: number, source: InteractionsSource, req: AthenaQueryRequest, tables: AthenaTables): string[] {
  const p = `s${i}_`;
  const w = windowFor(source, req);
  if (source.kind === 'pinpoint') return pinpointCtes(p, source, w, tables, req.endpointExportPrefix);
  const parsed =
    source.kind === 'ses'
      ? sesParsed(source, w)
      : source.kind === 'sms'
        ? smsParsed(source, w)
        : eventsParsed(source, w);
  return [
    `${p}parsed AS (\n  ${parsed}\n)`,
    `${p}out AS (\n  ${scoredEngagements(`${p}parsed`, { mapping: source.eventTypes, scoring: source.scoring, fromMs: w.startMs, toMs: w.endMs })}\n)`,
  ];
}

/**
 * The query for one run. `req.endpointExportPrefix` is the S3 prefix of this run's endpoint export;
 * it filters a Pinpoint source only when the source asks for it and `tables.endpoints` is given.
 */
export function buildAthenaInteractionsQuery(
  spec: InteractionsSpec,
  req: AthenaQueryRequest,
  tables: AthenaTables = {}
): string {
  if (spec.sources.length === 0) throw new RangeError('a pipeline needs at least one source');
  const ctes = spec.sources.flatMap((s, i) => sourceCtes(i, s, req, tables));
  const union = spec.sources
    .map((_, i) => `SELECT ${ENGAGEMENT_COLUMNS.join(', ')} FROM s${i}_out`)
    .join('\n  UNION ALL\n  ');
  return `WITH ${ctes.join(',\n')}
SELECT ${outputColumns(spec.columns)}
FROM (
  ${union}
) engagements`;
}
