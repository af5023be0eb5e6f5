/** What the client says about a recommender's run and the dataset phases, and its exit code. */
import type { RetrainResult } from '../../common/types';
import { formatSummary } from '../../client/summary';
import { exitCodeOf } from '../../client/run-end';
import { EXIT } from '../../client/exit-codes';

const REC = 'arn:aws:personalize:us-east-1:123456789012:recommender/shop-top-picks';
const regressed: RetrainResult = {
  outcome: 'REGRESSED',
  reason: "the recommender's new model (2026-11-27T00:00:00.000Z) regressed: normalized_discounted_cumulative_gain_at_10 fell from 0.2000 to 0.1500 (-25.00 %), more than the 2.00 % tolerance",
  pipeline: 'shop',
  runDate: '2026-11-23',
  runKey: 'shop-2026-11-23',
  jobs: { importJobArn: 'arn:job' },
  metrics: { candidate: { normalized_discounted_cumulative_gain_at_10: 0.15 }, deployed: { normalized_discounted_cumulative_gain_at_10: 0.2 } },
  datasets: { items: { action: 'skipped', reason: 'the items file has not changed since shop-2026-11-22 imported it (shop-20261122-items-aaaa1111)', fingerprint: 'aaaa1111' } },
  recommender: {
    recommenderArn: REC,
    model: { modelUpdatedAt: '2026-11-27T00:00:00.000Z', metrics: { normalized_discounted_cumulative_gain_at_10: 0.15 } },
    previous: { modelUpdatedAt: '2026-11-20T00:00:00.000Z', metrics: { normalized_discounted_cumulative_gain_at_10: 0.2 }, runKey: 'shop-2026-11-22' },
    regressed: true,
    gate: { promote: false, metric: 'normalized_discounted_cumulative_gain_at_10', candidate: 0.15, deployed: 0.2, change: -0.25, reason: 'normalized_discounted_cumulative_gain_at_10 fell from 0.2000 to 0.1500' },
  },
  timings: [],
  durationMs: 1,
};

test('a recommender run says what the recommender serves and how it compares, never a campaign; dataset phases say what they did', () => {
  const lines = formatSummary(regressed);
  expect(lines).toContain('  previous model   normalized_discounted_cumulative_gain_at_10 0.2000 (shop-2026-11-22)');
  expect(lines).toContain(`  recommender      ${REC} serves its model of 2026-11-27T00:00:00.000Z`);
  expect(lines).toContain('  regression check REGRESSED: normalized_discounted_cumulative_gain_at_10 fell from 0.2000 to 0.1500');
  expect(lines).toContain('  items dataset    skipped: the items file has not changed since shop-2026-11-22 imported it (shop-20261122-items-aaaa1111)');
  expect(lines.some((l) => l.includes('campaign serves') || l.includes('deployed model'))).toBe(false);
});

test('REGRESSED exits 1 like a failure: it is an alert', () => {
  expect(exitCodeOf({ kind: 'result', result: regressed })).toBe(EXIT.runFailed);
  expect(exitCodeOf({ kind: 'result', result: { ...regressed, outcome: 'SUCCEEDED' } })).toBe(EXIT.ok);
});
