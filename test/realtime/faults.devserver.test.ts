/**
 * Fault suite of the real-time path on a dev server, the gateway and the worker as real processes:
 * events arrive while no worker runs; the worker and then the gateway are SIGKILLed mid-stream;
 * payloads at the API maximums; a poisoned record among good ones. Each case counts, by
 * messageId, what the sink received (duplicates included): every acknowledged event exactly once,
 * and the poisoned one dead-lettered with its reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startKillableDevServer, type KillableDevServer } from '../helpers/dev-server-process';
import { prebuiltBundle } from '../e2e/fault-harness';
import { LocalEventLog } from '../../activities/local/event-log';
import { localLogRoot } from '../../worker/realtime-backend';
import { createRealtimeStack, sendAll, sinkCounts, trackRequests, waitForSink, type RealtimeStack, type Request } from './realtime-stack';

let server: KillableDevServer;
let bundlePath: string;
let scratch: string;
const stacks: RealtimeStack[] = [];

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'po-rt-faults-'));
  server = await startKillableDevServer(path.join(scratch, 'server'));
  bundlePath = await prebuiltBundle(scratch);
}, 120_000);
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.stop();
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function stack(name: string, realtimeYaml?: string, sinkDelayMs?: number): Promise<RealtimeStack> {
  const s = await createRealtimeStack(name, { address: server.address, bundlePath, realtimeYaml, sinkDelayMs });
  stacks.push(s);
  return s;
}

/** Every acknowledged key exactly once in the sink, and nothing that was not acknowledged but sent. */
function expectExactlyOnce(counts: Map<string, number>, acked: Set<string>): void {
  const lost = [...acked].filter((k) => !counts.has(k));
  const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  expect({ lost: lost.length, twice: twice.length, firstTwice: twice.slice(0, 3) }).toEqual({ lost: 0, twice: 0, firstTwice: [] });
}

test('events accepted while no worker runs are delivered once each when it starts', async () => {
  const s = await stack('outage');
  await s.startGateway();
  const requests = [...trackRequests(1000, { perRequest: 1, prefix: 'o1-' }), ...trackRequests(1000, { perRequest: 50, prefix: 'o50-' })];
  const sent = await sendAll(s.url, requests, { concurrency: 8, deadlineMs: 30_000 });
  expect(sent.acked.size).toBe(2000);
  expect(sinkCounts(s.sinkFile).size).toBe(0);
  await s.startWorker();
  expectExactlyOnce(await waitForSink(s.sinkFile, sent.acked, 30_000), sent.acked);
}, 90_000);

test('the worker and then the gateway SIGKILLed mid-stream: nothing acknowledged lost, nothing delivered twice', async () => {
  // 3 ms per call, as a remote API takes: the worker is killed in the middle of a delivery.
  const s = await stack('kills', undefined, 3);
  await s.startGateway();
  await s.startWorker();
  // The gateway may die between a durable append and its signal: the sweep hands such segments over.
  await s.applySweep();
  const total = 4000;
  const requests = trackRequests(total, { perRequest: 10, prefix: 'k-' });
  let workerKilled: Promise<void> | undefined;
  let gatewayKilled: Promise<void> | undefined;
  const sent = await sendAll(s.url, requests, {
    concurrency: 8,
    deadlineMs: 60_000,
    onAcked: (n) => {
      if (n >= total / 4 && !workerKilled) workerKilled = s.kill('worker').then(() => s.startWorker());
      if (n >= total / 2 && !gatewayKilled) gatewayKilled = s.kill('gateway').then(() => s.startGateway());
    },
  });
  await workerKilled;
  await gatewayKilled;
  expect(sent.retries).toBeGreaterThan(0); // the gateway's death was seen by the clients
  expect(sent.acked.size).toBe(total);
  expectExactlyOnce(await waitForSink(s.sinkFile, sent.acked, 45_000), sent.acked);
}, 120_000);

test('payloads at the API maximums: 256-character ids, 1,024-character event properties, 24,000-character user properties, 480 KB requests', async () => {
  const s = await stack('maximums', '      customMappings: [{ from: ITEM_ID, to: product_id }, { from: BIO, to: bio }]\n');
  await s.startGateway();
  await s.startWorker();
  const id = (prefix: string, n: number) => `${prefix}${n}-`.padEnd(256, 'x');
  // {"bio":"…"} is exactly 1,024 characters as JSON; the user's is exactly 24,000.
  const tracks: Request[] = trackRequests(60, { perRequest: 20, prefix: 'max-', extra: (j) => ({ messageId: id('max-', j), userId: id('u', j), anonymousId: id('a', j), properties: { product_id: id('i', j), bio: 'b'.repeat(1024 - 10) } }) });
  const identifies: Request[] = [];
  for (let i = 0; i < 60; i += 19) {
    const batch = Array.from({ length: Math.min(19, 60 - i) }, (_, k) => ({ type: 'identify', messageId: `idn-${i + k}`, userId: id('user', i + k), traits: { bio: 't'.repeat(24_000 - 10) } }));
    identifies.push({ path: '/v1/batch', body: JSON.stringify({ batch }), keys: batch.map((b) => `user:${b.userId}`) });
  }
  expect(Math.max(...identifies.map((r) => Buffer.byteLength(r.body)))).toBeGreaterThan(450 * 1024);
  const sent = await sendAll(s.url, [...tracks, ...identifies], { concurrency: 4, deadlineMs: 30_000 });
  expect(sent.acked.size).toBe(120);
  expectExactlyOnce(await waitForSink(s.sinkFile, sent.acked, 30_000), sent.acked);
}, 90_000);

test('a poisoned record among good ones is dead-lettered with its reason; the others are delivered once', async () => {
  const s = await stack('poison');
  await s.startGateway();
  await s.startWorker();
  const requests = trackRequests(200, { perRequest: 50, prefix: 'p-', extra: (j) => (j === 77 ? { event: 'poison', anonymousId: 'anon-27', userId: 'u27' } : {}) });
  const sent = await sendAll(s.url, requests, { concurrency: 4, deadlineMs: 30_000 });
  const good = new Set([...sent.acked].filter((k) => k !== 'p-77'));
  expectExactlyOnce(await waitForSink(s.sinkFile, good, 30_000), good);
  expect(sinkCounts(s.sinkFile).has('p-77')).toBe(false);
  const log = new LocalEventLog(localLogRoot(s.config, s.config.pipelines[0]!));
  const files = await log.listDeadLetters();
  const letters = (await Promise.all(files.map((f) => log.readDeadLetters(f)))).flat();
  expect(letters).toEqual([expect.objectContaining({ message: expect.objectContaining({ messageId: 'p-77', event: 'poison' }), reason: 'InvalidInputException: Event eventType "poison" is not accepted' })]);
}, 90_000);
