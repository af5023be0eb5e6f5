/** The embedded default's event sink: the local recommender's event log (used by the next training). */
import type { EventSink } from '../ports';
import type { EventRecord, ItemRecord, PersonalizeRecord, UserRecord } from '../realtime/mapping';

export interface RecorderLog {
  recordEvents(events: Record<string, unknown>[]): Promise<void>;
  readEvents(): Record<string, unknown>[] | { [key: string]: unknown }[];
}

export class LocalEventSink implements EventSink {
  constructor(private readonly log: RecorderLog) {}

  async putEvents(req: { trackingId: string; sessionId: string; userId?: string; events: EventRecord['event'][] }): Promise<void> {
    await this.log.recordEvents(req.events.map((e) => ({ kind: 'event', trackingId: req.trackingId, sessionId: req.sessionId, userId: req.userId, ...e })));
  }

  async putItems(req: { datasetArn: string; items: ItemRecord['item'][] }): Promise<void> {
    await this.log.recordEvents(req.items.map((i) => ({ kind: 'item', datasetArn: req.datasetArn, ...i })));
  }

  async putUsers(req: { datasetArn: string; users: UserRecord['user'][] }): Promise<void> {
    await this.log.recordEvents(req.users.map((u) => ({ kind: 'user', datasetArn: req.datasetArn, ...u })));
  }

  /** Events by eventId; users and items are replaced by a re-send, so they count as landed. */
  async landed(records: PersonalizeRecord[]): Promise<boolean> {
    const wanted = records.filter((r): r is EventRecord => r.kind === 'event').map((r) => r.event.eventId);
    if (wanted.length === 0 || wanted.some((id) => !id)) return wanted.length === 0;
    const seen = new Set(this.log.readEvents().map((e) => e.eventId));
    return wanted.every((id) => seen.has(id));
  }
}
