/**
 * The gateway on loopback with a real local event log and a scripted Temporal client: a request is
 * acknowledged only once its events are durable in the log (a failing append answers 503; a failing
 * signal does not matter), concurrent requests share one append, limits are checked at the door
 * with the field and the limit, and a repeated messageId is appended once, also after a restart.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createGateway, type Gateway } from '../../client/gateway/server';
import { parseConfig } from '../../common/config';
import { LocalEventLog } from '../../activities/local/event-log';
import type { EventLog, LogRecord, SegmentRef } from '../../activities/ports';

const KEY = 'write-key-0123456789';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'po-gateway-'));
const config = parseConfig(`temporal:
  taskQueue: gw
local:
  dataDir: ${dir}
pipelines:
  - name: shop
    backend: local
    source: { kind: pinpoint, eventsPrefix: data/events/ }
    workPrefix: data/work/
    realtime:
      writeKeys: [${KEY}]
      microBatchMs: 50
      customMappings: [{ from: ITEM_ID, to: product_id }]
`);

let signal: (refs: SegmentRef[]) => Promise<void> = async () => undefined;
const signalled: SegmentRef[] = [];
const client = {
  workflow: {
    signalWithStart: async (_type: string, opts: { signalArgs: [SegmentRef[]] }) => {
      await signal(opts.signalArgs[0]);
      signalled.push(...opts.signalArgs[0]);
    },
  },
} as unknown as Client;

const log = new LocalEventLog(path.join(dir, 'log'));
let failAppend = false;
const flaky: EventLog = Object.assign(Object.create(log) as EventLog, {
  append: (records: LogRecord[], opts?: { shard?: number }) => (failAppend ? Promise.reject(new Error('disk full')) : log.append(records, opts)),
});

async function start(logOf: EventLog = flaky): Promise<{ gateway: Gateway; url: string }> {
  const gateway = createGateway({ client, config, logOf: () => logOf, limits: { bodyBytes: 64 * 1024, batchEvents: 50, bodyTimeoutMs: 1500 } });
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  return { gateway, url: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}` };
}
async function stop(g: Gateway): Promise<void> {
  g.server.closeAllConnections();
  await new Promise((r) => g.server.close(r));
}

let gw: { gateway: Gateway; url: string };
beforeAll(async () => {
  gw = await start();
});
afterAll(async () => {
  await stop(gw.gateway);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(p: string, body: unknown, url = gw.url): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const track = (id: string, extra: Record<string, unknown> = {}) => ({ messageId: id, event: 'View', userId: 'u1', timestamp: '2026-11-23T10:00:00Z', properties: { product_id: 'i1' }, ...extra });

async function logged(): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (const ref of await log.list({ limit: 10_000 })) out.push(...(await log.read(ref)));
  return out;
}

test('acknowledged means in the log; a failed append is a 503 and nothing of it is acknowledged; a failed signal changes nothing', async () => {
  failAppend = true;
  expect((await post('/v1/track', track('a-1'))).status).toBe(503);
  failAppend = false;
  signal = async () => {
    throw new Error('server unavailable');
  };
  expect(await post('/v1/track', track('a-2'))).toEqual({ status: 200, body: { success: true, received: 1 } });
  const ids = (await logged()).map((r) => r.messageId);
  expect(ids).toContain('a-2');
  expect(ids).not.toContain('a-1');
  signal = async () => undefined;
  await new Promise((r) => setTimeout(r, 5200)); // the notifier pauses after a failed signal
  // The retry of a-1 is accepted now, and its segment is signalled by reference.
  expect((await post('/v1/track', track('a-1'))).status).toBe(200);
  await Promise.all(gw.gateway.notifiers().map((n) => n.settled()));
  const ref = signalled.at(-1)!;
  expect(ref).toEqual({ uri: expect.stringMatching(/events\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{13}-s0-.*\.jsonl$/), count: 1, bytes: expect.any(Number) });
  expect((await log.read(ref)).map((r) => r.messageId)).toEqual(['a-1']);
}, 20_000);

test('concurrent requests share one durable append', async () => {
  const before = (await log.list({ limit: 10_000 })).length;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => post('/v1/track', track(`c-${n}`))));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  const segments = (await log.list({ limit: 10_000 })).length - before;
  expect(segments).toBeGreaterThanOrEqual(1);
  expect(segments).toBeLessThanOrEqual(10); // 20 requests, a 50 ms window: far fewer appends than requests, even on a loaded machine
});

test('a missing timestamp is the time received, and the record says so', async () => {
  const t0 = Date.now();
  expect((await post('/v1/track', { messageId: 'ts-1', event: 'View', userId: 'u1', properties: { product_id: 'i1' } })).status).toBe(200);
  const rec = (await logged()).find((r) => r.messageId === 'ts-1')!;
  expect(rec.timestampDefaulted).toBe(true);
  expect(rec.timestamp).toBe(rec.receivedAt);
  expect(Date.parse(rec.timestamp as string)).toBeGreaterThanOrEqual(t0 - 1000);
  expect((await logged()).find((r) => r.messageId === 'c-1')!.timestampDefaulted).toBeUndefined();
});

test('a repeated messageId is acknowledged but appended once, also by a restarted gateway', async () => {
  expect((await post('/v1/batch', { batch: [{ type: 'track', ...track('d-1') }, { type: 'track', ...track('d-1') }] })).body).toEqual({ success: true, received: 2 });
  expect((await post('/v1/track', track('d-1'))).status).toBe(200);
  const restarted = await start();
  try {
    await restarted.gateway.seed();
    expect((await post('/v1/track', track('d-1'), restarted.url)).status).toBe(200);
  } finally {
    await stop(restarted.gateway);
  }
  expect((await logged()).filter((r) => r.messageId === 'd-1')).toHaveLength(1);
});

describe('limits at the door', () => {
  test('ids over the Personalize lengths, with the field and the limit', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'track', ...track('x'.repeat(257)) },
        { type: 'track', ...track('l-2', { userId: 'u'.repeat(257) }) },
        { type: 'track', ...track('l-3', { properties: { product_id: 'i'.repeat(257) } }) },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.events).toEqual([
      { index: 0, errors: [{ field: 'messageId', reason: '257 characters; at most 256', limit: 256 }] },
      { index: 1, messageId: 'l-2', errors: [{ field: 'userId', reason: '257 characters; at most 256' }, { field: 'sessionId', reason: '257 characters; at most 256' }] },
      { index: 2, messageId: 'l-3', errors: [{ field: 'itemId', reason: '257 characters; at most 256' }] },
    ]);
  });
  test('an event over the size limit, a batch over the count limit, a body over the byte limit', async () => {
    const big = await post('/v1/track', track('s-1', { properties: { product_id: 'i1', blob: 'x'.repeat(41 * 1024) } }));
    expect(big.status).toBe(400);
    expect(big.body.events).toEqual([{ index: 0, messageId: 's-1', errors: [{ field: '(event)', reason: expect.stringMatching(/^\d+ bytes as JSON; at most 40960$/), limit: 40960 }] }]);
    const many = await post('/v1/batch', { batch: Array.from({ length: 51 }, (_, n) => ({ type: 'track', ...track(`m-${n}`) })) });
    expect(many).toEqual({ status: 413, body: { error: '51 events in one batch; at most 50', field: 'batch', limit: 50 } });
    const body = await post('/v1/batch', { batch: Array.from({ length: 40 }, (_, n) => ({ type: 'track', ...track(`b-${n}`, { properties: { product_id: 'x', pad: 'p'.repeat(2000) } }) })) });
    expect(body.status).toBe(413);
    expect(body.body).toMatchObject({ field: '(body)', limit: 65536 });
    expect((await logged()).some((r) => /^(s|m|b)-/.test(r.messageId))).toBe(false);
  });
  test('a streamed body without a length is cut off at the byte limit with a 413', async () => {
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const { port } = new URL(gw.url);
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/track', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.write(`{"messageId":"chunked-1","event":"View","userId":"u1","properties":{"product_id":"i1","pad":"`);
      for (let i = 0; i < 70; i++) req.write('p'.repeat(1024)); // chunked: no content-length, over 64 KB
      req.end('"}}');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ field: '(body)', limit: 65536 });
    expect((await logged()).some((r) => r.messageId === 'chunked-1')).toBe(false);
  });
  test('JSON nested too deep is a 400, not a 503', async () => {
    const deep = `{"messageId":"deep","event":"View","userId":"u1","properties":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const res = await post('/v1/track', deep);
    expect(res).toEqual({ status: 400, body: { error: 'the body is nested more than 32 levels deep', field: '(body)', limit: 32 } });
  });
  test('a body that trickles in is cut off by the body timeout', async () => {
    const { port } = new URL(gw.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from(`${KEY}:`).toString('base64')}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
        const drip = setInterval(() => socket.write(' '), 200);
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('close', () => {
          clearInterval(drip);
          resolve(text);
        });
        socket.on('error', (e) => (clearInterval(drip), reject(e)));
      });
      setTimeout(() => reject(new Error('the connection was not cut off within 8 s')), 8000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(4000);
  }, 10_000);
  test('auth and routes', async () => {
    const res = await fetch(`${gw.url}/v1/track`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect((await post('/v1/alias', {})).status).toBe(404);
    expect((await post('/v1/track', '{not json')).status).toBe(400);
  });
});
