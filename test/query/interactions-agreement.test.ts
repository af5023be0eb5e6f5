/**
 * The interactions SQL as text: partition pruning with the Firehose slack, every predicate group
 * parenthesised (the original's `a AND b OR c` bug), no clock in the SQL. What the SQL returns is
 * checked on a real Trino against the DuckDB path in trino.test.ts.
 */
import { buildAthenaInteractionsQuery } from '../../activities/query/athena';
import { buildDuckDbInteractionsQuery } from '../../activities/query/duckdb';
import { eventsSource, pinpointSource, specOf } from '../helpers/specs';

const runDate = '2026-11-23';

test('the Athena query prunes partitions with the Firehose slack and parenthesises every predicate group', () => {
  const sql = buildAthenaInteractionsQuery(specOf(pinpointSource()), { runDate, lookbackDays: 1 });
  // Window 2026-11-23; recommendations from 22:00 the day before (1 h window); one hour of slack each side.
  expect(sql).toContain(`("dt" >= '2026/11/22/22' AND "dt" <= '2026/11/24/00')`);
  expect(sql).not.toMatch(/CURRENT_DATE|now\(\)/i);
  expect(sql).not.toContain('endpoint_export');
  for (const clause of sql.split('\n').filter((l) => /^\s*AND /.test(l))) expect(clause.trim()).toMatch(/^AND \(.*\)$/);
  expect(sql).toMatch(/\(r\.ts <= g\.ts AND g\.ts <= r\.ts \+ 3600000\)/);
});

test("a source's late arrivals widen the partitions read, not the window", () => {
  const sql = buildAthenaInteractionsQuery(specOf(eventsSource({ lateArrivalSeconds: 72 * 3600 })), {
    runDate,
    lookbackDays: 1,
  });
  expect(sql).toContain(`("dt" >= '2026/11/22/23' AND "dt" <= '2026/11/27/00')`);
  expect(sql).toContain(
    `(p.ts >= ${Date.parse('2026-11-23T00:00:00Z')} AND p.ts < ${Date.parse('2026-11-24T00:00:00Z')})`
  );
});

test('a watermark replaces the lookback in both dialects; all history reads every partition', () => {
  const startMs = Date.parse('2026-11-20T06:00:00Z');
  const athena = buildAthenaInteractionsQuery(specOf(eventsSource()), { runDate, lookbackDays: 1, startMs });
  expect(athena).toContain(`("dt" >= '2026/11/20/05'`);
  expect(athena).toContain(`(p.ts >= ${startMs} AND`);
  const duck = buildDuckDbInteractionsQuery(
    specOf(eventsSource()),
    { runDate, lookbackDays: 1, startMs },
    { events: [[]] }
  );
  expect(duck).toContain(`(p.ts >= ${startMs} AND`);
  expect(buildAthenaInteractionsQuery(specOf(pinpointSource()), { runDate, lookbackDays: null })).toContain(
    '("dt" IS NOT NULL)'
  );
});

test('no ORDER BY: Personalize does not need a sorted file, and sorting millions of rows costs', () => {
  expect(
    buildAthenaInteractionsQuery(specOf([pinpointSource(), eventsSource({ table: 'other' })]), {
      runDate,
      lookbackDays: 30,
    })
  ).not.toMatch(/ORDER BY/i);
  expect(
    buildDuckDbInteractionsQuery(specOf(pinpointSource()), { runDate, lookbackDays: 30 }, { events: [[]] })
  ).not.toMatch(/ORDER BY/i);
});
