/** The "last trained" watermark DECIDE compares with: moved by trained runs only, and only forward. */
import { nextLastRun, type LastRunRecord } from '../../activities/last-run';
import type { Outcome, RetrainResult } from '../../common/types';

const stats = { rows: 5000, users: 400, usersWith2Plus: 300, items: 120, maxTimestamp: 1_763_900_000, invalidRows: 0 };
const result = (outcome: Outcome, over: Partial<RetrainResult> = {}): RetrainResult => ({
  outcome,
  reason: 'r',
  pipeline: 'shop',
  runDate: '2026-11-23',
  runKey: 'shop-2026-11-23',
  stats,
  jobs: { solutionVersionArn: 'arn:sv/1' },
  timings: [],
  durationMs: 1,
  ...over,
});
const previous: LastRunRecord = {
  runKey: 'shop-2026-11-22',
  runDate: '2026-11-22',
  maxTimestamp: 1_763_800_000,
  solutionVersionArn: 'arn:sv/0',
};

test.each(['SUCCEEDED', 'REJECTED'] as const)(
  'a %s run that trained on newer data moves the watermark to its newest interaction',
  (outcome) => {
    expect(nextLastRun(previous, result(outcome))).toEqual({
      runKey: 'shop-2026-11-23',
      runDate: '2026-11-23',
      maxTimestamp: 1_763_900_000,
      solutionVersionArn: 'arn:sv/1',
    });
    expect(nextLastRun(null, result(outcome))?.maxTimestamp).toBe(1_763_900_000);
  }
);

test.each(['SKIPPED', 'FAILED', 'CANCELLED'] as const)('a %s run leaves it where it was', (outcome) => {
  expect(nextLastRun(previous, result(outcome))).toBeNull();
});

test('a forced run over older data (a backfill) never moves it back', () => {
  expect(nextLastRun(previous, result('SUCCEEDED', { stats: { ...stats, maxTimestamp: 1_763_000_000 } }))).toBeNull();
});

test('a run without interactions facts leaves it alone', () => {
  expect(nextLastRun(previous, result('SUCCEEDED', { stats: undefined }))).toBeNull();
  expect(nextLastRun(previous, result('SUCCEEDED', { stats: { ...stats, maxTimestamp: null } }))).toBeNull();
});
