/**
 * trim() for the DuckDB queries, without its cost on ids that need none. DuckDB's trim() tests
 * every character against Unicode's space separators (~100 ns per string), which was a third of
 * the local build's parse on 10M Pinpoint records. Among ASCII characters it removes only ' ', so a
 * pure-ASCII string (as many bytes as characters) that neither starts nor ends with ' ' is already
 * trimmed: these forms return it as it is and call trim() for every other string, giving exactly
 * trim()'s result.
 */

/** trim(expr), skipped when it would change nothing. */
export function trimmed(expr: string): string {
  return `CASE WHEN strlen(${expr}) = length(${expr}) AND NOT starts_with(${expr}, ' ') AND NOT ends_with(${expr}, ' ') THEN ${expr} ELSE trim(${expr}) END`;
}

/** A trimmed string, NULL when empty (sql.ts `clean`, for DuckDB). */
export function cleanId(expr: string): string {
  return `nullif(${trimmed(expr)}, '')`;
}
