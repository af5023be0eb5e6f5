/**
 * The event-ingestion HTTP gateway, RudderStack/Segment style: `POST /v1/track`, `/v1/identify`,
 * `/v1/batch` with the write key as the Basic-auth user name. Every event is mapped and checked
 * first (400 lists which event, which field, why; nothing of a bad request is accepted); then the
 * batch is signalled to the pipeline's IngestWorkflow (signal-with-start), and the gateway answers
 * only once Temporal has recorded the signal, i.e. once the events are durable, even while no
 * worker runs. A repeated messageId is acknowledged again but delivered once.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { Client } from '@temporalio/client';
import { mapMessage, type DestinationConfig, type FieldError, type Message } from '../../activities/realtime/mapping';
import type { Config, PipelineConfig } from '../../common/config';
import { acceptEvents, INGEST_WORKFLOW_TYPE, ingestWorkflowId, type IngestItem, type IngestWorkflow } from '../../workflows/ingest';

export interface GatewayOptions {
  client: Client;
  config: Config;
  /** Largest request body accepted (Segment's limit is 500 KB per batch). */
  maxBodyBytes?: number;
  /** Most events in one /v1/batch call. */
  maxBatch?: number;
}

interface Route {
  pipeline: PipelineConfig;
  destination: DestinationConfig;
}

const LOCAL_ARN = (p: string, kind: string) => `arn:aws:personalize:local:000000000000:dataset/${p}/${kind}`;

/** Write key → pipeline and destination settings; keys are unique across pipelines. */
export function routesFrom(config: Config): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const p of config.pipelines) {
    const r = p.realtime;
    if (!r) continue;
    const destination: DestinationConfig = {
      eventChoice: r.eventChoice,
      trackingId: r.trackingId ?? (p.backend === 'local' ? `local-${p.name}` : undefined),
      itemsDatasetArn: r.itemsDatasetArn ?? (p.backend === 'local' ? LOCAL_ARN(p.name, 'ITEMS') : undefined),
      usersDatasetArn: r.usersDatasetArn ?? (p.backend === 'local' ? LOCAL_ARN(p.name, 'USERS') : undefined),
      customMappings: r.customMappings,
      disableStringify: r.disableStringify,
    };
    for (const key of r.writeKeys) {
      if (routes.has(key)) throw new Error(`write key ${key.slice(0, 4)}… is used by two pipelines`);
      routes.set(key, { pipeline: p, destination });
    }
  }
  return routes;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>
  ) {
    super(String(body.error));
  }
}

function writeKeyOf(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  return decoded.split(':')[0] || undefined;
}

async function readBody(req: http.IncomingMessage, max: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new HttpError(413, { error: `request body of ${declared} bytes is over the ${max}-byte limit; send smaller batches` });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new HttpError(413, { error: `request body is over the ${max}-byte limit; send smaller batches` });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, { error: 'the body is not valid JSON' });
  }
}

export interface EventErrors {
  index: number;
  messageId?: string;
  errors: FieldError[];
}

/** Pure: messages of one request → items to accept, or every problem by event. */
export function prepareItems(messages: Message[], destination: DestinationConfig): { items: IngestItem[]; problems: EventErrors[] } {
  const items: IngestItem[] = [];
  const problems: EventErrors[] = [];
  messages.forEach((m, index) => {
    if (m === null || typeof m !== 'object') {
      problems.push({ index, errors: [{ field: '(event)', reason: 'each event must be a JSON object' }] });
      return;
    }
    const messageId = typeof m.messageId === 'string' && m.messageId ? m.messageId : randomUUID();
    const mapped = mapMessage({ ...m, messageId }, destination);
    if (mapped.ok) items.push({ messageId, record: mapped.record });
    else problems.push({ index, messageId: m.messageId, errors: mapped.errors });
  });
  return { items, problems };
}

export function createGateway(opts: GatewayOptions): http.Server {
  const routes = routesFrom(opts.config);
  const maxBody = opts.maxBodyBytes ?? 500 * 1024;
  const maxBatch = opts.maxBatch ?? 1000;

  async function handle(req: http.IncomingMessage): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (req.method === 'GET' && url.pathname === '/healthz') return { status: 200, body: { ok: true } };
    const kind = /^\/v1\/(track|identify|batch)$/.exec(url.pathname)?.[1];
    if (!kind) throw new HttpError(404, { error: `no route ${req.method} ${url.pathname}; use POST /v1/track, /v1/identify or /v1/batch` });
    if (req.method !== 'POST') throw new HttpError(405, { error: 'use POST' });
    const key = writeKeyOf(req);
    const route = key ? routes.get(key) : undefined;
    if (!route) throw new HttpError(401, { error: 'missing or unknown write key (send it as the Basic auth user name)' });

    const body = await readBody(req, maxBody);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, { error: 'the body must be a JSON object' });
    let messages: Message[];
    if (kind === 'batch') {
      const list = (body as { batch?: unknown }).batch;
      if (!Array.isArray(list) || list.length === 0) throw new HttpError(400, { error: 'a batch needs a non-empty "batch" array' });
      if (list.length > maxBatch) throw new HttpError(413, { error: `${list.length} events in one batch; at most ${maxBatch}` });
      messages = list as Message[];
    } else {
      messages = [{ ...(body as Message), type: kind }];
    }
    const { items, problems } = prepareItems(messages, route.destination);
    if (problems.length) throw new HttpError(400, { error: `${problems.length} of ${messages.length} events cannot be sent; nothing was accepted`, events: problems });

    await opts.client.workflow.signalWithStart<typeof IngestWorkflow, [IngestItem[]]>(INGEST_WORKFLOW_TYPE, {
      workflowId: ingestWorkflowId(route.pipeline.name),
      taskQueue: opts.config.temporal.taskQueue,
      args: [{ pipeline: route.pipeline.name }],
      signal: acceptEvents,
      signalArgs: [items],
    });
    return { status: 200, body: { success: true, received: items.length } };
  }

  return http.createServer((req, res) => {
    handle(req)
      .then(({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)))
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 503;
        const body = err instanceof HttpError ? err.body : { error: `events not accepted, retry: ${(err as Error).message}` };
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
  });
}
