import { batchEvaluationCostUsd, BATCH_RECOMMENDATIONS_USD_PER_1000, DEFAULT_HOLDOUT, holdoutCutoffMs, type HoldoutScores, type HoldoutSettings } from '../../common/holdout';
import type { ImportPlan } from '../../common/import-state';
import { decideOnHoldout } from '../../workflows/gate';
import { holdoutNames, planAfterHoldout } from '../../workflows/holdout';
import { runNames } from '../../workflows/plan';

const M = 'normalized_discounted_cumulative_gain_at_10';
const holdout: HoldoutSettings = { days: 1, minUsers: 50, sampleUsers: 1000, whenTooSmall: 'reject' };
const gate = { metric: M, tolerance: 0.02, holdout };
const none = { candidate: {}, deployed: null };
const scores = (candidate: number, deployed: number | null, popularity: number, users = 400): HoldoutScores => ({
  users,
  eligibleUsers: users,
  candidate: { [M]: candidate },
  deployed: deployed === null ? null : { [M]: deployed },
  popularity: { [M]: popularity },
});

describe('the gate on the holdout', () => {
  test('a holdout that favours neither version: equal scores promote, whatever GetSolutionMetrics say', () => {
    const d = decideOnHoldout(
      { scores: scores(0.2, 0.2, 0.1), solutionMetrics: { candidate: { [M]: 0.05 }, deployed: { [M]: 0.4 } } },
      gate
    );
    expect(d).toMatchObject({ promote: true, basis: 'holdout', check: 'deployed', candidate: 0.2, deployed: 0.2, change: 0, popularity: 0.1, users: 400 });
    expect(d.reason).toContain('on the same holdout (400 users)');
  });

  test('a candidate worse than popularity is rejected, also when it beats the deployed version', () => {
    const d = decideOnHoldout({ scores: scores(0.09, 0.05, 0.1), solutionMetrics: none }, gate);
    expect(d).toMatchObject({ promote: false, check: 'popularity', basis: 'holdout' });
    expect(d.reason).toMatch(/0\.0900 does not beat the popularity baseline's 0\.1000/);
  });

  test('a candidate that only ties popularity does not beat it', () => {
    expect(decideOnHoldout({ scores: scores(0.1, null, 0.1), solutionMetrics: none }, gate)).toMatchObject({ promote: false, check: 'popularity' });
  });

  test('a first deployment must beat popularity, and then passes', () => {
    const d = decideOnHoldout({ scores: scores(0.12, null, 0.1), solutionMetrics: none }, gate);
    expect(d).toMatchObject({ promote: true, check: 'first-deployment', deployed: null, change: null });
  });

  test('a fall beyond the tolerance against the deployed version is rejected by that check; exactly the tolerance passes', () => {
    const fell = decideOnHoldout({ scores: scores(0.17, 0.2, 0.1), solutionMetrics: none }, gate);
    expect(fell).toMatchObject({ promote: false, check: 'deployed' });
    expect(fell.reason).toMatch(/15\.00 % below the deployed version's 0\.2000, more than the 2\.00 % tolerance/);
    expect(decideOnHoldout({ scores: scores(0.196, 0.2, 0.1), solutionMetrics: none }, gate).promote).toBe(true);
  });

  test('both checks failing name both, the deployed comparison first', () => {
    const d = decideOnHoldout({ scores: scores(0.05, 0.2, 0.1), solutionMetrics: none }, gate);
    expect(d.check).toBe('deployed');
    expect(d.reason).toMatch(/below the deployed version.*does not beat the popularity/);
  });

  test('a too-small holdout says so and does not pretend: reject, promote or GetSolutionMetrics as configured', () => {
    const small = scores(0.9, 0.1, 0.1, 12);
    const rejected = decideOnHoldout({ scores: small, solutionMetrics: none }, gate);
    expect(rejected).toMatchObject({ promote: false, basis: 'none', check: 'holdout-size', candidate: null, users: 12 });
    expect(rejected.reason).toMatch(/12 evaluation users, fewer than the 50 the gate needs/);
    const promoted = decideOnHoldout({ scores: small, solutionMetrics: none }, { ...gate, holdout: { ...holdout, whenTooSmall: 'promote' } });
    expect(promoted).toMatchObject({ promote: true, basis: 'none', check: 'holdout-size' });
    expect(promoted.reason).toContain('promoted without a holdout check');
    const metrics = decideOnHoldout(
      { scores: small, solutionMetrics: { candidate: { [M]: 0.1 }, deployed: { [M]: 0.2 } } },
      { ...gate, holdout: { ...holdout, whenTooSmall: 'solution-metrics' } }
    );
    expect(metrics).toMatchObject({ promote: false, basis: 'solution-metrics', check: 'deployed' });
    expect(metrics.reason).toMatch(/fewer than the 50 .*decided on GetSolutionMetrics instead/);
  });

  test('an empty holdout gives its reason', () => {
    const d = decideOnHoldout({ scores: null, missing: 'nothing to hold out: no interactions from 2026-11-23T00:00:00.000Z', solutionMetrics: none }, gate);
    expect(d).toMatchObject({ promote: false, check: 'holdout-size', users: 0 });
    expect(d.reason).toMatch(/^nothing to hold out/);
  });

  test('the minimum is configurable: exactly minUsers is enough', () => {
    expect(decideOnHoldout({ scores: scores(0.2, null, 0.1, 50), solutionMetrics: none }, gate).basis).toBe('holdout');
    expect(decideOnHoldout({ scores: scores(0.2, null, 0.1, 49), solutionMetrics: none }, gate).basis).toBe('none');
  });

  test('sample size and estimated batch cost are in the decision', () => {
    const s = { ...scores(0.2, 0.19, 0.1, 1000), batch: { jobs: 2, recommendations: 2000, estimatedCostUsd: batchEvaluationCostUsd(1000, 2) } };
    expect(decideOnHoldout({ scores: s, solutionMetrics: none }, gate)).toMatchObject({ users: 1000, estimatedCostUsd: 0.134 });
    expect(batchEvaluationCostUsd(1000, 2)).toBeCloseTo((2000 * BATCH_RECOMMENDATIONS_USD_PER_1000) / 1000, 10);
  });
});

describe('the holdout window and the import state', () => {
  const end = Date.parse('2026-11-24T00:00:00Z');
  test('days count back from the end of the run window; a fraction takes the newest share of the span', () => {
    expect(holdoutCutoffMs({ days: 1 }, end, null)).toBe(Date.parse('2026-11-23T00:00:00Z'));
    expect(holdoutCutoffMs({ days: 0.25 }, end, null)).toBe(Date.parse('2026-11-23T18:00:00Z'));
    expect(holdoutCutoffMs({ fraction: 0.1 }, end, { minMs: 0, maxMs: 1_000_000 })).toBe(900_000);
    expect(holdoutCutoffMs({ fraction: 0.1 }, end, null)).toBeNull();
    expect(DEFAULT_HOLDOUT.days).toBe(1);
  });

  const full: ImportPlan = { importMode: 'FULL', fromMs: end - 30 * 86_400_000, toMs: end, after: { watermarkMs: end, fullFromMs: end - 30 * 86_400_000, runKey: 'shop-2026-11-23', mode: 'FULL' } };
  const split = { cutoffMs: end - 86_400_000, trainingUri: 't', holdoutUri: 'h', training: { rows: 1, users: 1, usersWith2Plus: 0, items: 1, maxTimestamp: 1, invalidRows: 0 }, heldOut: { rows: 5, users: 2 } };

  test('the watermark stops where the holdout starts, so the next run imports the held-out interactions', () => {
    expect(planAfterHoldout(full, split).after).toEqual({ ...full.after, watermarkMs: end - 86_400_000 });
    const inc: ImportPlan = { ...full, importMode: 'INCREMENTAL', after: { ...full.after, mode: 'INCREMENTAL' } };
    expect(planAfterHoldout(inc, split).after.watermarkMs).toBe(end - 86_400_000);
  });

  test('nothing held out leaves the plan as it was', () => {
    expect(planAfterHoldout(full, { ...split, cutoffMs: null, holdoutUri: undefined })).toBe(full);
  });

  test('names derive from the run names: files under the run, job names Personalize accepts', () => {
    const n = holdoutNames(runNames('shop', '2026-11-23', 's3://b/work/'));
    expect(n).toEqual({
      trainingUri: 's3://b/work/runs/2026-11-23/training.csv',
      holdoutUri: 's3://b/work/runs/2026-11-23/holdout.csv',
      evaluationPrefix: 's3://b/work/runs/2026-11-23/evaluation/',
      candidateJobName: 'shop-20261123-eval-candidate',
      deployedJobName: 'shop-20261123-eval-deployed',
    });
    const long = holdoutNames(runNames('p'.repeat(40), '2026-11-23', 's3://b/', 'fabcdef1'));
    expect(long.candidateJobName.length).toBeLessThanOrEqual(63);
    expect(long.candidateJobName).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9\-_]*-eval-candidate$/);
  });
});
