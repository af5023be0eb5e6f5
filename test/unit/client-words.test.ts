/**
 * What the client says: live progress, summaries (skipped runs with a deployed model, cancelled
 * runs, a stopped Web UI), run-date words, exit codes for every way a command can end, and the
 * run's details in the Web UI.
 */
import { WorkflowFailedError, ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, RetryState, TerminatedFailure } from '@temporalio/common';
import type { RetrainProgress, RetrainResult } from '../../common/types';
import { describeProgress } from '../../client/run';
import { formatRunEnd, formatSummary } from '../../client/summary';
import { exitCodeOf, runEndOf } from '../../client/run-end';
import { EXIT, exitFor } from '../../client/exit-codes';
import { resolveRunDate } from '../../client/dates';
import { plural } from '../../client/text';
import { TemporalUnreachableError } from '../../client/temporal-client';
import { nextStartSuffix } from '../../client/start';
import { currentDetails } from '../../workflows/details';

const V1 = 'arn:aws:personalize:local:000000000000:solution/shop/v1';
const V2 = 'arn:aws:personalize:local:000000000000:solution/shop/v2';

function result(over: Partial<RetrainResult>): RetrainResult {
  return {
    outcome: 'SUCCEEDED',
    reason: 'deployed',
    pipeline: 'shop',
    runDate: '2026-11-23',
    runKey: 'shop-2026-11-23',
    jobs: {},
    timings: [{ phase: 'QUERY', startedAt: '2026-11-24T02:00:00.000Z', endedAt: '2026-11-24T02:00:03.000Z' }],
    durationMs: 3000,
    ...over,
  };
}

describe('live progress', () => {
  const p = (over: Partial<RetrainProgress>): RetrainProgress => ({
    pipeline: 'shop',
    runDate: '2026-11-23',
    runKey: 'k',
    phase: 'STARTING',
    jobs: {},
    timings: [],
    ...over,
  });

  test('a run not yet in a phase is just STARTING, with no empty parentheses', () => {
    expect(describeProgress(p({}))).toBe('STARTING');
  });

  test('one check, two checks', () => {
    const now = Date.parse('2026-11-24T02:00:10.000Z');
    const t = (polls: number) => [{ phase: 'TRAIN' as const, startedAt: '2026-11-24T02:00:00.000Z', polls }];
    expect(describeProgress(p({ phase: 'TRAIN', lastStatus: 'CREATE PENDING', timings: t(1) }), now)).toBe(
      'TRAIN CREATE PENDING (10 s, 1 check)'
    );
    expect(describeProgress(p({ phase: 'TRAIN', timings: t(2) }), now)).toBe('TRAIN (10 s, 2 checks)');
    expect(plural(1, 'row')).toBe('1 row');
    expect(plural(79106, 'row')).toBe('79,106 rows');
  });
});

describe('summaries', () => {
  const line = (lines: string[], label: string) => lines.find((l) => l.trimStart().startsWith(label));

  test('a skipped run with a model deployed does not claim the campaign serves nothing', () => {
    const skipped = result({ outcome: 'SKIPPED', reason: 'nothing newer than the last trained run shop-2026-11-22' });
    expect(line(formatSummary(skipped), 'campaign serves')).toBe(
      '  campaign serves  unchanged (this run ended before looking at the campaign)'
    );
    expect(
      line(
        formatSummary(skipped, { servingNow: { arn: V1, note: 'deployed by run shop-2026-11-22' } }),
        'campaign serves'
      )
    ).toBe(`  campaign serves  ${V1} (unchanged; deployed by run shop-2026-11-22)`);
    expect(formatSummary(skipped, { servingNow: { arn: V1 } }).join('\n')).not.toMatch(/nothing yet/);
  });

  test('what the campaign serves: the new model, unchanged, or nothing after a run that looked', () => {
    expect(
      line(
        formatSummary(result({ jobs: { solutionVersionArn: V2 }, campaignSolutionVersionArn: V2 })),
        'campaign serves'
      )
    ).toMatch(/v2 \(the new model\)$/);
    const rejected = result({
      outcome: 'REJECTED',
      jobs: { solutionVersionArn: V2, previousSolutionVersionArn: V1 },
      campaignSolutionVersionArn: V1,
    });
    expect(line(formatSummary(rejected), 'campaign serves')).toMatch(/v1 \(unchanged\)$/);
    const none = result({
      outcome: 'FAILED',
      jobs: { solutionVersionArn: V2, previousSolutionVersionArn: null },
      campaignSolutionVersionArn: null,
    });
    expect(line(formatSummary(none), 'campaign serves')).toBe('  campaign serves  nothing yet');
  });

  test('a Web UI link to a server that has stopped says so', () => {
    const opts = { uiUrl: 'http://localhost:8233', workflowId: 'retrain-shop' };
    const live = formatSummary(result({}), opts).join('\n');
    expect(live).toContain('http://localhost:8233/namespaces/default/workflows/retrain-shop');
    expect(live).not.toMatch(/stopped/);
    expect(formatSummary(result({}), { ...opts, uiStopped: true }).join('\n')).toMatch(
      /workflows\/retrain-shop\n.*the server has stopped.*npm start -- --keep/
    );
  });

  test('a cancelled run is reported as cancelled, with exit code 5, whether or not it carries a result', () => {
    const bare = runEndOf({
      error: new WorkflowFailedError(
        'Workflow execution cancelled',
        new CancelledFailure('cancelled'),
        RetryState.NON_RETRYABLE_FAILURE
      ),
    });
    expect(bare.kind).toBe('cancelled');
    expect(exitCodeOf(bare)).toBe(EXIT.cancelled);
    expect(formatRunEnd(bare, 'retrain-shop').join('\n')).toMatch(/^Run retrain-shop: CANCELLED/);
    expect(formatRunEnd(bare, 'retrain-shop').join('\n')).not.toMatch(/without a result/);

    const carried = result({ outcome: 'CANCELLED' as RetrainResult['outcome'], reason: 'cancelled during TRAIN' });
    const withDetails = runEndOf({
      error: new WorkflowFailedError(
        'cancelled',
        new CancelledFailure('cancelled', [carried]),
        RetryState.NON_RETRYABLE_FAILURE
      ),
    });
    expect(exitCodeOf(withDetails)).toBe(EXIT.cancelled);
    expect(formatRunEnd(withDetails, 'retrain-shop')[0]).toBe(
      'Run shop-2026-11-23: CANCELLED – cancelled during TRAIN'
    );
    expect(exitCodeOf(runEndOf({ result: carried }))).toBe(EXIT.cancelled);
  });

  test('outcomes map to exit codes; a terminated run is a failure, not silence', () => {
    expect(exitCodeOf(runEndOf({ result: result({ outcome: 'SUCCEEDED' }) }))).toBe(0);
    expect(exitCodeOf(runEndOf({ result: result({ outcome: 'SKIPPED' }) }))).toBe(0);
    expect(exitCodeOf(runEndOf({ result: result({ outcome: 'REJECTED' }) }))).toBe(1);
    const failed = result({ outcome: 'FAILED', reason: 'TRAIN failed: boom' });
    const failure = new WorkflowFailedError(
      'failed',
      ApplicationFailure.create({ message: 'x', details: [failed] }),
      RetryState.NON_RETRYABLE_FAILURE
    );
    expect(exitCodeOf(runEndOf({ error: failure }))).toBe(1);
    const terminated = runEndOf({
      error: new WorkflowFailedError(
        'terminated',
        new TerminatedFailure('by operator'),
        RetryState.NON_RETRYABLE_FAILURE
      ),
    });
    expect(formatRunEnd(terminated, 'retrain-shop')[0]).toBe('Run retrain-shop: TERMINATED – by operator');
    expect(exitCodeOf(terminated)).toBe(1);
    expect(() => runEndOf({ error: new Error('connection reset') })).toThrow('connection reset');
  });
});

describe('exit codes of errors', () => {
  test('cannot reach Temporal: code 6 with the address and what to do', () => {
    const e = exitFor(new TemporalUnreachableError('localhost:7233', 'connection refused: nothing listens there'));
    expect(e.code).toBe(6);
    expect(e.message).toMatch(/^cannot reach Temporal at localhost:7233 \(connection refused/);
    expect(e.message).toMatch(/npm start -- --keep/);
    expect(e.message).toMatch(/TEMPORAL_ADDRESS/);
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'x',
      metadata: {},
    });
    expect(exitFor(grpc, '10.0.0.1:7233')).toMatchObject({
      code: 6,
      message: expect.stringMatching(/cannot reach Temporal at 10\.0\.0\.1:7233/),
    });
  });

  test('a missing schedule or run names it', () => {
    expect(exitFor(new ScheduleNotFoundError('workflow execution already completed', 'retrain-shop-daily'))).toEqual({
      code: 4,
      message: 'schedule retrain-shop-daily not found: it was deleted or never created; "schedule apply" creates it',
    });
    expect(exitFor(new WorkflowNotFoundError('not found', 'retrain-x', undefined))).toEqual({
      code: 4,
      message: 'no run with workflow id retrain-x',
    });
  });
});

test('run dates: YYYY-MM-DD, today, yesterday, N days ago; anything else is refused', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  expect(resolveRunDate('2026-11-20', now)).toBe('2026-11-20');
  expect(resolveRunDate('yesterday', now)).toBe('2026-11-30');
  expect(resolveRunDate('today', now)).toBe('2026-12-01');
  expect(resolveRunDate('3 days ago', now)).toBe('2026-11-28');
  expect(resolveRunDate('1 day ago', now)).toBe('2026-11-30');
  expect(resolveRunDate('2026-02-30', now)).toBeUndefined();
  expect(resolveRunDate('last week', now)).toBeUndefined();
});

test('npm start numbers its runs of a date: start1, start2, … after the highest recorded', () => {
  expect(nextStartSuffix([], 'demo', '2026-11-30')).toBe('start1');
  expect(
    nextStartSuffix(
      [
        'demo-2026-11-30-start1.json',
        'demo-2026-11-30-start3.json',
        'demo-2026-11-29-start7.json',
        'demo-2026-11-30.json',
        'last-trained.json',
      ],
      'demo',
      '2026-11-30'
    )
  ).toBe('start4');
});

test('the Web UI details are a heading and a markdown list apart from it, with readable labels', () => {
  const md = currentDetails('shop', '2026-11-23', {
    phase: 'TRAIN',
    lastStatus: 'CREATE IN_PROGRESS',
    jobs: { importJobArn: 'arn:imp', solutionVersionArn: 'arn:sv', previousSolutionVersionArn: null },
    stats: { rows: 25000, users: 900, usersWith2Plus: 700, items: 300, maxTimestamp: 1, invalidRows: 0 },
  });
  const [head, blank, ...items] = md.split('\n');
  expect(head).toBe('**shop** run for 2026-11-23: **TRAIN** (CREATE IN_PROGRESS)');
  expect(blank).toBe('');
  expect(items).toEqual([
    '- dataset import job: `arn:imp`',
    '- solution version (candidate): `arn:sv`',
    '- deployed before this run: nothing (first deployment)',
    '- interactions: 25000 rows, 900 users, 300 items',
  ]);
  expect(currentDetails('shop', '2026-11-23', { phase: 'STARTING', jobs: {} })).toBe(
    '**shop** run for 2026-11-23: **STARTING**'
  );
});
