import { mockClient } from 'aws-sdk-client-mock';
import { InvalidInputException, PersonalizeEventsClient, PutEventsCommand, PutItemsCommand, PutUsersCommand } from '@aws-sdk/client-personalize-events';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { deliverAsActivity, deliverRecords, groupForDelivery, RetryableDeliveryError, type DeadLetter, type DeliveryProgress } from '../../activities/realtime/delivery';
import { PersonalizeEventsSink } from '../../activities/aws/personalize-events-sink';
import type { EventRecord, ItemRecord, PersonalizeRecord } from '../../activities/realtime/mapping';

const mock = mockClient(PersonalizeEventsClient);
const sink = new PersonalizeEventsSink(new PersonalizeEventsClient({ region: 'us-east-1' }));
const ITEMS = 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/ITEMS';
beforeEach(() => mock.reset());

function ev(session: string, n: number, user?: string): EventRecord {
  return { kind: 'event', trackingId: 't-1', sessionId: session, ...(user ? { userId: user } : {}), event: { eventId: `${session}-${n}`, eventType: 'click', sentAt: 1_795_000_000_000 + n, itemId: `i${n}` } };
}
const item = (n: number): ItemRecord => ({ kind: 'item', datasetArn: ITEMS, item: { itemId: `i${n}` } });

function collect() {
  const letters: DeadLetter[] = [];
  return { letters, store: { put: async (l: DeadLetter[]) => void letters.push(...l) } };
}
const noSleep = async () => undefined;

test('groups events by tracking id, session and user, at most 10 per call, keeping order', () => {
  const records: PersonalizeRecord[] = [...Array.from({ length: 23 }, (_, n) => ev('s1', n, 'u1')), ev('s2', 0), ev('s1', 99, 'u1'), item(1), item(2)];
  const batches = groupForDelivery(records);
  expect(batches.map((b) => `${b.kind}:${b.records.length}`)).toEqual(['event:10', 'event:10', 'event:4', 'event:1', 'item:2']);
  expect((batches[2]!.records as EventRecord[]).map((r) => r.event.eventId)).toEqual(['s1-20', 's1-21', 's1-22', 's1-99']);
});

test('sessioned traffic: 25 events of one session cost 3 calls (RudderStack: 25)', async () => {
  mock.on(PutEventsCommand).resolves({});
  const { store } = collect();
  const report = await deliverRecords(Array.from({ length: 25 }, (_, n) => ev('s1', n, 'u1')), { sink, deadLetters: store, sleep: noSleep });
  expect(report).toEqual({ calls: 3, delivered: 25, deadLettered: 0 });
  const first = mock.commandCalls(PutEventsCommand)[0]!.args[0].input;
  expect(first).toMatchObject({ trackingId: 't-1', sessionId: 's1', userId: 'u1' });
  expect(first.eventList).toHaveLength(10);
  expect(first.eventList![0]!.sentAt).toEqual(new Date(1_795_000_000_000));
  expect(first.eventList![0]!.eventId).toBe('s1-0');
});

test('throttling is retried with backoff, then delivered', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  mock.on(PutEventsCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({});
  const waits: number[] = [];
  const { store, letters } = collect();
  const report = await deliverRecords([ev('s1', 1)], { sink, deadLetters: store, sleep: async (ms) => void waits.push(ms), baseDelayMs: 100 });
  expect(report.delivered).toBe(1);
  expect(waits).toEqual([100, 200]);
  expect(letters).toHaveLength(0);
});

test('AWS staying throttled gives the batch back to Temporal to retry (nothing dropped)', async () => {
  mock.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
  await expect(deliverRecords([ev('s1', 1)], { sink, deadLetters: collect().store, sleep: noSleep, retries: 2 })).rejects.toBeInstanceOf(RetryableDeliveryError);
});

test('a call refused for good is split: the good records go through, the bad one is dead-lettered with its reason', async () => {
  mock.on(PutEventsCommand).callsFake((input: { eventList: { eventId: string }[] }) => {
    if (input.eventList.some((e) => e.eventId === 's1-2')) throw new InvalidInputException({ message: 'itemId must not be empty', $metadata: {} });
    return {};
  });
  const { store, letters } = collect();
  const report = await deliverRecords([ev('s1', 1), ev('s1', 2), ev('s1', 3)], { sink, deadLetters: store, sleep: noSleep });
  expect(report).toMatchObject({ delivered: 2, deadLettered: 1 });
  expect(letters).toHaveLength(1);
  expect((letters[0]!.record as EventRecord).event.eventId).toBe('s1-2');
  expect(letters[0]!.reason).toBe('InvalidInputException: itemId must not be empty');
});

test('PutItems/PutUsers are paced to the request-rate quota (10/s per dataset)', async () => {
  mock.on(PutItemsCommand).resolves({});
  const waits: number[] = [];
  await deliverRecords(Array.from({ length: 30 }, (_, n) => item(n)), { sink, deadLetters: collect().store, sleep: async (ms) => void waits.push(ms) });
  expect(mock.commandCalls(PutItemsCommand)).toHaveLength(3);
  expect(waits).toHaveLength(2);
  for (const w of waits) expect(w).toBeGreaterThan(50);
});

test('a retried delivery resumes after the calls AWS already acknowledged (nothing sent twice)', async () => {
  const sessions = ['s1', 's2', 's3'].flatMap((s) => [ev(s, 1), ev(s, 2)]);
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
  mock.on(PutEventsCommand).callsFake((input: { sessionId: string }) => {
    if (input.sessionId === 's2') throw throttled;
    return {};
  });
  const progress: DeliveryProgress[] = [];
  await expect(deliverRecords(sessions, { sink, deadLetters: collect().store, sleep: noSleep, retries: 1, onProgress: (p) => void progress.push(p) })).rejects.toBeInstanceOf(RetryableDeliveryError);
  expect(progress.at(-1)).toEqual({ callsDone: 1, report: { calls: 1, delivered: 2, deadLettered: 0 } });

  mock.reset();
  mock.on(PutEventsCommand).resolves({});
  const report = await deliverRecords(sessions, { sink, deadLetters: collect().store, sleep: noSleep, resume: progress.at(-1) });
  expect(mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.sessionId)).toEqual(['s2', 's3']);
  expect(report).toEqual({ calls: 3, delivered: 6, deadLettered: 0 });
});

test('as an activity: resumes from the last heartbeat, heartbeats each call, and hands lasting throttling to Temporal', async () => {
  mock.on(PutEventsCommand).resolves({});
  const env = new MockActivityEnvironment({ heartbeatDetails: { callsDone: 1, report: { calls: 1, delivered: 1, deadLettered: 0 } } });
  const beats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const report = await env.run(deliverAsActivity, [ev('s1', 1), ev('s2', 1)], { sink, deadLetters: collect().store });
  expect(report).toEqual({ calls: 2, delivered: 2, deadLettered: 0 });
  expect(mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.sessionId)).toEqual(['s2']);
  expect(beats).toEqual([{ callsDone: 2, report }]);

  mock.reset();
  mock.on(PutEventsCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 } }));
  const failed = await new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) })
    .run(deliverAsActivity, [ev('s1', 1)], { sink, deadLetters: collect().store, retries: 1, baseDelayMs: 1 })
    .catch((e: unknown) => e);
  expect(failed).toBeInstanceOf(ApplicationFailure);
  expect((failed as ApplicationFailure).nonRetryable).toBe(false);
  expect((failed as ApplicationFailure).type).toBe('DeliveryThrottled');
});

test('PutUsers: 10 per call; a user refused for good is dead-lettered while the rest of its call is delivered', async () => {
  const USERS = 'arn:aws:personalize:us-east-1:123456789012:dataset/shop/USERS';
  mock.on(PutUsersCommand).callsFake((input: { users: { userId: string }[] }) => {
    if (input.users.some((u) => u.userId === 'u3')) throw new InvalidInputException({ message: 'properties: unknown field', $metadata: {} });
    return {};
  });
  const { store, letters } = collect();
  const users = Array.from({ length: 12 }, (_, n): PersonalizeRecord => ({ kind: 'user', datasetArn: USERS, user: { userId: `u${n}` } }));
  const report = await deliverRecords(users, { sink, deadLetters: store, sleep: noSleep });
  expect(report).toMatchObject({ delivered: 11, deadLettered: 1 });
  expect(mock.commandCalls(PutUsersCommand)[0]!.args[0].input.users).toHaveLength(10);
  expect(letters.map((l) => (l.record as { user: { userId: string } }).user.userId)).toEqual(['u3']);
});
