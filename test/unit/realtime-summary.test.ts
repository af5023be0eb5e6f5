/** The summary's real-time line: counted on the local backend, "not reported" on Personalize, absent without a training. */
import type { RetrainResult } from '../../common/types';
import { formatSummary, realtimeLine } from '../../client/summary';

const run: RetrainResult = {
  outcome: 'SUCCEEDED',
  reason: 'promoted',
  pipeline: 'shop',
  runDate: '2026-12-01',
  runKey: 'shop-2026-12-01',
  jobs: { solutionVersionArn: 'arn:aws:personalize:local:000000000000:solution/shop/0a1b2c3d' },
  timings: [],
  durationMs: 1,
};

test('the local count: events, then item / user records when there are any', () => {
  const lines = formatSummary({ ...run, realtimeInTraining: { reported: true, events: 1234, items: 12, users: 3 } });
  expect(lines).toContain('  real-time        training included 1,234 real-time events (PutEvents) and 12 item / 3 user records (recorded, not trained on locally)');
  expect(realtimeLine({ ...run, realtimeInTraining: { reported: true, events: 1, items: 0, users: 0 } })).toBe('training included 1 real-time event (PutEvents)');
  expect(realtimeLine({ ...run, realtimeInTraining: { reported: true, events: 0, items: 0, users: 0 } })).toBe('training included no real-time events (PutEvents)');
  expect(realtimeLine({ ...run, realtimeInTraining: { reported: true, events: 5, unusable: 2, items: 0, users: 1 } })).toBe(
    'training included 5 real-time events (PutEvents), 2 events without a user or item left out and 0 item / 1 user records (recorded, not trained on locally)'
  );
});

test('Personalize: no number is made up', () => {
  const lines = formatSummary({ ...run, realtimeInTraining: { reported: false } });
  expect(lines).toContain('  real-time        events in the training not reported by Personalize');
  expect(lines.join('\n')).not.toMatch(/real-time\s+training included/);
});

test('a run that did not train (skipped, reused version) has no real-time line', () => {
  const lines = formatSummary({ ...run, outcome: 'SKIPPED', reason: 'too few new interactions', jobs: {} });
  expect(lines.some((l) => l.includes('real-time'))).toBe(false);
});
