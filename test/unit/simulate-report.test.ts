import { yTicks, lineChartSvg } from '../../client/simulate/chart';
import { figuresOf, type DayResult } from '../../client/simulate/loop';
import { simulationOptions } from '../../client/simulate/main';
import { meanNdcg, nextDayTruth, requestSize, Seen, topUnseen } from '../../client/simulate/evaluate';
import type { WorldEvent } from '../../activities/local/generator/world';

const day = (
  n: number,
  loop: number,
  stale: number,
  oracle: number,
  outcome: DayResult['outcome'] = 'SUCCEEDED',
  poisoned = false
): DayResult => ({
  day: n,
  date: `2026-03-0${n}`,
  poisoned,
  outcome,
  reason: '',
  gateChange: null,
  gateCheck: null,
  gateBasis: null,
  trainedThrough: null,
  trainsOnPoison: false,
  servedVersion: null,
  interactions: 0,
  users: 1,
  ndcg: { loop, stale, oracle },
  seconds: { run: 0, evaluate: 0 },
});

test("figures: means over days of the ratios to the oracle; the poisoned day's gate decision", () => {
  const f = figuresOf([
    day(1, 0.2, 0.2, 0.2),
    day(2, 0.1, 0.05, 0.2, 'REJECTED', true),
    day(3, 0.3, 0.1, 0.3),
    day(4, 0, 0, 0),
  ]);
  expect(f.loopVsOracle).toBeCloseTo((1 + 0.5 + 1) / 3, 12); // day 4: the oracle scored nothing, left out
  expect(f.staleVsOracle).toBeCloseTo((1 + 0.25 + 1 / 3) / 3, 12);
  expect(f.poisonedDayRejected).toBe(1);
  expect(figuresOf([day(1, 1, 1, 1, 'SUCCEEDED', true)]).poisonedDayRejected).toBe(0);
  expect(figuresOf([day(1, 1, 1, 1)]).poisonedDayRejected).toBeNull();
});

test('with a holdout the run judged on the poisoned day is the first one that trains on it, and its check is reported', () => {
  const held = { ...day(2, 0.2, 0.1, 0.2, 'SUCCEEDED', true) };
  const next = { ...day(3, 0.2, 0.1, 0.2, 'REJECTED'), trainsOnPoison: true, gateCheck: 'deployed' as const };
  const f = figuresOf([day(1, 0.2, 0.2, 0.2), held, next]);
  expect(f.poisonedDayRejected).toBe(1);
  expect(f.poisonedDayCheck).toBe('deployed');
  expect(figuresOf([day(1, 0.2, 0.2, 0.2), held, { ...next, outcome: 'SUCCEEDED' }]).poisonedDayRejected).toBe(0);
});

test('next-day truth: real users, positive events of scored types, items they had not seen', () => {
  const ev = (userId: string, itemId: string, event = 'Product Viewed'): WorldEvent => ({
    userId,
    itemId,
    event,
    at: 0,
    sessionId: 's',
    messageId: `${userId}${itemId}${event}`,
  });
  const scoring = { 'Product Viewed': 1, Unsubscribed: -1 };
  const seen = new Seen();
  seen.add([ev('u1', 'a'), ev('u1', 'z', 'Not Scored')], scoring);
  const truth = nextDayTruth(
    [
      ev('u1', 'a'),
      ev('u1', 'b'),
      ev('u1', 'z'),
      ev('u1', 'c', 'Unsubscribed'),
      ev('u1', 'd', 'Not Scored'),
      ev('bot-1', 'b'),
      ev('u2', 'b'),
    ],
    seen,
    (u) => u.startsWith('bot-'),
    scoring
  );
  expect([...truth.entries()].map(([u, s]) => [u, [...s]])).toEqual([
    ['u1', ['b', 'z']],
    ['u2', ['b']],
  ]);
});

test('every policy is asked for 10 + what the user saw, and cut to the 10 best unseen', async () => {
  const seen = new Seen();
  seen.add([{ userId: 'u', itemId: 'i1', event: 'v', at: 0, sessionId: 's', messageId: 'm' }], { v: 1 });
  expect(requestSize(seen.of('u'))).toBe(11);
  expect(requestSize(new Set(Array.from({ length: 900 }, (_, k) => `x${k}`)))).toBe(500);
  const asked: number[] = [];
  const policy = (_u: string, n: number) => {
    asked.push(n);
    return Array.from({ length: n }, (_, k) => `i${k + 1}`);
  };
  expect(await topUnseen(policy, 'u', seen.of('u'))).toEqual([
    'i2',
    'i3',
    'i4',
    'i5',
    'i6',
    'i7',
    'i8',
    'i9',
    'i10',
    'i11',
  ]);
  expect(asked).toEqual([11]);
  const truth = new Map([['u', new Set(['i2'])]]);
  expect(await meanNdcg(policy, truth, seen)).toBe(1);
});

test('the command line: the middle day poisoned unless named; none turns it off', () => {
  const base = { days: 14, seed: 1, users: 100, items: 50, server: 'dev' as const, out: '/tmp/x', bench: false };
  expect(simulationOptions({ ...base, poison: 'bot-burst' }).poison).toEqual({ day: 7, kind: 'bot-burst' });
  expect(simulationOptions({ ...base, poison: 'one-event-type', poisonDay: 3 }).poison).toEqual({
    day: 2,
    kind: 'one-event-type',
  });
  expect(simulationOptions({ ...base, poison: 'none' }).poison).toBeNull();
  expect(() => simulationOptions({ ...base, poison: 'bot-burst', poisonDay: 15 })).toThrow(/--poison-day/);
  expect(simulationOptions({ ...base, poison: 'none' }).world).toMatchObject({ seed: 1, users: 100, items: 50 });
});

test('chart: round y ticks, one polyline per series, marks and hollow points', () => {
  expect(yTicks(0.23)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25]);
  expect(yTicks(0)).toEqual([0, 1]);
  const svg = lineChartSvg({
    title: 'a < b',
    xLabel: 'day',
    yLabel: 'v',
    xTicks: ['1', '2', '3'],
    series: [
      { name: 'one', values: [0.1, 0.2, 0.15], color: 'red', hollow: [1] },
      { name: 'two', values: [0.05, Number.NaN, 0.1], color: 'blue' },
    ],
    marks: [{ at: 1, label: 'here' }],
  });
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).toContain('a &lt; b');
  expect(svg.match(/<polyline/g)).toHaveLength(2);
  expect(svg.match(/<circle/g)).toHaveLength(5); // the NaN point is not drawn
  expect(svg.match(/fill="white" stroke="red"/g)).toHaveLength(1);
  expect(svg).toContain('>here</text>');
});
