/**
 * The event log on S3: one object per segment under `<prefix>events/YYYY/MM/DD/HH/` (arrival hour,
 * UTC), the Firehose layout the `events` source's Glue table projects, so the daily retrain reads
 * the same objects. PutObject is durable when it returns (S3 stores the object redundantly before
 * answering 200), and the gateway acknowledges only then. Keys sort in arrival order, so
 * ListObjectsV2's StartAfter lists the segments after a point.
 *
 * Dead letters go under `<prefix>dead-letters/…` and, once replayed, move to
 * `<prefix>dead-letters-replayed/…`; the delivery ledger keeps one small object per segment under
 * `<prefix>ledger/`.
 */
import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DeadLetter, DeadLetterStore, DeliveryLedger, EventLog, LedgerEntry, LogRecord, SegmentRef } from '../ports';
import { hourPath } from '../local/event-log';

function splitPrefix(prefix: string): { Bucket: string; Key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(prefix);
  if (!m || !(m[2] === '' || m[2]!.endsWith('/'))) throw new TypeError(`not an s3://bucket/prefix/ URI: ${prefix}`);
  return { Bucket: m[1]!, Key: m[2]! };
}

async function getText(s3: S3Client, Bucket: string, Key: string): Promise<string | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key }));
    return (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return null;
    throw err;
  }
}

async function listKeys(s3: S3Client, Bucket: string, Prefix: string, opts: { startAfter?: string; limit: number; accept?: (key: string) => boolean }): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket, Prefix, ...(token ? { ContinuationToken: token } : opts.startAfter ? { StartAfter: opts.startAfter } : {}), MaxKeys: Math.min(1000, Math.max(1, opts.limit - out.length)) })
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || (opts.accept && !opts.accept(o.Key))) continue;
      out.push({ key: o.Key, size: o.Size ?? 0 });
      if (out.length >= opts.limit) return out;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

const SEGMENT = /\/(\d{13})-s(\d+)-[a-z0-9-]+\.jsonl$/;

export class S3EventLog implements EventLog {
  private readonly writer = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly bucket: string;
  private readonly base: string;
  readonly deadLetters: DeadLetterStore;

  /** `prefix`: s3://bucket/prefix/ of the pipeline's log. */
  constructor(
    private readonly s3: S3Client,
    prefix: string
  ) {
    const { Bucket, Key } = splitPrefix(prefix);
    this.bucket = Bucket;
    this.base = Key;
    this.deadLetters = { put: (letters) => this.putDeadLetters(letters) };
  }

  private uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  private keyOf(uri: string): string {
    const head = `s3://${this.bucket}/`;
    if (!uri.startsWith(head)) throw new Error(`${uri} is not in the event log's bucket ${this.bucket}`);
    return uri.slice(head.length);
  }

  async append(records: LogRecord[], opts: { shard?: number } = {}): Promise<SegmentRef> {
    const now = Date.now();
    const Key = `${this.base}events/${hourPath(now)}/${String(now).padStart(13, '0')}-s${opts.shard ?? 0}-${this.writer}-${String(this.seq++).padStart(6, '0')}.jsonl`;
    const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentType: 'application/x-ndjson' }));
    return { uri: this.uri(Key), count: records.length, bytes: Buffer.byteLength(body) };
  }

  async read(ref: Pick<SegmentRef, 'uri'>): Promise<LogRecord[]> {
    const text = await getText(this.s3, this.bucket, this.keyOf(ref.uri));
    if (text === null) throw new Error(`segment ${ref.uri} is missing`);
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l, n) => {
        try {
          return JSON.parse(l) as LogRecord;
        } catch {
          return { messageId: `unreadable:${ref.uri}:${n + 1}`, type: '(unreadable line)', receivedAt: '', line: l.slice(0, 1000) };
        }
      });
  }

  async list(req: { after?: string; since?: number; shard?: number; limit: number }): Promise<SegmentRef[]> {
    const keys = await listKeys(this.s3, this.bucket, `${this.base}events/`, {
      startAfter: req.after ? this.keyOf(req.after) : req.since !== undefined ? `${this.base}events/${hourPath(req.since)}/${String(req.since - 1).padStart(13, '0')}~` : undefined,
      limit: req.limit,
      accept: (k) => {
        const m = SEGMENT.exec(k);
        return !!m && (req.shard === undefined || Number(m[2]) === req.shard);
      },
    });
    // The count is not in the listing; delivery reads the segment anyway.
    return keys.map((k) => ({ uri: this.uri(k.key), count: 0, bytes: k.size }));
  }

  private async putDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const now = Date.now();
    const Key = `${this.base}dead-letters/${hourPath(now)}/${now}-${this.writer}-${String(this.seq++).padStart(6, '0')}.jsonl`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: letters.map((l) => JSON.stringify(l)).join('\n') + '\n', ContentType: 'application/x-ndjson' }));
  }

  async listDeadLetters(): Promise<string[]> {
    return (await listKeys(this.s3, this.bucket, `${this.base}dead-letters/`, { limit: Number.MAX_SAFE_INTEGER, accept: (k) => k.endsWith('.jsonl') })).map((k) => this.uri(k.key));
  }

  async readDeadLetters(uri: string): Promise<DeadLetter[]> {
    const text = (await getText(this.s3, this.bucket, this.keyOf(uri))) ?? '';
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as DeadLetter);
  }

  async markReplayed(uri: string): Promise<void> {
    const Key = this.keyOf(uri);
    const target = Key.replace(`${this.base}dead-letters/`, `${this.base}dead-letters-replayed/`);
    await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: encodeURIComponent(`${this.bucket}/${Key}`) }));
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
  }
}

/** The delivery ledger on S3: `<prefix>ledger/<segment name>.json`, rewritten before and after each call. */
export class S3DeliveryLedger implements DeliveryLedger {
  private readonly bucket: string;
  private readonly base: string;
  /** The settled state per segment this process wrote, so `begin` need not read it back. */
  private readonly last = new Map<string, LedgerEntry>();

  constructor(
    private readonly s3: S3Client,
    prefix: string
  ) {
    const { Bucket, Key } = splitPrefix(prefix);
    this.bucket = Bucket;
    this.base = `${Key}ledger/`;
  }

  private keyOf(segmentUri: string): string {
    const name = segmentUri.slice(segmentUri.lastIndexOf('/') + 1).replace(/\.jsonl$/, '');
    return `${this.base}${name}.json`;
  }

  private async put(Key: string, value: unknown): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: JSON.stringify(value), ContentType: 'application/json' }));
  }

  async get(segmentUri: string): Promise<LedgerEntry | null> {
    const text = await getText(this.s3, this.bucket, this.keyOf(segmentUri));
    const entry = text ? (JSON.parse(text) as LedgerEntry) : null;
    if (entry) this.last.set(segmentUri, entry);
    return entry;
  }

  async begin(segmentUri: string, call: number): Promise<void> {
    const settled = this.last.get(segmentUri) ?? { callsDone: 0, delivered: 0, deadLettered: 0, done: false };
    await this.put(this.keyOf(segmentUri), { ...settled, inFlight: call });
  }

  async settle(segmentUri: string, entry: LedgerEntry): Promise<void> {
    const { inFlight: _, ...settled } = entry;
    await this.put(this.keyOf(segmentUri), settled);
    if (settled.done) this.last.delete(segmentUri);
    else this.last.set(segmentUri, settled);
  }

  async watermark(shard: number): Promise<string | undefined> {
    const text = await getText(this.s3, this.bucket, `${this.base}watermark-s${shard}.json`);
    return text ? (JSON.parse(text) as { after: string }).after : undefined;
  }

  async setWatermark(shard: number, segmentUri: string): Promise<void> {
    await this.put(`${this.base}watermark-s${shard}.json`, { after: segmentUri });
  }
}
