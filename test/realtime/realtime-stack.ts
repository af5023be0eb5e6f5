/**
 * The real-time stack as separate processes on a dev server, for the fault suite and the
 * benchmark: the gateway (`client/gateway/main.ts`) and a counting worker, each its own Node
 * process so a test can SIGKILL it, plus a load client that retries what was not acknowledged
 * and remembers what was. Everything listens on loopback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../infra/temporal/net';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../common/config';
import { applyRealtimeSweepSchedule } from '../../client/realtime-schedule';
import { HttpConnection, wireRequest } from './http-connection';

export const WRITE_KEY = 'write-key-0123456789';
const ROOT = path.resolve(__dirname, '..', '..');

export interface RealtimeStack {
  dir: string;
  configPath: string;
  config: Config;
  sinkFile: string;
  url: string;
  startGateway(): Promise<void>;
  startWorker(): Promise<void>;
  /** Creates the pipeline's sweep schedule (every `realtime.sweepInterval`, 2 s here). */
  applySweep(): Promise<void>;
  kill(which: 'gateway' | 'worker'): Promise<void>;
  /** Process ids of the running gateway and worker (CPU accounting in the benchmark). */
  pids(): { gateway?: number; worker?: number };
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, text: string, what: string, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${what} did not get ready within ${ms / 1000} s`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ${what} exited (${code ?? signal}) before it was ready`));
    });
  });
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

export async function createRealtimeStack(name: string, opts: { address: string; bundlePath: string; realtimeYaml?: string; sinkDelayMs?: number }): Promise<RealtimeStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `po-rt-${name}-`));
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    configPath,
    `temporal:
  taskQueue: rt-${name}
  address: "${opts.address}"
local:
  dataDir: data
pipelines:
  - name: ${name}
    backend: local
    source: { kind: events, eventsPrefix: data/realtime/${name}/events/ }
    workPrefix: data/work/
    realtime:
      writeKeys: [${WRITE_KEY}]
      sweepInterval: 2s
${opts.realtimeYaml ?? '      customMappings: [{ from: ITEM_ID, to: product_id }]\n'}`
  );
  const config = loadConfig(configPath);
  const sinkFile = path.join(dir, 'sink.txt');
  const port = await freePort();
  let gateway: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  const node = (args: string[], env: Record<string, string> = {}) =>
    spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return {
    dir,
    configPath,
    config,
    sinkFile,
    url: `http://127.0.0.1:${port}`,
    async startGateway() {
      gateway = node([path.join(ROOT, 'client/gateway/main.ts'), '--config', configPath, '--port', String(port)]);
      await waitForLine(gateway, 'gateway listening', 'gateway');
    },
    async startWorker() {
      worker = node([path.join(__dirname, 'counting-worker.ts'), configPath, opts.address, sinkFile], { WORKFLOW_BUNDLE_PATH: opts.bundlePath, SINK_DELAY_MS: String(opts.sinkDelayMs ?? 0) });
      await waitForLine(worker, 'worker ready', 'worker');
    },
    async applySweep() {
      const connection = await Connection.connect({ address: opts.address });
      try {
        await applyRealtimeSweepSchedule(new Client({ connection }), config.pipelines[0]!, config.temporal.taskQueue);
      } finally {
        await connection.close();
      }
    },
    pids() {
      return { gateway: gateway?.pid, worker: worker?.pid };
    },
    async kill(which) {
      await stopProcess(which === 'gateway' ? gateway : worker, 'SIGKILL');
    },
    async stop() {
      await stopProcess(gateway, 'SIGTERM');
      await stopProcess(worker, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** How often each key reached the sink (duplicates counted, never merged). */
export function sinkCounts(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!fs.existsSync(file)) return counts;
  for (const k of fs.readFileSync(file, 'utf8').split('\n')) if (k) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/**
 * The sink file read incrementally: each poll reads only what was appended since the last one
 * (a benchmark polling every few milliseconds must not re-read the whole file each time).
 */
export class SinkTail {
  readonly counts = new Map<string, number>();
  private offset = 0;
  private rest = '';

  constructor(readonly file: string) {}

  /** Reads the lines appended since the last poll; returns the keys seen for the first time. */
  poll(): string[] {
    const fresh: string[] = [];
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fresh;
      throw err;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= this.offset) return fresh;
      const buf = Buffer.allocUnsafe(size - this.offset);
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      this.offset += got;
      const lines = (this.rest + buf.toString('utf8', 0, got)).split('\n');
      this.rest = lines.pop()!; // a line still being written
      for (const k of lines) {
        if (!k) continue;
        const n = this.counts.get(k);
        this.counts.set(k, (n ?? 0) + 1);
        if (n === undefined) fresh.push(k);
      }
      return fresh;
    } finally {
      fs.closeSync(fd);
    }
  }
}

export interface Request {
  path: '/v1/track' | '/v1/identify' | '/v1/batch';
  body: string;
  /** Sink keys of its events. */
  keys: string[];
}

export interface SendResult {
  acked: Set<string>;
  /** Milliseconds from sending to the 200, per acknowledged request (retries not included). */
  ackMs: number[];
  retries: number;
  seconds: number;
}

const AUTH = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;
const wires = new WeakMap<Request, Buffer>();

/** The request's bytes, built once per request (a retry sends the same bytes). */
function wireOf(r: Request, host: string): Buffer {
  let wire = wires.get(r);
  if (!wire) wires.set(r, (wire = wireRequest({ path: r.path, host, headers: { 'content-type': 'application/json', authorization: AUTH }, body: r.body })));
  return wire;
}

/**
 * Sends every request with `concurrency` in flight; a 503 or a broken connection is retried
 * (as a Segment client does) until `deadlineMs`; any other answer but 200 fails the run.
 * `onAcked(n)` sees the running count, so a test can inject a fault mid-stream.
 */
export async function sendAll(url: string, requests: Request[], opts: { concurrency: number; deadlineMs: number; onAcked?: (n: number) => void }): Promise<SendResult> {
  const acked = new Set<string>();
  const ackMs: number[] = [];
  let retries = 0;
  let next = 0;
  const t0 = Date.now();
  const end = t0 + opts.deadlineMs;
  const { hostname, port, host } = new URL(url);
  // One keep-alive connection per request in flight.
  const loop = async () => {
    const conn = new HttpConnection(hostname, Number(port));
    try {
      await send(conn);
    } finally {
      conn.close();
    }
  };
  const send = async (conn: HttpConnection) => {
    while (next < requests.length) {
      const r = requests[next++]!;
      for (;;) {
        if (Date.now() > end) throw new Error(`requests still not acknowledged after ${opts.deadlineMs} ms`);
        const sent = process.hrtime.bigint();
        const res = await conn.request(wireOf(r, host));
        if (res.status === 200) {
          ackMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
          for (const k of r.keys) acked.add(k);
          opts.onAcked?.(acked.size);
          break;
        }
        if (res.status !== 503 && res.status !== 0) throw new Error(`the gateway answered ${res.status}: ${res.text}`);
        retries++;
        await new Promise((x) => setTimeout(x, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  return { acked, ackMs, retries, seconds: (Date.now() - t0) / 1000 };
}

export function trackRequests(n: number, opts: { perRequest: number; prefix: string; extra?: (i: number) => Record<string, unknown> }): Request[] {
  const out: Request[] = [];
  for (let i = 0; i < n; i += opts.perRequest) {
    const events = [];
    for (let j = i; j < Math.min(n, i + opts.perRequest); j++) {
      // Browsing sessions of 20 events, 8 of them interleaved at a time, as a site produces them.
      const session = Math.floor(j / 160) * 8 + (j % 8);
      events.push({ type: 'track', messageId: `${opts.prefix}${j}`, event: 'Product Viewed', anonymousId: `anon-${session}`, userId: `u${session % 5000}`, timestamp: '2026-11-23T10:00:00Z', properties: { product_id: `sku-${j % 300}` }, ...opts.extra?.(j) });
    }
    const keys = events.map((e) => e.messageId);
    out.push(opts.perRequest === 1 ? { path: '/v1/track', body: JSON.stringify(events[0]), keys } : { path: '/v1/batch', body: JSON.stringify({ batch: events }), keys });
  }
  return out;
}

/** Polls the sink until every key arrived (then a moment more, so late duplicates show too). */
export async function waitForSink(file: string, keys: Iterable<string>, ms: number): Promise<Map<string, number>> {
  const wanted = [...keys];
  const end = Date.now() + ms;
  for (;;) {
    const counts = sinkCounts(file);
    const missing = wanted.filter((k) => !counts.has(k));
    if (missing.length === 0) {
      await new Promise((r) => setTimeout(r, 1000));
      return sinkCounts(file);
    }
    if (Date.now() > end) throw new Error(`${missing.length} of ${wanted.length} acknowledged events never reached the sink within ${ms} ms (first: ${missing.slice(0, 3).join(', ')})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
