/**
 * The real-time path end to end on a dev server: load client → gateway process (door checks,
 * micro-batched durable append to the local event log, signal by reference) → Temporal →
 * RealtimeDeliveryWorkflow → deliverSegments in a worker process → a counting sink. Every figure is
 * measured from the first request sent to the last event counted in the sink.
 *
 *  - realtime_e2e_events_per_s: single-event /v1/track requests, 64 in flight (higher is better);
 *  - realtime_e2e_batch100_events_per_s: /v1/batch of 100, 8 in flight (higher is better);
 *  - realtime_ack_p99_ms: the 99th percentile of request → 200 of the single-event run (lower is better);
 *  - realtime_gateway_accept_req_per_s: single-event requests the gateway acknowledged per second in that run (higher is better);
 *  - realtime_gateway_cpu_us_per_event, realtime_delivery_cpu_us_per_event (worker and Temporal server together),
 *    realtime_load_client_cpu_us_per_event: CPU each part used per event in that run, all threads (lower is
 *    better). On 2 cores their sum bounds the single-event rate: 2 s of CPU a second ÷ the sum.
 *  - realtime_calls_per_event: sink calls per event over both runs, sessioned traffic (lower is better; RudderStack: 1.0);
 *  - realtime_outage_lost_events: as many events as 10 minutes at the single-event rate measured
 *    above arrive with no worker running (time-compressed: sent as batches of 100 as fast as the
 *    gateway takes them), then a worker starts; acknowledged events that never reach the sink (must
 *    be 0), with realtime_outage_duplicates (must be 0), realtime_outage_recovery_s, and
 *    realtime_outage_accept_events_per_s (how fast the gateway took them; higher is better).
 * Sizes: BENCH_RT_SINGLE (default 20,000), BENCH_RT_BATCH (default 100,000), BENCH_RT_OUTAGE (default: 600 × the single rate).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startKillableDevServer } from '../helpers/dev-server-process';
import { prebuiltBundle } from '../e2e/fault-harness';
import { createRealtimeStack, sendAll, SinkTail, trackRequests, type RealtimeStack } from '../realtime/realtime-stack';

type Report = (name: string, value: number) => void;

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
}

/** Waits until the sink holds every one of `keys`; returns when that was seen (ms epoch). The sink is read incrementally. */
async function deliveredAt(sink: SinkTail, keys: Set<string>, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  sink.poll();
  let have = 0;
  for (const k of keys) if (sink.counts.has(k)) have++;
  for (;;) {
    for (const k of sink.poll()) if (keys.has(k)) have++;
    if (have === keys.size) return Date.now();
    if (Date.now() > end) throw new Error(`${keys.size - have} of ${keys.size} acknowledged events not delivered within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CPU time (µs, user + system, all threads) a process has used, from /proc (Linux); 0 when unknown. */
function processCpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // clock ticks of 10 ms (USER_HZ)
  } catch {
    return 0;
  }
}

function stackCpu(stack: RealtimeStack, server: { pid(): number | undefined }) {
  const { gateway, worker } = stack.pids();
  const self = process.cpuUsage();
  return { gateway: processCpuUs(gateway), worker: processCpuUs(worker), server: processCpuUs(server.pid()), client: self.user + self.system };
}

function calls(stack: RealtimeStack): number {
  const f = `${stack.sinkFile}.calls`;
  return fs.existsSync(f) ? fs.statSync(f).size : 0;
}

export async function benchRealtime(report: Report): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'po-bench-rt-'));
  const server = await startKillableDevServer(path.join(scratch, 'server'));
  const bundlePath = await prebuiltBundle(scratch);
  const stacks: RealtimeStack[] = [];
  try {
    const single = Number(process.env.BENCH_RT_SINGLE ?? 20_000);
    const batch = Number(process.env.BENCH_RT_BATCH ?? 100_000);

    const a = await createRealtimeStack('bench', { address: server.address, bundlePath });
    stacks.push(a);
    const sinkA = new SinkTail(a.sinkFile);
    await a.startGateway();
    await a.startWorker();
    await a.applySweep();
    // Warm-up: the workflow exists and the bundle is loaded before timing.
    const warm = await sendAll(a.url, trackRequests(200, { perRequest: 1, prefix: 'w-' }), { concurrency: 8, deadlineMs: 60_000 });
    await deliveredAt(sinkA, warm.acked, 60_000);

    const cpuBefore = stackCpu(a, server);
    let t0 = Date.now();
    const one = await sendAll(a.url, trackRequests(single, { perRequest: 1, prefix: 's-' }), { concurrency: 64, deadlineMs: 600_000 });
    const singleRate = single / ((await deliveredAt(sinkA, one.acked, 600_000)) - t0) * 1000;
    const cpu = stackCpu(a, server);
    report('realtime_e2e_events_per_s', Math.round(singleRate));
    report('realtime_ack_p99_ms', Number(p99(one.ackMs).toFixed(1)));
    report('realtime_gateway_accept_req_per_s', Math.round(single / one.seconds));
    const perEvent = (us: number) => Math.round(us / single);
    report('realtime_gateway_cpu_us_per_event', perEvent(cpu.gateway - cpuBefore.gateway));
    report('realtime_delivery_cpu_us_per_event', perEvent(cpu.worker - cpuBefore.worker + cpu.server - cpuBefore.server));
    report('realtime_load_client_cpu_us_per_event', perEvent(cpu.client - cpuBefore.client));
    process.stderr.write(`# single-event: ${single} events, gateway accepted them in ${one.seconds.toFixed(1)} s, ${one.retries} retried requests\n`);

    t0 = Date.now();
    const hundred = await sendAll(a.url, trackRequests(batch, { perRequest: 100, prefix: 'b-' }), { concurrency: 8, deadlineMs: 600_000 });
    report('realtime_e2e_batch100_events_per_s', Math.round(batch / ((await deliveredAt(sinkA, hundred.acked, 600_000)) - t0) * 1000));
    report('realtime_calls_per_event', Number((calls(a) / (200 + single + batch)).toFixed(4)));
    await a.stop();
    stacks.pop();

    // The outage: the same volume as 10 minutes at the single-event rate, with no worker.
    const volume = Number(process.env.BENCH_RT_OUTAGE ?? Math.round(singleRate * 600));
    const b = await createRealtimeStack('outage', { address: server.address, bundlePath });
    stacks.push(b);
    const sinkB = new SinkTail(b.sinkFile);
    await b.startGateway();
    await b.applySweep();
    const during = await sendAll(b.url, trackRequests(volume, { perRequest: 100, prefix: 'o-' }), { concurrency: 8, deadlineMs: 1_800_000 });
    process.stderr.write(`# outage: ${during.acked.size} of ${volume} events acknowledged with no worker in ${during.seconds.toFixed(1)} s\n`);
    const started = Date.now();
    await b.startWorker();
    let lost = during.acked.size;
    try {
      await deliveredAt(sinkB, during.acked, 1_800_000);
      lost = 0;
    } catch (err) {
      sinkB.poll();
      lost = [...during.acked].filter((k) => !sinkB.counts.has(k)).length;
      process.stderr.write(`# ${(err as Error).message}\n`);
    }
    const recovery = (Date.now() - started) / 1000;
    sinkB.poll();
    const dup = [...sinkB.counts.values()].filter((n) => n > 1).length;
    report('realtime_outage_events', during.acked.size);
    report('realtime_outage_accept_events_per_s', Math.round(during.acked.size / during.seconds));
    report('realtime_outage_lost_events', lost + (volume - during.acked.size));
    report('realtime_outage_duplicates', dup);
    report('realtime_outage_recovery_s', Number(recovery.toFixed(1)));
  } finally {
    for (const s of stacks) await s.stop();
    await server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
