/**
 * The attribution rule, as the Athena query writes it: an engagement matches a recommendation on
 * the same endpoint and campaign (or journey) that precedes it by at most the attribution window;
 * DISTINCT keeps one row per (user, item, event type, engagement), never a cross product. Plain SQL
 * that Trino and DuckDB read alike. The local build states the same rule over grouped records
 * instead (duckdb.ts pinpointMatchedCte); the Trino suite checks both give the same rows. `prefix`
 * names the source's CTEs (`<prefix>engagements`, `<prefix>recs` → `<prefix>matched`).
 */
export function matchedEngagementsCte(windowMs: number, prefix = ''): string {
  return `${prefix}matched AS (
  SELECT DISTINCT r.user_id, r.item_id, g.event_type, g.event_value, g.ts, g.endpoint_id, g.attribution
  FROM ${prefix}engagements g
  JOIN ${prefix}recs r
    ON (r.endpoint_id = g.endpoint_id AND r.attribution = g.attribution)
   AND (r.ts <= g.ts AND g.ts <= r.ts + ${windowMs})
)`;
}
