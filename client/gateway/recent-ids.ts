/**
 * The messageIds a gateway accepted lately, so a client's retry of an acknowledged event is
 * acknowledged again but not appended twice. Seeded at start from the newest segments of the log,
 * so a retry after a gateway crash (the append was durable, the answer never reached the client)
 * is recognised too. An id whose append is still in flight makes a repeat wait for that append:
 * the repeat is acknowledged only if the first copy became durable.
 */
import type { EventLog } from '../../activities/ports';

export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 200_000) {}

  /** Whether `id` was accepted, or is being appended (then the append's promise). */
  lookup(id: string): 'accepted' | Promise<unknown> | undefined {
    if (this.ids.has(id)) return 'accepted';
    return this.pending.get(id);
  }

  /** The ids of an append in flight: repeats wait for it; once it is durable they are accepted. */
  track(ids: string[], durable: Promise<unknown>): void {
    for (const id of ids) this.pending.set(id, durable);
    durable.then(
      () => {
        for (const id of ids) {
          this.pending.delete(id);
          this.add(id);
        }
      },
      () => {
        for (const id of ids) if (this.pending.get(id) === durable) this.pending.delete(id);
      }
    );
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Reads the segments of the last `windowMs` (newest `maxSegments`) and remembers their ids. */
  async seed(log: EventLog, opts: { windowMs?: number; maxSegments?: number; now?: number } = {}): Promise<number> {
    const since = (opts.now ?? Date.now()) - (opts.windowMs ?? 15 * 60_000);
    const refs = await log.list({ since, limit: opts.maxSegments ?? 5000 });
    for (const ref of refs) for (const r of await log.read(ref)) this.add(r.messageId);
    return refs.length;
  }
}
