/**
 * The event-ingestion HTTP gateway, RudderStack/Segment style: `POST /v1/track`, `/v1/identify`,
 * `/v1/batch` with the write key as the Basic-auth user name.
 *
 * Accepting means: durably written to the pipeline's event log. Every event is checked at the door
 * (sizes, ids, nesting, the mapping; 400/413 name the event, the field and the limit; nothing of a
 * bad request is accepted), the events of concurrent requests are gathered into one append (a
 * group commit per shard, see MicroBatchAppender), and each request is answered only once that
 * append is durable (fsync'd file or S3 object). Only then is the delivery workflow told, by reference; if that signal fails the
 * events are still safe, and the sweep hands their segment over. A repeated messageId is
 * acknowledged again but appended once.
 *
 * The per-request path is kept lean because on small machines it bounds single-event throughput:
 * the route from the raw target, the write key decoded once per Authorization header, the body read
 * into one buffer, its nesting measured on the bytes, and no re-serialising per event when the body
 * is too small to hold an event over the size limit.
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
import { admit, DEFAULT_LIMITS, DoorError, messagesOf, rawJsonDepth, RECORD_OVERHEAD_BYTES, type DoorLimits } from './door';
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

function writeKeyOf(auth: string | undefined): string | undefined {
  if (!auth?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  return decoded.split(':')[0] || undefined;
}

type Kind = 'track' | 'identify' | 'batch';

/** The route of a request target, without building a URL per request (the query string is ignored). */
function kindOf(target: string): Kind | 'healthz' | undefined {
  const q = target.indexOf('?');
  const p = q < 0 ? target : target.slice(0, q);
  switch (p) {
    case '/v1/track':
      return 'track';
    case '/v1/identify':
      return 'identify';
    case '/v1/batch':
      return 'batch';
    case '/healthz':
      return 'healthz';
    default:
      return undefined;
  }
}

/** The whole body as one buffer (no copy when it came in one chunk), or a 413 once it is over `max`. */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooBig = (n: string) => new DoorError(413, { error: `request body ${n} is over the ${max}-byte limit; send smaller batches`, field: '(body)', limit: max });
  if (declared > max) return Promise.reject(tooBig(`of ${declared} bytes`));
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData).off('end', onEnd);
        // The rest is read and dropped; the answer closes the connection.
        req.resume();
        reject(tooBig(''));
        return;
      }
      if (!first) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    const onEnd = () => resolve(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function parseBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DoorError(400, { error: 'the body is not valid JSON', field: '(body)' });
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const HEALTHY = '{"ok":true}';

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

  // Authorization header → route, for the keys of the config only (an unknown key is decoded each time, so strangers cannot grow this).
  const byHeader = new Map<string, Route>();
  function routeOf(auth: string | undefined): Route | undefined {
    if (auth === undefined) return undefined;
    const cached = byHeader.get(auth);
    if (cached) return cached;
    const key = writeKeyOf(auth);
    const route = key ? routes.get(key) : undefined;
    if (route && byHeader.size < 1024) byHeader.set(auth, route);
    return route;
  }

  async function accept(route: Route, records: LogRecord[], bytes: number): Promise<void> {
    if (records.length === 1) {
      // The common single-event call: no per-request set.
      const seen = route.recent.lookup(records[0]!.messageId);
      if (seen === 'accepted') return;
      if (seen !== undefined) return void (await seen);
      const durable = route.appender.append(records, bytes);
      route.recent.track([records[0]!.messageId], durable);
      return void (await durable);
    }
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
      const durable = route.appender.append(fresh, Math.ceil((bytes * fresh.length) / records.length));
      route.recent.track(
        fresh.map((r) => r.messageId),
        durable
      );
      waits.push(durable);
    }
    await Promise.all(waits);
  }

  /** The number of events accepted (the 200's `received`). */
  async function handle(req: http.IncomingMessage, kind: Kind): Promise<number> {
    if (req.method !== 'POST') throw new DoorError(405, { error: 'use POST' });
    const route = routeOf(req.headers.authorization);
    if (!route) throw new DoorError(401, { error: 'missing or unknown write key (send it as the Basic auth user name)' });

    const raw = await readBody(req, limits.bodyBytes);
    const value = parseBody(raw);
    const messages = messagesOf(kind, value, limits, () => rawJsonDepth(raw, limits.depth));
    const { records, problems } = admit(messages, route.destination, limits, undefined, raw.length);
    if (problems.length) throw new DoorError(400, { error: `${problems.length} of ${messages.length} events cannot be sent; nothing was accepted`, events: problems });
    // The segment's size for the appender's flush threshold: the body plus what the gateway adds per record.
    await accept(route, records, raw.length + records.length * RECORD_OVERHEAD_BYTES);
    return records.length;
  }

  const fail = (res: http.ServerResponse, err: unknown) => {
    const status = err instanceof DoorError ? err.status : 503;
    const body = JSON.stringify(err instanceof DoorError ? err.body : { error: `events not accepted, retry: ${(err as Error).message}` });
    if (!res.headersSent) res.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(body), ...(status === 413 ? { connection: 'close' } : {}) });
    res.end(body);
  };

  // Checked every second, so the body timeout holds to about a second (Node's default check is every 30 s).
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    const kind = kindOf(req.url ?? '/');
    if (kind === 'healthz' && req.method === 'GET') return void res.writeHead(200, { ...JSON_HEADERS, 'content-length': HEALTHY.length }).end(HEALTHY);
    if (kind === undefined || kind === 'healthz') {
      const q = (req.url ?? '/').indexOf('?');
      const pathname = q < 0 ? (req.url ?? '/') : req.url!.slice(0, q);
      return fail(res, new DoorError(404, { error: `no route ${req.method} ${pathname}; use POST /v1/track, /v1/identify or /v1/batch` }));
    }
    handle(req, kind).then((received) => {
      const body = `{"success":true,"received":${received}}`;
      res.writeHead(200, { ...JSON_HEADERS, 'content-length': body.length }).end(body);
    }, (err: unknown) => fail(res, err));
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
