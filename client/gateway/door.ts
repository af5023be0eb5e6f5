/**
 * What the gateway checks before it accepts anything, pure: sizes and nesting of the body, each
 * event's size and ids against the Personalize limits, and the mapping itself (the same one
 * delivery applies). An accepted event becomes a log record: the message as sent, with its
 * messageId (generated when missing), its type, the time it was received and, when it had no
 * timestamp, that time as its timestamp (as Segment does) with `timestampDefaulted: true`.
 */
import { randomUUID } from 'node:crypto';
import { LIMITS, mapMessage, type DestinationConfig, type FieldError, type Message } from '../../activities/realtime/mapping';
import type { LogRecord } from '../../activities/ports';

export interface DoorLimits {
  /** Request body (Segment: 500 KB per batch call). */
  bodyBytes: number;
  /** Events in one /v1/batch call. */
  batchEvents: number;
  /** One event as JSON: room for the largest Personalize record (item properties of 32,000 characters) and its envelope. */
  eventBytes: number;
  /** messageId becomes the Personalize eventId (1–256 characters). */
  messageIdChars: number;
  /** JSON nesting depth; deeper bodies are refused, not left to overflow the mapper's stack. */
  depth: number;
  /** The whole request must arrive within this time (a trickling body is cut off with 408). */
  bodyTimeoutMs: number;
}

export const DEFAULT_LIMITS: DoorLimits = {
  bodyBytes: 500 * 1024,
  batchEvents: 1000,
  eventBytes: 40 * 1024,
  messageIdChars: LIMITS.id,
  depth: 32,
  bodyTimeoutMs: 10_000,
};

export interface EventErrors {
  index: number;
  messageId?: string;
  errors: (FieldError & { limit?: number })[];
}

export class DoorError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>
  ) {
    super(String(body.error));
  }
}

/** Nesting depth of a parsed JSON value, iteratively (a recursive walk would overflow on the bodies it must refuse). */
export function jsonDepth(value: unknown, stopAt: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > stopAt) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return max;
}

/**
 * Nesting depth of a body that JSON.parse accepted, from its bytes: one pass, no allocation
 * (brackets inside strings do not count). Exact for valid JSON; stops once over `stopAt`.
 */
export function rawJsonDepth(raw: Uint8Array, stopAt: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max && (max = depth) > stopAt) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * How much larger than its bytes in the body an event can be as JSON.stringify writes it: a number
 * such as `1e20` becomes 21 digits, an invalid UTF-8 byte becomes a 3-byte U+FFFD. So a body of at
 * most `(eventBytes - 64) / 6` bytes cannot hold an event over the limit (64: the `type` a track
 * or identify call adds), and the gateway skips re-serialising each event to measure it.
 */
const STRINGIFY_GROWTH = 6;

/** What the gateway adds to a record beyond the message as sent (messageId, type, receivedAt, a defaulted timestamp). */
export const RECORD_OVERHEAD_BYTES = 160;

/**
 * The parsed body → the messages it carries, or a DoorError naming the field and the limit.
 * `depth` measures the nesting when the caller has a cheaper way than walking the parsed value.
 */
export function messagesOf(kind: 'track' | 'identify' | 'batch', body: unknown, limits: DoorLimits, depthOf?: () => number): Message[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DoorError(400, { error: 'the body must be a JSON object' });
  const depth = depthOf ? depthOf() : jsonDepth(body, limits.depth);
  if (depth > limits.depth) throw new DoorError(400, { error: `the body is nested more than ${limits.depth} levels deep`, field: '(body)', limit: limits.depth });
  if (kind !== 'batch') return [{ ...(body as Message), type: kind }];
  const list = (body as { batch?: unknown }).batch;
  if (!Array.isArray(list) || list.length === 0) throw new DoorError(400, { error: 'a batch needs a non-empty "batch" array', field: 'batch' });
  if (list.length > limits.batchEvents) throw new DoorError(413, { error: `${list.length} events in one batch; at most ${limits.batchEvents}`, field: 'batch', limit: limits.batchEvents });
  return list as Message[];
}

/**
 * Pure but for the clock and generated ids: messages → log records, or every problem by event.
 * `bodyBytes`: the size of the body they came in, when known; a small body is not re-serialised per
 * event to check the event size (see STRINGIFY_GROWTH).
 */
export function admit(
  messages: Message[],
  destination: DestinationConfig,
  limits: DoorLimits,
  receivedAt: string = new Date().toISOString(),
  bodyBytes?: number
): { records: LogRecord[]; problems: EventErrors[] } {
  const records: LogRecord[] = [];
  const problems: EventErrors[] = [];
  const measure = bodyBytes === undefined || bodyBytes * STRINGIFY_GROWTH + 64 > limits.eventBytes;
  for (let index = 0; index < messages.length; index++) {
    const m = messages[index]!;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      problems.push({ index, errors: [{ field: '(event)', reason: 'each event must be a JSON object' }] });
      continue;
    }
    const errors: EventErrors['errors'] = [];
    const given = m.messageId;
    if (given !== undefined && given !== null && typeof given !== 'string') errors.push({ field: 'messageId', reason: 'must be a string' });
    else if (typeof given === 'string' && given.length > limits.messageIdChars) {
      errors.push({ field: 'messageId', reason: `${given.length} characters; at most ${limits.messageIdChars}`, limit: limits.messageIdChars });
    }
    const size = measure ? Buffer.byteLength(JSON.stringify(m)) : 0;
    if (size > limits.eventBytes) errors.push({ field: '(event)', reason: `${size} bytes as JSON; at most ${limits.eventBytes}`, limit: limits.eventBytes });
    if (errors.length) {
      problems.push({ index, ...(typeof given === 'string' && given.length <= limits.messageIdChars ? { messageId: given } : {}), errors });
      continue;
    }
    const messageId = typeof given === 'string' && given ? given : randomUUID();
    const record: LogRecord = { ...m, messageId, type: String(m.type ?? ''), receivedAt };
    if (m.timestamp === undefined && m.originalTimestamp === undefined) {
      record.timestamp = receivedAt;
      record.timestampDefaulted = true;
    }
    const mapped = mapMessage(record as Message, destination);
    if (mapped.ok) records.push(record);
    else problems.push({ index, ...(typeof given === 'string' ? { messageId: given } : {}), errors: mapped.errors });
  }
  return { records, problems };
}
