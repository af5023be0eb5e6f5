import { chooseRerun, decideDeploy, decideTraining, evaluateGate, logicalRunDate, personalizeName, runNames, trainingCleanup } from '../../workflows/plan';
import type { CampaignState, InteractionStats } from '../../common/types';

const stats: InteractionStats = { rows: 5000, users: 400, usersWith2Plus: 300, items: 120, maxTimestamp: 1_763_800_000, invalidRows: 0 };
const gate = { metric: 'normalized_discounted_cumulative_gain_at_10', tolerance: 0.02 };

describe('logical run date', () => {
  test('a scheduled run covers the day before its scheduled time, whenever it actually starts', () => {
    expect(logicalRunDate({ scheduledStart: new Date('2026-11-24T02:00:00Z'), startedAt: new Date('2026-11-26T09:13:00Z') })).toBe('2026-11-23');
  });
  test('a manual run may name its date', () => {
    expect(logicalRunDate({ runDate: '2026-10-01', startedAt: new Date('2026-11-24T10:00:00Z') })).toBe('2026-10-01');
  });
  test('without either, the day before the run started', () => {
    expect(logicalRunDate({ startedAt: new Date('2026-01-01T00:30:00Z') })).toBe('2025-12-31');
  });
  test('an impossible date is refused', () => {
    expect(() => logicalRunDate({ runDate: '2026-02-30', startedAt: new Date() })).toThrow(/YYYY-MM-DD/);
    expect(() => logicalRunDate({ runDate: '24/11/2026', startedAt: new Date() })).toThrow(/YYYY-MM-DD/);
  });
});

describe('names and tokens', () => {
  test('derive from pipeline, run date and rerun suffix only', () => {
    const a = runNames('shop', '2026-11-23', 's3://b/work');
    expect(a).toEqual(runNames('shop', '2026-11-23', 's3://b/work/'));
    expect(a.importJobName).toBe('shop-20261123-import');
    expect(a.solutionVersionName).toBe('shop-20261123-train');
    expect(a.interactionsUri).toBe('s3://b/work/runs/2026-11-23/interactions.csv');
    const rerun = runNames('shop', '2026-11-23', 's3://b/work', 'r2');
    expect(rerun.importJobName).toBe('shop-20261123-r2-import');
    expect(rerun.queryToken).not.toBe(a.queryToken);
  });
  test('the Athena token is 32–128 characters', () => {
    expect(runNames('a', '2026-11-23', 's3://b/').queryToken.length).toBeGreaterThanOrEqual(32);
    expect(runNames('x'.repeat(200), '2026-11-23', 's3://b/').queryToken.length).toBeLessThanOrEqual(128);
  });
  test('Personalize names obey 1–63 characters of [a-zA-Z0-9-_], keeping the distinguishing tail', () => {
    const long = personalizeName('a-very-long-pipeline-name-that-goes-on-and-on-and-on', '20261123', 'rerun7', 'train');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9\-_]*$/);
    expect(long.endsWith('20261123-rerun7-train')).toBe(true);
    expect(personalizeName('shop.eu', '2026')).toBe('shop-eu-2026');
  });
});

describe('decide', () => {
  test('trains on enough new data', () => {
    expect(decideTraining(stats, { runKey: 'shop-2026-11-22', maxTimestamp: stats.maxTimestamp! - 1 }, {}).train).toBe(true);
    expect(decideTraining(stats, null, {}).train).toBe(true);
  });
  test('skips empty, small, sparse and stale data, saying why', () => {
    expect(decideTraining({ ...stats, rows: 0 }, null, {})).toEqual({ train: false, reason: 'the query produced no interactions' });
    expect(decideTraining({ ...stats, rows: 999 }, null, {}).reason).toMatch(/999 interactions/);
    expect(decideTraining({ ...stats, rows: 1000 }, null, {}).train).toBe(true);
    expect(decideTraining({ ...stats, usersWith2Plus: 24 }, null, {}).reason).toMatch(/24 users with 2\+/);
    expect(decideTraining(stats, { runKey: 'shop-2026-11-22', maxTimestamp: stats.maxTimestamp }, {}).reason).toMatch(/nothing newer than the last trained run shop-2026-11-22/);
  });
  test('force overrides only "nothing new"; dry run never trains', () => {
    expect(decideTraining(stats, { runKey: 'k', maxTimestamp: stats.maxTimestamp }, { force: true }).train).toBe(true);
    expect(decideTraining({ ...stats, rows: 10 }, null, { force: true }).train).toBe(false);
    expect(decideTraining(stats, null, { dryRun: true }).train).toBe(false);
  });
});

describe('quality gate', () => {
  const m = (v: number) => ({ [gate.metric]: v });
  test('promotes an improvement and a fall within tolerance', () => {
    expect(evaluateGate(m(0.3), m(0.25), gate)).toMatchObject({ promote: true });
    expect(evaluateGate(m(0.3), m(0.25), gate).change).toBeCloseTo(0.2);
    expect(evaluateGate(m(0.245), m(0.25), gate).promote).toBe(true);
  });
  test('rejects a fall beyond tolerance with both figures', () => {
    const d = evaluateGate(m(0.24), m(0.25), gate);
    expect(d).toMatchObject({ promote: false, candidate: 0.24, deployed: 0.25 });
    expect(d.reason).toMatch(/fell from 0\.2500 to 0\.2400 \(-4\.00 %\), more than the 2\.00 % tolerance/);
  });
  test('a first deployment passes; a candidate without the metric does not', () => {
    expect(evaluateGate(m(0.1), null, gate)).toMatchObject({ promote: true, deployed: null });
    expect(evaluateGate(m(0.1), { coverage: 0.3 }, gate).promote).toBe(true);
    expect(evaluateGate({ coverage: 0.5 }, m(0.2), gate)).toMatchObject({ promote: false });
  });
});

describe('a forced re-run of a date already run', () => {
  const earlier = { runKey: 'shop-2026-11-23', outcome: 'SUCCEEDED' as const, solutionVersionArn: 'arn:sv/1' };
  test('trains anew under a suffix of its own, and says so', () => {
    const c = chooseRerun({ force: true, earlier, runId: '3f2a9c1e-77aa-4b1d-9c1e-000000000000' });
    expect(c.rerun).toBe('f3f2a9c1');
    expect(c.note).toMatch(/run key shop-2026-11-23 was used by an earlier run \(SUCCEEDED\); this forced run trains anew .*suffix f3f2a9c1/);
    expect(runNames('shop', '2026-11-23', 's3://b/w/', c.rerun).solutionVersionName).toBe('shop-20261123-f3f2a9c1-train');
  });
  test('keeps the plain names when the date was never run, when not forced, or when a suffix is given', () => {
    expect(chooseRerun({ force: true, earlier: null, runId: 'r' })).toEqual({ rerun: undefined });
    expect(chooseRerun({ force: false, earlier, runId: 'r' })).toEqual({ rerun: undefined });
    expect(chooseRerun({ force: true, rerun: 'r2', earlier, runId: 'r' })).toEqual({ rerun: 'r2' });
  });
  test('the suffix is stable for one run (replay, continue-as-new) and differs between runs', () => {
    expect(chooseRerun({ force: true, earlier, runId: 'aaaa1111-x' }).rerun).toBe(chooseRerun({ force: true, earlier, runId: 'aaaa1111-x' }).rerun);
    expect(chooseRerun({ force: true, earlier, runId: 'aaaa1111-x' }).rerun).not.toBe(chooseRerun({ force: true, earlier, runId: 'bbbb2222-x' }).rerun);
  });
});

describe('which training to stop on the way out', () => {
  test.each([
    [undefined, undefined, { kind: 'none' }],
    ['finished', 'arn:sv/1', { kind: 'none' }],
    ['stopped', 'arn:sv/1', { kind: 'none' }],
    ['running', 'arn:sv/1', { kind: 'stop', solutionVersionArn: 'arn:sv/1' }],
    ['starting', undefined, { kind: 'find-and-stop', name: 'shop-20261123-train' }],
    ['starting', 'arn:sv/1', { kind: 'stop', solutionVersionArn: 'arn:sv/1' }],
  ] as const)('training %s (ARN %s) → %o', (state, arn, expected) => {
    expect(trainingCleanup(state, arn, 'shop-20261123-train')).toEqual(expected);
  });
});

describe('deploy: never an older model than the campaign serves', () => {
  const candidate = { arn: 'arn:sv/new', createdAt: '2026-11-24T02:00:00Z' };
  const campaign = (over: Partial<CampaignState> = {}): CampaignState => ({ campaignArn: 'c', status: 'ACTIVE', solutionVersionArn: 'arn:sv/old', minProvisionedTPS: 1, ...over });
  test('a newer candidate is deployed', () => {
    expect(decideDeploy({ candidate, campaign: campaign(), served: { arn: 'arn:sv/old', createdAt: '2026-11-20T02:00:00Z' } }).action).toBe('update');
  });
  test('a candidate older than the served version is refused, naming both', () => {
    const d = decideDeploy({ candidate, campaign: campaign({ solutionVersionArn: 'arn:sv/later' }), served: { arn: 'arn:sv/later', createdAt: '2026-11-25T02:00:00Z' } });
    expect(d.action).toBe('refuse');
    expect(d.reason).toMatch(/serves arn:sv\/later, created 2026-11-25T02:00:00Z, newer than this run's model arn:sv\/new/);
  });
  test('an explicit rollback may deploy an older one', () => {
    expect(decideDeploy({ candidate, campaign: campaign(), served: { arn: 'arn:sv/later', createdAt: '2026-11-25T02:00:00Z' }, allowOlder: true }).action).toBe('update');
  });
  test('an update to the candidate already requested (or served) is waited on, not requested again', () => {
    expect(decideDeploy({ candidate, campaign: campaign({ latestUpdate: { solutionVersionArn: 'arn:sv/new', status: 'CREATE IN_PROGRESS' } }), served: null }).action).toBe('wait');
    expect(decideDeploy({ candidate, campaign: campaign({ solutionVersionArn: 'arn:sv/new' }), served: null }).action).toBe('wait');
    expect(decideDeploy({ candidate, campaign: campaign({ latestUpdate: { solutionVersionArn: 'arn:sv/new', status: 'CREATE FAILED' } }), served: null }).action).toBe('update');
  });
  test('first deployment, or ages unknown: deployed', () => {
    expect(decideDeploy({ candidate, campaign: campaign({ solutionVersionArn: null }), served: null }).action).toBe('update');
    expect(decideDeploy({ candidate: { arn: 'arn:sv/new' }, campaign: campaign(), served: { arn: 'arn:sv/old' } }).action).toBe('update');
  });
});
