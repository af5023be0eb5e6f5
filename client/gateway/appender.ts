/**
 * Gathers the events of concurrent requests into one durable append (one segment, one fsync or one
 * PutObject), then answers every request of that segment at once. A failed append fails exactly
 * the requests in it (they answer 503 and the client retries).
 *
 * Group commit: at most one append in flight per shard. While every shard is writing, the next
 * segment gathers; the moment a shard is free it is written, so there is no idle gap between
 * appends under load and the segment grows with the load instead of the number of files. With a
 * shard free, the first request of a segment waits `windowMs` for others.
 */
import type { EventLog, LogRecord, SegmentRef } from '../../activities/ports';

interface Open {
  records: LogRecord[];
  bytes: number;
  waiters: { resolve: (ref: SegmentRef) => void; reject: (err: unknown) => void }[];
}

export interface AppenderOptions {
  log: EventLog;
  /** How long the first request of a segment waits for others (when a shard is free). */
  windowMs: number;
  /** A segment is written as soon as a shard is free once it holds this much. */
  maxSegmentBytes?: number;
  shards?: number;
  /** Called once a segment is durable (the gateway then notifies delivery). */
  onSegment?: (ref: SegmentRef, shard: number) => void;
}

export class MicroBatchAppender {
  private open: Open | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextShard = 0;
  /** Shard → its append in flight. */
  private readonly writing = new Map<number, Promise<void>>();
  private readonly shards: number;
  /** Appends written, and the most that were in flight at once (tests, benchmarks). */
  readonly stats = { segments: 0, maxInFlight: 0 };

  constructor(private readonly opts: AppenderOptions) {
    this.shards = opts.shards ?? 1;
  }

  /** Resolves with the segment once the records are durable in it. */
  append(records: LogRecord[], bytes: number): Promise<SegmentRef> {
    return new Promise((resolve, reject) => {
      const open = (this.open ??= { records: [], bytes: 0, waiters: [] });
      for (const r of records) open.records.push(r);
      open.bytes += bytes;
      open.waiters.push({ resolve, reject });
      if (this.writing.size >= this.shards) return; // written when a shard is free
      if (open.bytes >= (this.opts.maxSegmentBytes ?? 4 * 1024 * 1024)) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
    });
  }

  private freeShard(): number | undefined {
    for (let i = 0; i < this.shards; i++) {
      const shard = (this.nextShard + i) % this.shards;
      if (!this.writing.has(shard)) {
        this.nextShard = (shard + 1) % this.shards;
        return shard;
      }
    }
    return undefined;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.open;
    if (!batch) return;
    const shard = this.freeShard();
    if (shard === undefined) return;
    this.open = undefined;
    this.stats.segments++;
    const work = this.opts.log.append(batch.records, { shard }).then(
      (ref) => {
        for (const w of batch.waiters) w.resolve(ref);
        this.opts.onSegment?.(ref, shard);
      },
      (err: unknown) => {
        for (const w of batch.waiters) w.reject(err);
      }
    );
    this.writing.set(shard, work);
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.writing.size);
    void work.finally(() => {
      this.writing.delete(shard);
      // What gathered during the write has waited long enough: write it now.
      if (this.open) this.flush();
    });
  }

  /** Writes what is gathered now and waits until nothing is gathered or in flight (shutdown). */
  async drain(): Promise<void> {
    for (;;) {
      this.flush();
      if (this.writing.size === 0 && !this.open) return;
      await Promise.allSettled([...this.writing.values()]);
      // `finally` above runs after these settle; let it take the shard back first.
      await new Promise((r) => setImmediate(r));
    }
  }
}
