/**
 * Gathers the events of concurrent requests for a few milliseconds into one durable append (one
 * segment, one fsync or one PutObject), then answers every request of that segment at once. A
 * failed append fails exactly the requests in it (they answer 503 and the client retries).
 */
import type { EventLog, LogRecord, SegmentRef } from '../../activities/ports';

interface Open {
  records: LogRecord[];
  bytes: number;
  waiters: { resolve: (ref: SegmentRef) => void; reject: (err: unknown) => void }[];
  timer?: NodeJS.Timeout;
}

export interface AppenderOptions {
  log: EventLog;
  /** How long the first request of a segment waits for others. */
  windowMs: number;
  /** A segment is written at once when it holds this much. */
  maxSegmentBytes?: number;
  shards?: number;
  /** Called once a segment is durable (the gateway then notifies delivery). */
  onSegment?: (ref: SegmentRef, shard: number) => void;
}

export class MicroBatchAppender {
  private open: Open | undefined;
  private nextShard = 0;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: AppenderOptions) {}

  /** Resolves with the segment once the records are durable in it. */
  append(records: LogRecord[], bytes: number): Promise<SegmentRef> {
    return new Promise((resolve, reject) => {
      const open = (this.open ??= { records: [], bytes: 0, waiters: [] });
      open.records.push(...records);
      open.bytes += bytes;
      open.waiters.push({ resolve, reject });
      if (open.bytes >= (this.opts.maxSegmentBytes ?? 4 * 1024 * 1024)) this.flush();
      else open.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
    });
  }

  private flush(): void {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    if (batch.timer) clearTimeout(batch.timer);
    const shard = this.nextShard;
    this.nextShard = (this.nextShard + 1) % (this.opts.shards ?? 1);
    const work = this.opts.log.append(batch.records, { shard }).then(
      (ref) => {
        for (const w of batch.waiters) w.resolve(ref);
        this.opts.onSegment?.(ref, shard);
      },
      (err: unknown) => {
        for (const w of batch.waiters) w.reject(err);
      }
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Writes what is gathered now and waits for every append in flight (shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }
}
