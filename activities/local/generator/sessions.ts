/**
 * The generator's session mode: the days of a SessionWorld written as RudderStack `track` events
 * (the `events` source with its default field mapping), one JSON object per line under
 * events/YYYY/MM/DD/HH/. `scoring` of the pipeline reading them: FUNNEL_SCORING.
 */
import { hourDir, type ProgressListener } from './pinpoint';
import { trackRecord, writeHourFiles } from './events';
import { SessionWorld, type SessionWorldOptions } from './world';

/** Writes one day of the world under `dir`; returns the events and files written. */
export function writeWorldDay(dir: string, world: SessionWorld, day: number): { events: number; files: number } {
  const byHour = new Map<string, string[]>();
  const events = world.day(day);
  for (const e of events) {
    const record = trackRecord({
      event: e.event,
      userId: e.userId,
      anonymousId: e.sessionId,
      messageId: e.messageId,
      productId: e.itemId,
      at: e.at,
    });
    const key = hourDir(e.at);
    (byHour.get(key) ?? byHour.set(key, []).get(key)!).push(JSON.stringify(record));
  }
  return { events: events.length, files: writeHourFiles(dir, byHour, `sessions-${world.seed}`) };
}

export interface SessionEventsSummary {
  events: number;
  files: number;
  days: number;
  firstDate: string;
  endDate: string;
}

/** Every day of a session world, written as events. */
export async function generateSessionEvents(
  opts: SessionWorldOptions & { dir: string },
  onProgress?: ProgressListener
): Promise<SessionEventsSummary> {
  const world = new SessionWorld(opts);
  let events = 0;
  let files = 0;
  for (let d = 0; d < world.days; d++) {
    const written = writeWorldDay(opts.dir, world, d);
    events += written.events;
    files += written.files;
    onProgress?.(d + 1, world.days);
  }
  return { events, files, days: world.days, firstDate: world.date(0), endDate: world.date(world.days - 1) };
}
