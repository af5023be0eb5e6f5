/**
 * The event-ingestion HTTP gateway, RudderStack/Segment style: `POST /v1/track`, `/v1/identify`,
 * `/v1/batch` with the write key as the Basic-auth user name.
 *
 * Accepting means: durably written to the pipeline's event log. Every event is checked at the door
 * (sizes, ids, nesting, the mapping; 400/413 name the event, the field and the limit; nothing of a
 * bad request is accepted), the events of concurrent requests are gathered for a few milliseconds
 * into one append, and each request is answered only once that append is durable (fsync'd file or
 * S3 object). Only then is the delivery workflow told, by reference; if that signal fails the
 * events are still safe, and the sweep hands their segment over. A repeated messageId is
 * acknowledged again but appended once.
 */
import * as http from 'node:http';
import type { Client } from '@temporalio/client';
import type { DestinationConfig } from '../../activities/realtime/mapping';
import { destinationFor } from '../../activities/realtime/destination';
import type { EventLog, LogRecord } from '../../activities/ports';
import type { Config, PipelineConfig } from '../../common/config';
import { buildRealtimeLog } from '../../worker/realtime-backend';
import { MicroBatchAppender } from './appender';
import { DeliveryNotifier } from './delivery-notifier';
import { admit, DEFAULT_LIMITS, DoorError, messagesOf, type DoorLimits } from './door';
import { RecentIds } from './recent-ids';

export interface GatewayOptions {
  client: Client;
  config: Config;
  limits?: Partial<DoorLimits>;
  /** The log of a pipeline (default: from the config, as the worker builds it). */
  logOf?: (p: PipelineConfig) => EventLog;
  /** Told when a signal to a delivery workflow fails (the gateway logs it). */
  onNotifyError?: (pipeline: string, err: unknown) => void;
}

interface Route {
  pipeline: PipelineConfig;
  destination: DestinationConfig;
  log: EventLog;
  appender: MicroBatchAppender;
  notifier: DeliveryNotifier;
  recent: RecentIds;
}

/** Write key → pipeline; keys are unique across pipelines. */
export function writeKeysOf(config: Config): Map<string, PipelineConfig> {
  const keys = new Map<string, PipelineConfig>();
  for (const p of config.pipelines) {
    for (const key of p.realtime?.writeKeys ?? []) {
      if (keys.has(key)) throw new Error(`write key ${key.slice(0, 4)}… is used by two pipelines`);
      keys.set(key, p);
    }
  }
  return keys;
}

function writeKeyOf(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  return decoded.split(':')[0] || undefined;
}

async function readBody(req: http.IncomingMessage, max: number): Promise<{ value: unknown; bytes: number }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooBig = (n: string) => new DoorError(413, { error: `request body ${n} is over the ${max}-byte limit; send smaller batches`, field: '(body)', limit: max });
  if (declared > max) throw tooBig(`of ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooBig('');
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')), bytes: size };
  } catch {
    throw new DoorError(400, { error: 'the body is not valid JSON', field: '(body)' });
  }
}

export interface Gateway {
  server: http.Server;
  /** Reads the newest segments of each log, so retries of events accepted before a restart are recognised. */
  seed(): Promise<void>;
  /** Writes what is gathered and lets every signal finish (shutdown). */
  drain(): Promise<void>;
  notifiers(): DeliveryNotifier[];
}

export function createGateway(opts: GatewayOptions): Gateway {
  const limits: DoorLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const routes = new Map<string, Route>();
  const byPipeline = new Map<string, Route>();
  for (const [key, p] of writeKeysOf(opts.config)) {
    let route = byPipeline.get(p.name);
    if (!route) {
      const log = opts.logOf?.(p) ?? buildRealtimeLog(opts.config, p).log;
      const notifier = new DeliveryNotifier({ client: opts.client, taskQueue: opts.config.temporal.taskQueue, pipeline: p.name, onError: (err) => opts.onNotifyError?.(p.name, err) });
      const appender = new MicroBatchAppender({ log, windowMs: p.realtime!.microBatchMs, shards: p.realtime!.shards, onSegment: (ref, shard) => notifier.notify(ref, shard) });
      route = { pipeline: p, destination: destinationFor(p)!, log, appender, notifier, recent: new RecentIds() };
      byPipeline.set(p.name, route);
    }
    routes.set(key, route);
  }

  async function accept(route: Route, records: LogRecord[]): Promise<void> {
    const fresh: LogRecord[] = [];
    const waits: Promise<unknown>[] = [];
    const inRequest = new Set<string>();
    for (const r of records) {
      if (inRequest.has(r.messageId)) continue;
      inRequest.add(r.messageId);
      const seen = route.recent.lookup(r.messageId);
      if (seen === undefined) fresh.push(r);
      else if (seen !== 'accepted') waits.push(seen);
    }
    if (fresh.length) {
      const durable = route.appender.append(fresh, fresh.reduce((n, r) => n + JSON.stringify(r).length, 0));
      route.recent.track(
        fresh.map((r) => r.messageId),
        durable
      );
      waits.push(durable);
    }
    await Promise.all(waits);
  }

  async function handle(req: http.IncomingMessage): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (req.method === 'GET' && url.pathname === '/healthz') return { status: 200, body: { ok: true } };
    const kind = /^\/v1\/(track|identify|batch)$/.exec(url.pathname)?.[1] as 'track' | 'identify' | 'batch' | undefined;
    if (!kind) throw new DoorError(404, { error: `no route ${req.method} ${url.pathname}; use POST /v1/track, /v1/identify or /v1/batch` });
    if (req.method !== 'POST') throw new DoorError(405, { error: 'use POST' });
    const key = writeKeyOf(req);
    const route = key ? routes.get(key) : undefined;
    if (!route) throw new DoorError(401, { error: 'missing or unknown write key (send it as the Basic auth user name)' });

    const { value } = await readBody(req, limits.bodyBytes);
    const messages = messagesOf(kind, value, limits);
    const { records, problems } = admit(messages, route.destination, limits);
    if (problems.length) throw new DoorError(400, { error: `${problems.length} of ${messages.length} events cannot be sent; nothing was accepted`, events: problems });
    await accept(route, records);
    return { status: 200, body: { success: true, received: records.length } };
  }

  // Checked every second, so the body timeout holds to about a second (Node's default check is every 30 s).
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    handle(req)
      .then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
      .catch((err: unknown) => {
        const status = err instanceof DoorError ? err.status : 503;
        const body = err instanceof DoorError ? err.body : { error: `events not accepted, retry: ${(err as Error).message}` };
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json', ...(status === 413 ? { connection: 'close' } : {}) });
        res.end(JSON.stringify(body));
      });
  });
  // A body that trickles in is cut off (408) instead of holding a connection for minutes.
  server.requestTimeout = limits.bodyTimeoutMs;
  server.headersTimeout = Math.min(limits.bodyTimeoutMs, 60_000);

  return {
    server,
    seed: async () => void (await Promise.all([...byPipeline.values()].map((r) => r.recent.seed(r.log)))),
    drain: async () => {
      await Promise.all([...byPipeline.values()].map((r) => r.appender.drain()));
      await Promise.all([...byPipeline.values()].map((r) => r.notifier.settled()));
    },
    notifiers: () => [...byPipeline.values()].map((r) => r.notifier),
  };
}
