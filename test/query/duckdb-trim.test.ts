/**
 * The DuckDB queries' shortcut around trim() gives trim()'s result for every string: each code
 * point (ASCII, Unicode spaces, the surrogate-free rest of the BMP and beyond) at either end,
 * alone, doubled, and inside an id; empty strings and NULL.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { cleanId, trimmed } from '../../activities/query/duckdb-trim';

let instance: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run(`CREATE TABLE cp AS SELECT chr(i::INTEGER) AS c FROM range(1, 200000) t(i) WHERE i NOT BETWEEN 55296 AND 57343`);
  await db.run(`CREATE TABLE s AS
    SELECT x FROM (
      SELECT unnest([c, c || 'ab', 'ab' || c, c || 'ab' || c, c || c || 'a b' || c || c, 'a' || c || 'b', ' ' || c, c || ' ']) AS x FROM cp
      UNION ALL SELECT unnest(['', ' ', '  ', 'ep-00001', ' ep-1 ', 'ep-1  ', '  ep-1', 'é', ' é ', 'ünïcode id', NULL]) AS x
    )`);
});

afterAll(() => {
  db?.closeSync();
  instance?.closeSync();
});

test('trimmed(x) is trim(x) for every string, cleanId(x) is nullif(trim(x), \'\')', async () => {
  const rows = (
    await db.runAndReadAll(`SELECT
      count(*) AS strings,
      count(*) FILTER (WHERE ${trimmed('x')} IS DISTINCT FROM trim(x)) AS trimmed_differs,
      count(*) FILTER (WHERE ${cleanId('x')} IS DISTINCT FROM nullif(trim(x), '')) AS clean_differs,
      count(*) FILTER (WHERE trim(x) <> x) AS trim_changes
    FROM s`)
  ).getRowObjectsJS()[0]!;
  expect(rows.trimmed_differs).toBe(0n);
  expect(rows.clean_differs).toBe(0n);
  // The cases that matter are there: strings trim() changes, by many kinds of spaces.
  expect(Number(rows.trim_changes)).toBeGreaterThan(10 * 8);
  expect(Number(rows.strings)).toBeGreaterThan(1_000_000);
});
