import { nextPollDelayMs, pollsFor, stageInitial, toWaitSchedule, DEFAULT_POLL } from '../../workflows/wait-schedule';
import { toMs } from '../../workflows/duration';

const HOUR = 3_600_000;
const schedule = toWaitSchedule({ initial: '15s', fraction: 0.1, max: '1h' }); // 15 s, a tenth of the elapsed time, at most an hour

describe('wait schedule', () => {
  test('starts at the initial wait', () => {
    expect(nextPollDelayMs(0, schedule)).toBe(15_000);
    expect(nextPollDelayMs(100_000, schedule)).toBe(15_000);
  });

  test('grows with a tenth of the time already waited', () => {
    expect(nextPollDelayMs(600_000, schedule)).toBe(60_000);
    expect(nextPollDelayMs(2 * HOUR, schedule)).toBe(12 * 60_000);
  });

  test('is capped at the maximum', () => {
    expect(nextPollDelayMs(20 * HOUR, schedule)).toBe(HOUR);
    expect(nextPollDelayMs(48 * HOUR, schedule)).toBe(HOUR);
  });

  test('never sleeps past the deadline', () => {
    expect(nextPollDelayMs(20 * HOUR, schedule, 5_000)).toBe(5_000);
  });

  test('the delay in noticing completion stays a small fraction of the job age', () => {
    for (let elapsed = 0; elapsed < 48 * HOUR; elapsed += 7 * 60_000) {
      const delay = nextPollDelayMs(elapsed, schedule);
      expect(delay).toBeLessThanOrEqual(Math.max(15_000, Math.min(HOUR, 0.1 * elapsed)) + 1);
    }
  });

  test('a 48-hour training costs about a hundred checks, not thousands', () => {
    const polls = pollsFor(48 * HOUR, schedule);
    expect(polls).toBeGreaterThan(50);
    expect(polls).toBeLessThan(120);
    // A fixed one-minute poll would need 2,880.
    expect(pollsFor(48 * HOUR, toWaitSchedule({ initial: '1m', fraction: 0, max: '1m' }))).toBe(2881);
  });

  test('each stage has its own first wait; a single value applies to all', () => {
    expect(stageInitial(DEFAULT_POLL, 'query')).toBe('2s');
    expect(stageInitial(DEFAULT_POLL, 'training')).toBe('2m');
    expect(stageInitial({ ...DEFAULT_POLL, initial: { training: '5m' } }, 'training')).toBe('5m');
    expect(stageInitial({ ...DEFAULT_POLL, initial: { training: '5m' } }, 'deploy')).toBe('30s');
    expect(stageInitial({ ...DEFAULT_POLL, initial: '1s' }, 'import')).toBe('1s');
    expect(toWaitSchedule(DEFAULT_POLL, 'query').initialMs).toBe(2_000);
  });

  test('defaults: a 48-hour training takes under 80 checks, each noticed within 20 % of its age', () => {
    const training = toWaitSchedule(DEFAULT_POLL, 'training');
    expect(pollsFor(48 * HOUR, training)).toBeLessThan(75);
    expect(nextPollDelayMs(4 * HOUR, training)).toBe(0.2 * 4 * HOUR);
  });

  test('rejects nonsense settings', () => {
    expect(() => toWaitSchedule({ initial: '0s', fraction: 0.1, max: '1h' })).toThrow(/initial/);
    expect(() => toWaitSchedule({ initial: '15s', fraction: 2, max: '1h' })).toThrow(/fraction/);
    expect(() => toWaitSchedule({ initial: '2h', fraction: 0.1, max: '1h' })).toThrow(/max/);
  });

  test('durations parse as Temporal writes them', () => {
    expect(toMs('15s')).toBe(15_000);
    expect(toMs('2 hours')).toBe(2 * HOUR);
    expect(toMs('48h')).toBe(48 * HOUR);
    expect(toMs('1d')).toBe(24 * HOUR);
    expect(toMs(250)).toBe(250);
    expect(() => toMs('soon')).toThrow(/invalid duration/);
  });
});
