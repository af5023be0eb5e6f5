/** A pipeline without a real-time section says nothing about real-time records unless some were counted. */
import { withoutIdleRealtime } from '../../activities';

const counted = (events: number) => ({ status: 'ACTIVE', realtimeInTraining: { reported: true as const, events, items: 0, users: 0 } });

test('with a real-time section every count is kept, zero and "not reported" too', () => {
  expect(withoutIdleRealtime(counted(0), true)).toEqual(counted(0));
  expect(withoutIdleRealtime({ status: 'ACTIVE', realtimeInTraining: { reported: false } }, true).realtimeInTraining).toEqual({ reported: false });
});

test('without one: zero and "not reported" are left out, records found in the log are kept', () => {
  expect(withoutIdleRealtime(counted(0), false)).toEqual({ status: 'ACTIVE' });
  expect(withoutIdleRealtime({ status: 'ACTIVE', realtimeInTraining: { reported: false } }, false)).toEqual({ status: 'ACTIVE' });
  expect(withoutIdleRealtime(counted(3), false)).toEqual(counted(3));
});
