import { atMostEvery } from '../../activities/heartbeat';

test('beats at once, then at most once per interval, with the details of the call that beats', () => {
  let now = 1_000;
  const beats: number[] = [];
  const beat = atMostEvery(1_000, (n: number) => beats.push(n), () => now);
  beat(1);
  now += 400;
  beat(2);
  now += 599;
  beat(3);
  now += 1;
  beat(4);
  now += 5_000;
  beat(5);
  expect(beats).toEqual([1, 4, 5]);
});
