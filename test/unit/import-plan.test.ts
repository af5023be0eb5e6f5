/**
 * Import semantics, one test per rule (workflows/import-plan.ts). Sequences of daily runs are
 * simulated with the planner and a record set filtered by each run's window, exactly as the
 * query filters event times.
 */
import type { ImportPlan, ImportState } from '../../common/import-state';
import type { InteractionStats } from '../../common/types';
import { decideImport, planImport, queryLookback, windowEndMs } from '../../workflows/import-plan';

const DAY = 86_400_000;
const day = (d: string) => Date.parse(`${d}T00:00:00Z`);
const nextDate = (d: string, n = 1) => new Date(day(d) + n * DAY).toISOString().slice(0, 10);
const stats = (rows: number): InteractionStats => ({
  rows,
  users: 100,
  usersWith2Plus: 50,
  items: 30,
  maxTimestamp: 1_795_000_000 + rows,
  invalidRows: 0,
});

/** Records (event times, ms) a window carries; fromMs null = all history. */
const carried = (records: number[], plan: ImportPlan) =>
  records.filter((t) => (plan.fromMs === null || t >= plan.fromMs) && t < plan.toMs);

/** Runs `days` daily runs from `first`; imports when decideImport says so, recording the state as the workflow does. */
function simulate(opts: {
  mode: 'FULL' | 'INCREMENTAL';
  first: string;
  days: number;
  lookbackDays: number | null;
  records: number[];
  allowHistoryShrink?: boolean;
  state?: ImportState | null;
}) {
  let state = opts.state ?? null;
  const imports: { runDate: string; plan: ImportPlan; rows: number[] }[] = [];
  for (let i = 0; i < opts.days; i++) {
    const runDate = nextDate(opts.first, i);
    const plan = planImport({
      mode: opts.mode,
      runDate,
      lookbackDays: opts.lookbackDays,
      state,
      allowHistoryShrink: opts.allowHistoryShrink ?? false,
      runKey: `p-${runDate}`,
    });
    const rows = carried(opts.records, plan);
    const decision = decideImport(stats(rows.length), null, plan, {});
    if (decision.train) {
      imports.push({ runDate, plan, rows });
      state = plan.after;
    }
  }
  return { imports, state };
}

/** `perDay` records on each day from `from` for `days` days. */
function records(from: string, days: number, perDay: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < days; d++)
    for (let k = 0; k < perDay; k++) out.push(day(from) + d * DAY + Math.floor((k * DAY) / perDay));
  return out;
}

test('a FULL import never carries less history than the previous FULL import without an explicit override', () => {
  const all = records('2026-10-01', 60, 1500);
  const { imports } = simulate({ mode: 'FULL', first: '2026-11-01', days: 10, lookbackDays: 30, records: all });
  expect(imports).toHaveLength(10);
  for (let i = 1; i < imports.length; i++) {
    const [prev, cur] = [imports[i - 1]!, imports[i]!];
    expect(cur.plan.importMode).toBe('FULL');
    // It starts no later, so everything the previous FULL import carried is carried again.
    expect(cur.plan.fromMs).toBeLessThanOrEqual(prev.plan.fromMs!);
    const now = new Set(cur.rows);
    expect(prev.rows.every((t) => now.has(t))).toBe(true);
  }
  // The first run's 30-day lookback is kept; the query is told where the window starts.
  expect(imports.at(-1)!.plan.fromMs).toBe(windowEndMs('2026-11-01') - 30 * DAY);
  expect(imports.at(-1)!.plan.startMs).toBe(windowEndMs('2026-11-01') - 30 * DAY);
  expect(imports.at(-1)!.plan.note).toMatch(/keeps the history .* allowHistoryShrink/);
});

test('with allowHistoryShrink a FULL import follows lookbackDays and drops older history', () => {
  const { imports } = simulate({
    mode: 'FULL',
    first: '2026-11-01',
    days: 3,
    lookbackDays: 30,
    records: records('2026-10-01', 60, 1500),
    allowHistoryShrink: true,
  });
  expect(imports.map((i) => i.plan.fromMs)).toEqual(
    [0, 1, 2].map((n) => windowEndMs(nextDate('2026-11-01', n)) - 30 * DAY)
  );
  expect(imports.every((i) => i.plan.startMs === undefined)).toBe(true);
});

test('a FULL import after an all-history FULL import carries all history again', () => {
  const state: ImportState = {
    watermarkMs: windowEndMs('2026-10-31'),
    fullFromMs: null,
    runKey: 'p-2026-10-31',
    mode: 'FULL',
  };
  const plan = planImport({
    mode: 'FULL',
    runDate: '2026-11-01',
    lookbackDays: 30,
    state,
    allowHistoryShrink: false,
    runKey: 'p-2026-11-01',
  });
  expect(plan.fromMs).toBeNull();
  expect(queryLookback(plan, 30)).toBeNull();
});

test('INCREMENTAL imports never repeat a record', () => {
  const all = records('2026-10-01', 70, 1200);
  const { imports } = simulate({ mode: 'INCREMENTAL', first: '2026-11-01', days: 9, lookbackDays: 30, records: all });
  expect(imports.map((i) => i.plan.importMode)).toEqual(['FULL', ...Array(8).fill('INCREMENTAL')]);
  const seen = new Set<number>();
  for (const imp of imports)
    for (const t of imp.rows) {
      expect(seen.has(t)).toBe(false);
      seen.add(t);
    }
  // And nothing between the first window's start and the last run's end is left out.
  const expected = all.filter((t) => t >= imports[0]!.plan.fromMs! && t < windowEndMs('2026-11-09'));
  expect(seen.size).toBe(expected.length);
});

test('INCREMENTAL queries from the watermark of the last import, not the whole lookback again', () => {
  const state: ImportState = {
    watermarkMs: windowEndMs('2026-11-05'),
    fullFromMs: day('2026-10-07'),
    runKey: 'p-2026-11-05',
    mode: 'FULL',
  };
  const plan = planImport({
    mode: 'INCREMENTAL',
    runDate: '2026-11-06',
    lookbackDays: 30,
    state,
    allowHistoryShrink: false,
    runKey: 'p-2026-11-06',
  });
  expect(plan).toMatchObject({
    importMode: 'INCREMENTAL',
    startMs: windowEndMs('2026-11-05'),
    fromMs: windowEndMs('2026-11-05'),
    toMs: windowEndMs('2026-11-06'),
  });
  expect(plan.after).toEqual({
    watermarkMs: windowEndMs('2026-11-06'),
    fullFromMs: day('2026-10-07'),
    runKey: 'p-2026-11-06',
    mode: 'INCREMENTAL',
  });
});

test('the first import of an INCREMENTAL pipeline is FULL (Personalize needs a bulk import first)', () => {
  const plan = planImport({
    mode: 'INCREMENTAL',
    runDate: '2026-11-06',
    lookbackDays: 30,
    state: null,
    allowHistoryShrink: false,
    runKey: 'p-2026-11-06',
  });
  expect(plan.importMode).toBe('FULL');
  expect(plan.fromMs).toBe(windowEndMs('2026-11-06') - 30 * DAY);
});

test('INCREMENTAL carries a day under 1,000 records forward instead of importing or losing it', () => {
  // 600 records a day: the second day alone is too small, two days together are enough.
  const all = [...records('2026-10-07', 30, 1200), ...records('2026-11-06', 5, 600)];
  const { imports } = simulate({ mode: 'INCREMENTAL', first: '2026-11-05', days: 4, lookbackDays: 30, records: all });
  expect(imports.map((i) => i.runDate)).toEqual(['2026-11-05', '2026-11-07']);
  const [, second] = imports;
  expect(second!.plan.fromMs).toBe(windowEndMs('2026-11-05'));
  expect(second!.rows).toHaveLength(1200);
  const skipped = decideImport(
    stats(600),
    null,
    planImport({
      mode: 'INCREMENTAL',
      runDate: '2026-11-06',
      lookbackDays: 30,
      state: imports[0]!.plan.after,
      allowHistoryShrink: false,
      runKey: 'x',
    }),
    {}
  );
  expect(skipped).toEqual({ train: false, reason: expect.stringMatching(/600 new interactions .* carried forward/) });
});

test('a re-run of an imported date appends nothing (its window is empty)', () => {
  const state: ImportState = {
    watermarkMs: windowEndMs('2026-11-06'),
    fullFromMs: null,
    runKey: 'p-2026-11-06',
    mode: 'INCREMENTAL',
  };
  const plan = planImport({
    mode: 'INCREMENTAL',
    runDate: '2026-11-06',
    lookbackDays: 30,
    state,
    allowHistoryShrink: false,
    runKey: 'p-2026-11-06-rerun',
  });
  expect(carried(records('2026-11-01', 10, 2000), plan)).toEqual([]);
  expect(plan.after.watermarkMs).toBe(windowEndMs('2026-11-06'));
});
